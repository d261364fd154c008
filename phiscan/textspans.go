package phiscan

import (
	"strings"
	"unsafe"
)

// TextSpan is one identifier found inside free text: Text[Start:End] of
// the value scanned holds it. Type is one of TextSpanTypes.
type TextSpan struct {
	Start, End int
	Type       string
}

// TextSpanTypes are the types a TextSpan may have: the identifiers the
// free-text detectors know ("age_over_89" is an age above the limit,
// "92 yo"; "mrn" a record number after a label such as "MRN", or one
// matching Config.MRNPattern).
func TextSpanTypes() []string { return append([]string(nil), textHitTypes[:]...) }

// TextFinder finds the identifiers embedded in free text with the
// detectors the scanner applies to free-text columns (detect_freetext.go):
// formatted SSNs and phone numbers, emails, URLs, IP addresses, dates,
// ages over the limit, street addresses, ZIP codes after a state, record
// numbers after a label, and person names (a title and a capitalised
// word, a given name and a surname, a relation word and a name). It
// reports where each is, so that a caller can replace it (package export
// scrubs text with it). It finds what the scanner finds, no more: a name
// the name lists do not hold and no title or relation word announces is
// not found. A TextFinder is not safe for concurrent use; make one per
// goroutine.
type TextFinder struct {
	sc    textScanner
	spans []TextSpan
}

// NewTextFinder returns a TextFinder with the settings of cfg that apply
// to text: ScanDate (the pivot of two-digit years, the age limit's today),
// AgeLimit and MRNPattern. cfg may be nil.
func NewTextFinder(cfg *Config) (*TextFinder, error) {
	if cfg != nil {
		if err := ValidateConfig(cfg); err != nil {
			return nil, err
		}
	}
	wordsOnce.Do(loadWords)
	s := prepare(cfg)
	return &TextFinder{sc: textScanner{dates: dateParser{pivot: s.scanDate.Year() % 100}, mrn: s.mrn, ageLimit: s.ageLimit}}, nil
}

// Find returns the identifiers found in text, in the order the detectors
// met them; spans may overlap (a date inside an address). The slice is
// reused by the next call.
func (f *TextFinder) Find(text string) []TextSpan {
	f.spans = f.spans[:0]
	h := textHits{spans: &f.spans, text: text}
	f.sc.scan(text, &h)
	return f.spans
}

// addSpan records s, a substring of h.text, as an identifier of type t.
func (h *textHits) addSpan(t int, s string) {
	if s == "" {
		return
	}
	// Every string the detectors report is a slice of the text scanned:
	// its offset is the distance between the two.
	off := int(uintptr(unsafe.Pointer(unsafe.StringData(s))) - uintptr(unsafe.Pointer(unsafe.StringData(h.text))))
	if off < 0 || off+len(s) > len(h.text) || h.text[off:off+len(s)] != s {
		if off = strings.Index(h.text, s); off < 0 {
			return
		}
	}
	*h.spans = append(*h.spans, TextSpan{Start: off, End: off + len(s), Type: textHitTypes[t]})
}
