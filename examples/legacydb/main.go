// Command legacydb writes an SQLite database holding a plaintext table
// shaped like OpenEMR's patient_data, with deterministic synthetic
// patients: the starting point of the README's "Encrypting an existing
// table".
//
//	go run ./examples/legacydb [-out legacy-data/legacy.db] [-rows 5000]
//
// Its first row is the one the README searches for: Ana María Núñez, SSN
// 078-05-1120. Every other value is made up. It refuses to overwrite an
// existing file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/phicrypt/phicrypt"
)

func main() {
	out := flag.String("out", filepath.Join("legacy-data", "legacy.db"), "SQLite database file to create (must not exist; its folder is created)")
	rows := flag.Int("rows", 5000, "number of patients")
	flag.Parse()
	if flag.NArg() > 0 || *rows < 1 {
		fmt.Fprintln(os.Stderr, "usage: legacydb [-out legacy.db] [-rows N] (N ≥ 1)")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Stdout, *out, *rows); err != nil {
		fmt.Fprintln(os.Stderr, "legacydb:", err)
		os.Exit(1)
	}
}

// createTable declares patient_data as OpenEMR does, in SQLite's words:
// the demographics VARCHAR(255) or TEXT, NOT NULL with an empty default; DOB a nullable
// DATE (stored as text YYYY-MM-DD), pid unique and not null.
const createTable = `CREATE TABLE patient_data (
	id INTEGER PRIMARY KEY,
	pid BIGINT NOT NULL DEFAULT 0 UNIQUE,
	pubpid VARCHAR(255) NOT NULL DEFAULT '',
	title VARCHAR(255) NOT NULL DEFAULT '',
	fname VARCHAR(255) NOT NULL DEFAULT '',
	lname VARCHAR(255) NOT NULL DEFAULT '',
	mname VARCHAR(255) NOT NULL DEFAULT '',
	DOB DATE DEFAULT NULL,
	ss VARCHAR(255) NOT NULL DEFAULT '',
	street VARCHAR(255) NOT NULL DEFAULT '',
	postal_code VARCHAR(255) NOT NULL DEFAULT '',
	city VARCHAR(255) NOT NULL DEFAULT '',
	state VARCHAR(255) NOT NULL DEFAULT '',
	phone_home VARCHAR(255) NOT NULL DEFAULT '',
	phone_cell VARCHAR(255) NOT NULL DEFAULT '',
	email VARCHAR(255) NOT NULL DEFAULT '',
	sex VARCHAR(255) NOT NULL DEFAULT '',
	occupation TEXT NOT NULL DEFAULT ''
)`

// columns are the columns written, in the order of patient.values.
var columns = []string{"pid", "pubpid", "title", "fname", "lname", "mname", "DOB", "ss", "street",
	"postal_code", "city", "state", "phone_home", "phone_cell", "email", "sex", "occupation"}

// patient is one row; DOB is nil or a YYYY-MM-DD string.
type patient struct {
	pid                                                int64
	pubpid, title, fname, lname, mname                 string
	dob                                                any
	ss, street, postal, city, state, phone, cell, mail string
	sex, occupation                                    string
}

func (p patient) values() []any {
	return []any{p.pid, p.pubpid, p.title, p.fname, p.lname, p.mname, p.dob, p.ss, p.street,
		p.postal, p.city, p.state, p.phone, p.cell, p.mail, p.sex, p.occupation}
}

// known is the first row, the one the README finds after the migration.
var known = patient{pid: 1, pubpid: "100001", title: "Ms.", fname: "Ana María", lname: "Núñez", mname: "",
	dob: "1948-03-17", ss: "078-05-1120", street: "12 Harbor St", postal: "02110", city: "Boston",
	state: "MA", phone: "(617) 555-0142", cell: "617-555-0199", mail: "ana.nunez@example.org",
	sex: "Female", occupation: "Retired"}

// patients makes n deterministic patients: known first, then synthetic
// ones with gaps in pid, empty middle names and cell phones, and a few
// NULL dates of birth, as real tables have.
func patients(n int) []patient {
	// Names: common ones plus made-up combinations, so that names have
	// about as many distinct values as a real clinic's (phicrypt plan
	// measures them).
	first := combine([]string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
		"William", "Elizabeth", "David", "Barbara", "Maria", "Ahmed", "José", "Mei", "Olga", "Kwame", "Zoë"},
		[]string{"Al", "Bri", "Ca", "Da", "El", "Fe", "Ja", "Ka", "Le", "Ma", "Na", "Ra", "Sa", "Ta", "Vi", "Za"},
		[]string{"na", "ra", "lia", "nny", "mon", "vin", "ron", "sha", "lo", "dan", "rick", "ssa", "nton", "mir", "ine", "el", "ah"})
	last := combine([]string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
		"Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Taylor", "Thomas", "Nguyen", "Kim", "Patel",
		"Müller", "O'Brien", "Nunes"},
		[]string{"Ash", "Black", "Brad", "Carl", "Dun", "Elling", "Fair", "Good", "Hart", "Kings", "Lang", "Mar",
			"North", "Pem", "Rad", "Stan", "Thorn", "Wake", "Whit", "Wins", "Ox", "Bel", "Cran", "Hol"},
		[]string{"ford", "well", "ton", "ley", "wood", "by", "ham", "field", "more", "worth", "dale", "stead", "bridge", "croft"})
	places := [][3]string{{"Springfield", "IL", "627"}, {"Columbus", "OH", "432"}, {"Austin", "TX", "787"},
		{"Portland", "OR", "972"}, {"Madison", "WI", "537"}, {"Raleigh", "NC", "276"}}
	streets := []string{"Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Pine St", "Lakeview Rd"}
	jobs := []string{"Teacher", "Nurse", "Retired", "Driver", "Student", ""}
	rng := rand.New(rand.NewPCG(2026, 10))
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	out := make([]patient, 0, n)
	out = append(out, known)
	for i := 1; i < n; i++ {
		pid := int64(1 + 3*i)
		fn, ln := pick(first), pick(last)
		pl := places[rng.IntN(len(places))]
		area := 201 + rng.IntN(700)
		if area/10%10 == 9 || area%100 == 11 {
			area = 312
		}
		p := patient{pid: pid, pubpid: fmt.Sprint(100000 + pid), fname: fn, lname: ln,
			street: fmt.Sprintf("%d %s", 1+rng.IntN(9899), pick(streets)),
			postal: fmt.Sprintf("%s%02d", pl[2], rng.IntN(100)), city: pl[0], state: pl[1],
			ss:    fmt.Sprintf("%03d-%02d-%04d", 1+rng.IntN(665), 1+rng.IntN(99), 1+rng.IntN(9999)),
			phone: fmt.Sprintf("(%d) %03d-%04d", area, 200+rng.IntN(800), rng.IntN(10000)),
			mail:  strings.ToLower(fmt.Sprintf("%s.%s%d@example.com", ascii(fn), ascii(ln), pid)),
			sex:   []string{"Female", "Male"}[rng.IntN(2)], occupation: pick(jobs)}
		p.title = map[string]string{"Female": "Ms.", "Male": "Mr."}[p.sex]
		if rng.IntN(3) == 0 {
			p.mname = string(rune('A' + rng.IntN(26)))
		}
		if rng.IntN(4) > 0 {
			p.cell = fmt.Sprintf("%d-%03d-%04d", area, 200+rng.IntN(800), rng.IntN(10000))
		}
		if rng.IntN(20) > 0 {
			p.dob = time.Date(1925+rng.IntN(95), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		}
		out = append(out, p)
	}
	return out
}

// combine is common followed by every root+ending; the common names come
// up more often (pick draws from it with repeats).
func combine(common, roots, endings []string) []string {
	var out []string
	for range 8 {
		out = append(out, common...)
	}
	for _, r := range roots {
		for _, e := range endings {
			out = append(out, r+e)
		}
	}
	return out
}

// ascii drops the diacritics of the names used, for e-mail addresses.
func ascii(s string) string {
	return strings.NewReplacer("é", "e", "ë", "e", "ü", "u", "'", "").Replace(s)
}

func run(ctx context.Context, w io.Writer, path string, n int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	// O_EXCL: never overwrite a database, even one created meanwhile.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists; remove it or choose another -out", path)
	}
	if err != nil {
		return err
	}
	f.Close()
	ok := false
	defer func() {
		if !ok {
			os.Remove(path)
			os.Remove(path + "-wal")
			os.Remove(path + "-shm")
		}
	}()
	db, _, err := phicrypt.OpenSQL(ctx, "sqlite:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, createTable); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	q := "INSERT INTO patient_data (" + strings.Join(columns, ", ") + ") VALUES (?" + strings.Repeat(", ?", len(columns)-1) + ")"
	st, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return err
	}
	for _, p := range patients(n) {
		if _, err := st.ExecContext(ctx, p.values()...); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	ok = true
	fmt.Fprintf(w, "wrote %s: table patient_data, %d plaintext patients (pid 1: Ana María Núñez, SSN 078-05-1120)\n", path, n)
	return nil
}
