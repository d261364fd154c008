package phiscan

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Kinds of FileReport.
const (
	FileBinary     = "binary"     // binary content, not scanned
	FileText       = "text"       // text that is not a table (.md, free-text .txt)
	FileUnreadable = "unreadable" // could not be opened or read
)

// headSize is how much of a file is looked at to tell binary from text
// and to find the delimiter.
const headSize = 64 << 10

// maxParseErrors stops reading a file that is not CSV after all: past
// this many malformed records, the rest is noise.
const maxParseErrors = 1000

// ScanDir scans the data-set files under dir, recursively. Every .csv,
// .tsv and .txt file that holds a table is read as one (delimiter detected
// among comma, tab, semicolon and pipe; first row as header) and gets a
// TableReport; .md files, free text, binary files, files that cannot be
// read and any other file are listed in Report.Files, the last four with a
// warning, because a data set should not hold them unnoticed.
//
// Files that are not valid UTF-8 are read as Latin-1, with a warning;
// rows with a different number of fields than the header are read as far
// as they go, with a warning. Files are streamed: with cfg.Sample > 0 every
// row is counted and a uniform sample of cfg.Sample rows (reservoir
// sampling) is classified.
//
// The error is non-nil only when dir cannot be read or ctx ends.
func ScanDir(ctx context.Context, dir string, cfg *Config) (*Report, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("phiscan: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("phiscan: %s is not a directory", dir)
	}
	rep := &Report{ScannedAt: time.Now().UTC(), Source: dir, Tables: []TableReport{}, Files: []FileReport{}}
	err = filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		if err != nil {
			if path == dir {
				return err
			}
			rep.Files = append(rep.Files, FileReport{Name: rel, Kind: FileUnreadable, Warning: "cannot read: " + pathErrText(err)})
			if e != nil && e.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if e.IsDir() {
			return nil
		}
		scanFile(ctx, rep, path, rel, cfg)
		return nil
	})
	ApplyOverrides(rep, cfg)
	if err != nil {
		return rep, fmt.Errorf("phiscan: %w", err)
	}
	return rep, nil
}

// pathErrText drops the path from an os error: the report names the file
// already.
func pathErrText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// expected are the extensions a data-set directory is expected to hold.
var expected = map[string]bool{".csv": true, ".tsv": true, ".txt": true, ".md": true}

func scanFile(ctx context.Context, rep *Report, path, rel string, cfg *Config) {
	fr := FileReport{Name: rel}
	info, err := os.Stat(path)
	if err != nil {
		fr.Kind, fr.Warning = FileUnreadable, "cannot read: "+pathErrText(err)
		rep.Files = append(rep.Files, fr)
		return
	}
	mod := info.ModTime().UTC()
	fr.Size, fr.Modified, fr.Created = info.Size(), &mod, birthTime(path)
	if !info.Mode().IsRegular() {
		fr.Kind, fr.Warning = FileUnreadable, "not a regular file ("+info.Mode().Type().String()+"): not scanned"
		rep.Files = append(rep.Files, fr)
		return
	}
	ext := strings.ToLower(filepath.Ext(rel))
	f, err := os.Open(path)
	if err != nil {
		fr.Kind, fr.Warning = FileUnreadable, "cannot read: "+pathErrText(err)
		rep.Files = append(rep.Files, fr)
		return
	}
	defer f.Close()
	raw := bufio.NewReaderSize(f, headSize)
	head, err := raw.Peek(headSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		fr.Kind, fr.Warning = FileUnreadable, "cannot read: "+pathErrText(err)
		rep.Files = append(rep.Files, fr)
		return
	}
	var enc encodingNote
	var text io.Reader
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		text = transform.NewReader(raw, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
		enc.utf16 = true
	case bytes.IndexByte(head, 0) >= 0:
		fr.Kind = FileBinary
		fr.Warning = "binary file: not scanned"
		if !expected[ext] {
			fr.Warning = "unexpected binary file: not scanned; check what it holds"
		}
		rep.Files = append(rep.Files, fr)
		return
	default:
		if bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")) {
			raw.Discard(3)
		}
		text = &latin1Fallback{r: raw, in: make([]byte, 32<<10), note: &enc}
	}
	switch ext {
	case ".csv", ".tsv", ".txt":
	case ".md":
		fr.Kind = FileText
		rep.Files = append(rep.Files, fr)
		return
	default:
		fr.Kind = FileText
		fr.Warning = "unexpected file: not scanned; check what it holds"
		rep.Files = append(rep.Files, fr)
		return
	}

	br := bufio.NewReaderSize(text, headSize)
	dhead, _ := br.Peek(headSize)
	kind := "csv"
	if ext == ".tsv" {
		kind = "tsv"
	}
	tr := TableReport{Name: rel, Kind: kind, Created: fr.Created, Modified: fr.Modified, Columns: []ColumnReport{}, Warnings: []string{}}
	if len(bytes.TrimSpace(dhead)) == 0 {
		tr.Warnings = append(tr.Warnings, "empty file")
		rep.Tables = append(rep.Tables, tr)
		return
	}
	delim, found := detectDelimiter(dhead, len(dhead) == headSize, ext)
	if !found && ext == ".txt" {
		fr.Kind = FileText
		fr.Warning = "free text, not a table: not scanned"
		rep.Files = append(rep.Files, fr)
		return
	}
	if delim == '\t' {
		tr.Kind = "tsv"
	} else {
		tr.Kind = "csv"
	}
	readDelimited(ctx, &tr, br, delim, cfg)
	if enc.utf16 {
		tr.Warnings = append(tr.Warnings, "UTF-16 text: decoded")
	}
	if enc.latin1 {
		tr.Warnings = append(tr.Warnings, "not valid UTF-8: read as Latin-1 (ISO 8859-1)")
	}
	rep.Tables = append(rep.Tables, tr)
}

// readDelimited reads a delimited file into tr.
func readDelimited(ctx context.Context, tr *TableReport, r io.Reader, delim rune, cfg *Config) {
	cr := csv.NewReader(r)
	cr.Comma = delim
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			tr.Warnings = append(tr.Warnings, "empty file")
		} else {
			tr.Warnings = append(tr.Warnings, "cannot read the header: "+parseErrText(err))
		}
		return
	}
	names, first, warns := headerNames(header)
	tr.Warnings = append(tr.Warnings, warns...)
	types := make([]string, len(names))
	ts := newTableScan(tableName(tr.Name), names, types, cfg)
	defer func() {
		tr.Columns = ts.finish()
		tr.Examples = ts.examples
	}()

	var reservoir [][]string
	sample := int64(cfg.Sample)
	var rows, ragged, raggedLine, parseErrs int64
	var firstParseErr string
	take := func(rec []string) {
		rows++
		if len(rec) != len(names) {
			ragged++
			if raggedLine == 0 {
				line, _ := cr.FieldPos(0)
				raggedLine = int64(line)
			}
		}
		switch {
		case sample <= 0:
			ts.main.add(rec)
		case int64(len(reservoir)) < sample:
			reservoir = append(reservoir, slices.Clone(rec))
		default:
			if j := rand.Int64N(rows); j < sample {
				reservoir[j] = append(reservoir[j][:0], rec...)
			}
		}
	}
	if first != nil {
		take(first)
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				tr.Warnings = append(tr.Warnings, fmt.Sprintf("reading stopped after %d rows: %s", rows, pathErrText(err)))
				break
			}
			parseErrs++
			if firstParseErr == "" {
				firstParseErr = parseErrText(err)
			}
			if parseErrs > maxParseErrors {
				tr.Warnings = append(tr.Warnings, fmt.Sprintf("reading stopped after %d malformed records", parseErrs))
				break
			}
			continue
		}
		take(rec)
		if rows%4096 == 0 && ctx.Err() != nil {
			tr.Warnings = append(tr.Warnings, fmt.Sprintf("reading stopped after %d rows: %s", rows, ctx.Err()))
			break
		}
	}
	for _, rec := range reservoir {
		ts.main.add(rec)
	}
	tr.Rows = rows
	if rows == 0 {
		tr.Warnings = append(tr.Warnings, "no rows after the header: columns judged by their names only")
	}
	if ragged > 0 {
		tr.Warnings = append(tr.Warnings, fmt.Sprintf(
			"%d rows have a different number of fields than the header's %d (first on line %d): missing fields read as empty, extra fields ignored",
			ragged, len(names), raggedLine))
	}
	if parseErrs > 0 {
		tr.Warnings = append(tr.Warnings, fmt.Sprintf("%d malformed records skipped (first: %s)", parseErrs, firstParseErr))
	}
}

// tableName is the name of the table a file holds: its base name without
// extension.
func tableName(path string) string {
	base := path[strings.LastIndex(path, "/")+1:]
	if i := strings.LastIndex(base, "."); i > 0 {
		base = base[:i]
	}
	return base
}

// parseErrText describes a CSV error by position and kind; the record
// itself may hold PHI and is not quoted.
func parseErrText(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return err.Error()
}

// headerNames turns the first record into column names. A first record
// that looks like data (numbers, dates, e-mail addresses) is not taken as
// the header, since the names of the report would then quote a row: the
// columns are named column_1, column_2, ... and the record is returned as
// the first data row.
func headerNames(rec []string) (names, first []string, warnings []string) {
	if slices.ContainsFunc(rec, looksLikeData) {
		names = make([]string, len(rec))
		for i := range names {
			names[i] = "column_" + strconv.Itoa(i+1)
		}
		return names, slices.Clone(rec), []string{"the first row looks like data, not a header: columns named column_1, column_2, ..."}
	}
	names = make([]string, len(rec))
	seen := map[string]int{}
	var empty, dup int
	for i, h := range rec {
		h = strings.TrimSpace(h)
		if h == "" {
			h = "column_" + strconv.Itoa(i+1)
			empty++
		}
		if n := seen[strings.ToLower(h)]; n > 0 {
			seen[strings.ToLower(h)] = n + 1
			h = h + "_" + strconv.Itoa(n+1)
			dup++
		}
		seen[strings.ToLower(h)]++
		names[i] = h
	}
	if empty > 0 {
		warnings = append(warnings, fmt.Sprintf("%d empty header names: named column_N by position", empty))
	}
	if dup > 0 {
		warnings = append(warnings, fmt.Sprintf("%d repeated header names: numbered _2, _3, ...", dup))
	}
	return names, nil, warnings
}

// looksLikeData tells a value from a column name: names are short words,
// values are often numbers, dates or addresses.
func looksLikeData(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return true
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits++
		}
	}
	return digits >= 4 && 2*digits >= len(s) || strings.Contains(s, "@") || len(s) > 64
}

// detectDelimiter picks, among comma, tab, semicolon and pipe, the
// delimiter that occurs in the header line and the same number of times
// in the most lines of head. truncated says head ends mid-file, so its
// last line is partial. found is false when none occurs in the header
// (or, for .txt files, splits the lines consistently); delim is then the
// extension's default.
func detectDelimiter(head []byte, truncated bool, ext string) (delim rune, found bool) {
	lines := bytes.Split(head, []byte("\n"))
	if truncated && len(lines) > 1 {
		lines = lines[:len(lines)-1]
	}
	lines = slices.DeleteFunc(lines, func(l []byte) bool { return len(bytes.TrimSpace(l)) == 0 })
	if len(lines) > 50 {
		lines = lines[:50]
	}
	delim = ','
	if ext == ".tsv" {
		delim = '\t'
	}
	if len(lines) == 0 {
		return delim, false
	}
	best, bestScore := delim, -1.0
	for _, c := range []byte{',', '\t', ';', '|'} {
		h := countOutsideQuotes(lines[0], c)
		if h == 0 {
			continue
		}
		same := 0
		for _, l := range lines {
			if countOutsideQuotes(l, c) == h {
				same++
			}
		}
		// Consistency first; among equally consistent candidates the
		// extension's own delimiter, then the one that splits more.
		score := float64(same)/float64(len(lines))*1000 + min(float64(h), 100)/1000
		if rune(c) == delim {
			score += 0.5
		}
		if score > bestScore {
			best, bestScore = rune(c), score
		}
	}
	if ext == ".txt" {
		// A .txt file is often prose, where a comma or two per line is
		// punctuation: only a consistent split over several lines makes
		// it a table.
		return best, len(lines) >= 2 && bestScore >= 900
	}
	return best, bestScore >= 0
}

func countOutsideQuotes(line []byte, c byte) int {
	n, quoted := 0, false
	for _, b := range line {
		switch {
		case b == '"':
			quoted = !quoted
		case b == c && !quoted:
			n++
		}
	}
	return n
}

// encodingNote records what a decoder had to do, for the warnings.
type encodingNote struct {
	latin1, utf16 bool
}

// latin1Fallback passes UTF-8 through until the first byte sequence that
// is not UTF-8, and from there on decodes bytes as Latin-1. A file is
// either in one encoding or the other, and a Latin-1 file is ASCII (hence
// valid UTF-8) up to its first accented letter, so this decodes both in
// one streaming pass.
type latin1Fallback struct {
	r    io.Reader
	in   []byte
	note *encodingNote
	// carry is an incomplete UTF-8 sequence at in[carryAt:carryAt+carry],
	// completed by the next read.
	carryAt, carry int
	out            []byte
	conv           []byte
	err            error
}

// Read implements io.Reader.
func (l *latin1Fallback) Read(p []byte) (int, error) {
	for len(l.out) == 0 {
		if l.err != nil {
			if l.carry > 0 {
				// A sequence cut off by the end of the file is not UTF-8.
				l.note.latin1 = true
				l.out = appendLatin1(l.conv[:0], l.in[l.carryAt:l.carryAt+l.carry])
				l.carry = 0
				break
			}
			return 0, l.err
		}
		copy(l.in, l.in[l.carryAt:l.carryAt+l.carry])
		n, err := l.r.Read(l.in[l.carry:])
		data := l.in[:l.carry+n]
		l.carry, l.carryAt, l.err = 0, 0, err
		if l.note.latin1 {
			l.conv = appendLatin1(l.conv[:0], data)
			l.out = l.conv
			continue
		}
		valid, incomplete := utf8Prefix(data)
		if valid+incomplete == len(data) {
			l.out = data[:valid]
			l.carryAt, l.carry = valid, incomplete
			continue
		}
		l.note.latin1 = true
		l.conv = append(l.conv[:0], data[:valid]...)
		l.conv = appendLatin1(l.conv, data[valid:])
		l.out = l.conv
	}
	n := copy(p, l.out)
	l.out = l.out[n:]
	return n, nil
}

// utf8Prefix returns the length of the valid UTF-8 prefix of b and, if
// the rest is the start of a multi-byte sequence cut off by the buffer's
// end, its length.
func utf8Prefix(b []byte) (valid, incomplete int) {
	if utf8.Valid(b) {
		return len(b), 0
	}
	i := 0
	for i < len(b) {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			if !utf8.FullRune(b[i:]) {
				return i, len(b) - i
			}
			return i, 0
		}
		i += size
	}
	return i, 0
}

func appendLatin1(dst, src []byte) []byte {
	for _, c := range src {
		if c < utf8.RuneSelf {
			dst = append(dst, c)
		} else {
			dst = utf8.AppendRune(dst, rune(c))
		}
	}
	return dst
}
