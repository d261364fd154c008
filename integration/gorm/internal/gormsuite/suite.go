// Package gormsuite holds the tests of phigorm that run on every
// database: the SQLite tests (glebarez/sqlite) and the server tests
// (PostgreSQL, MariaDB through internal/testdb) link different SQLite
// drivers that both register as "sqlite", so they live in two test
// binaries that share this suite.
package gormsuite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/phicrypt/phicrypt/cipher"
	phigorm "github.com/phicrypt/phicrypt/integration/gorm"
	"github.com/phicrypt/phicrypt/keyprovider/local"
)

// Patient is the model of the suite. The SSN index has 16 buckets so
// that a table of 40 rows has collisions: exact results prove the false
// positives are dropped.
type Patient struct {
	ID       int64       `db:"id,key,bind"`
	MRN      string      `phi:"max_length=16; eq"`
	SSN      string      `phi:"max_length=11; eq(transforms=digits,bits=4)"`
	LastName string      `phi:"max_length=64; eq(bits=6); prefix(max=4); substring(m=1024,max_grams=64,reveals=equality)"`
	DOB      cipher.Date `phi:""`
	City     string
	_        struct{} `phi:"compound(name=name_dob,bits=6,parts=last_name+dob)"`
}

// Visit is a plain table, written by GORM alone.
type Visit struct {
	ID        int64
	PatientID int64
	Reason    string
}

// KEK creates a local key-encryption key in a temporary directory.
func KEK(t testing.TB) *local.KEK {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kek.json")
	if err := local.Create(p); err != nil {
		t.Fatal(err)
	}
	k, err := local.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var names = []string{"Núñez", "Nunes", "Smith", "Smythe", "Garcia", "Nguyen", "Okafor", "Schmidt"}

func patient(i int) Patient {
	return Patient{
		MRN:      fmt.Sprintf("MRN-%04d", i),
		SSN:      fmt.Sprintf("078-05-%04d", 1000+i),
		LastName: names[i%len(names)],
		DOB:      cipher.Date{Year: 1940 + i%3, Month: 3, Day: 17},
		City:     []string{"Boston", "Austin"}[i%2],
	}
}

// Run runs the suite on gdb, a fresh database.
func Run(t *testing.T, gdb *gorm.DB) {
	ctx := context.Background()
	db, err := phigorm.Open(ctx, gdb, KEK(t), Patient{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	pats, err := phigorm.For[Patient](db)
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	for i := range n {
		p := patient(i)
		if err := pats.Create(ctx, &p); err != nil {
			t.Fatal(err)
		}
		if p.ID == 0 {
			t.Fatal("Create left the database-assigned key zero")
		}
	}

	ids := func(ps []Patient) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.MRN)
		}
		return out
	}
	want := func(keep func(i int, p Patient) bool) []string {
		var out []string
		for i := range n {
			if keep(i, patient(i)) {
				out = append(out, patient(i).MRN)
			}
		}
		return out
	}
	t.Run("search", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			conds []phigorm.Cond
			want  []string
		}{
			{"eq", []phigorm.Cond{phigorm.Eq("ssn", "078051007")}, want(func(i int, _ Patient) bool { return i == 7 })},
			{"prefix", []phigorm.Cond{phigorm.Prefix("last_name", "Smy")}, want(func(_ int, p Patient) bool { return p.LastName == "Smythe" })},
			{"contains", []phigorm.Cond{phigorm.Contains("last_name", "mid")}, want(func(_ int, p Patient) bool { return p.LastName == "Schmidt" })},
			{"compound", []phigorm.Cond{phigorm.Eq("last_name", "Nguyen"), phigorm.Eq("dob", cipher.Date{Year: 1941, Month: 3, Day: 17})},
				want(func(_ int, p Patient) bool { return p.LastName == "Nguyen" && p.DOB.Year == 1941 })},
			{"plain and protected", []phigorm.Cond{phigorm.Eq("city", "Austin"), phigorm.Prefix("last_name", "Sm")},
				want(func(_ int, p Patient) bool { return p.City == "Austin" && p.LastName[:2] == "Sm" })},
			{"none", []phigorm.Cond{phigorm.Eq("ssn", "999-99-9999")}, nil},
		} {
			var got []Patient
			if err := pats.Find(ctx, &got, tc.conds...); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !slices.Equal(ids(got), tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, ids(got), tc.want)
			}
		}
		for _, tc := range []struct {
			cond phigorm.Cond
			want int
		}{
			{phigorm.Eq("ssn", "078051007"), 1},
			{phigorm.Prefix("last_name", "Sm"), len(want(func(_ int, p Patient) bool { return p.LastName[:2] == "Sm" }))},
			{phigorm.Eq("city", "Austin"), n / 2},
		} {
			if got, err := pats.Count(ctx, tc.cond); err != nil || got != int64(tc.want) {
				t.Errorf("Count(%v): %d, %v; want %d", tc.cond, got, err, tc.want)
			}
		}
		// Every SSN is found exactly, though 40 rows share 16 buckets.
		for i := range n {
			var p Patient
			if err := pats.First(ctx, &p, phigorm.Eq("ssn", patient(i).SSN)); err != nil {
				t.Fatal(err)
			}
			if p.MRN != patient(i).MRN || p.LastName != patient(i).LastName || p.DOB != patient(i).DOB || p.City != patient(i).City {
				t.Fatalf("First by SSN %d: got %+v", i, p)
			}
		}
		var p Patient
		if err := pats.First(ctx, &p, phigorm.Eq("mrn", "MRN-9999")); !errors.Is(err, gorm.ErrRecordNotFound) {
			t.Fatalf("First with no match: %v, want gorm.ErrRecordNotFound", err)
		}
	})

	t.Run("save updates delete", func(t *testing.T) {
		var p Patient
		if err := pats.First(ctx, &p, phigorm.Eq("mrn", "MRN-0003")); err != nil {
			t.Fatal(err)
		}
		p.LastName, p.SSN = "Okonkwo", "111-22-3333"
		if err := pats.Save(ctx, &p); err != nil {
			t.Fatal(err)
		}
		one := func(what string, conds ...phigorm.Cond) Patient {
			t.Helper()
			var got []Patient
			if err := pats.Find(ctx, &got, conds...); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("%s: %d rows: %v", what, len(got), ids(got))
			}
			return got[0]
		}
		// Every index of the changed columns was rewritten.
		one("eq after Save", phigorm.Eq("last_name", "okonkwo"))
		one("prefix after Save", phigorm.Prefix("last_name", "Okon"))
		one("contains after Save", phigorm.Contains("last_name", "konk"))
		one("compound after Save", phigorm.Eq("last_name", "Okonkwo"), phigorm.Eq("dob", p.DOB))
		one("ssn after Save", phigorm.Eq("ssn", "111223333"))
		var none []Patient
		if err := pats.Find(ctx, &none, phigorm.Eq("ssn", patient(3).SSN)); err != nil || len(none) != 0 {
			t.Fatalf("old SSN after Save: %v %v", ids(none), err)
		}

		// Updates writes only the columns given.
		if err := pats.Updates(ctx, &p, map[string]any{"city": "Denver", "mrn": "MRN-7777"}); err != nil {
			t.Fatal(err)
		}
		got := one("mrn after Updates", phigorm.Eq("mrn", "MRN-7777"))
		if got.City != "Denver" || got.LastName != "Okonkwo" || got.SSN != "111-22-3333" || got.ID != p.ID {
			t.Fatalf("after Updates: %+v", got)
		}

		// Save of a new value inserts it.
		q := Patient{MRN: "MRN-5000", SSN: "222-33-4444", LastName: "Adeyemi", City: "Boston"}
		if err := pats.Save(ctx, &q); err != nil || q.ID == 0 {
			t.Fatalf("Save new: %v, key %d", err, q.ID)
		}
		one("saved new", phigorm.Prefix("last_name", "adey"))
		r := Patient{ID: 100000, MRN: "MRN-5001", SSN: "222-33-5555", LastName: "Mensah", City: "Austin"}
		if err := pats.Save(ctx, &r); err != nil {
			t.Fatalf("Save with a new key: %v", err)
		}
		if got := one("saved with its key", phigorm.Eq("mrn", "MRN-5001")); got.ID != 100000 || got.LastName != "Mensah" {
			t.Fatalf("saved with its key: %+v", got)
		}
		if err := pats.Delete(ctx, &r); err != nil {
			t.Fatal(err)
		}

		if err := pats.Delete(ctx, &got); err != nil {
			t.Fatal(err)
		}
		if err := pats.First(ctx, &got, phigorm.Eq("mrn", "MRN-7777")); !errors.Is(err, gorm.ErrRecordNotFound) {
			t.Fatalf("after Delete: %v", err)
		}
		var all []Patient
		if err := pats.Find(ctx, &all); err != nil || len(all) != n {
			t.Fatalf("Find all: %d rows, %v", len(all), err)
		}
	})

	t.Run("plain tables stay with GORM", func(t *testing.T) {
		if err := gdb.AutoMigrate(&Visit{}); err != nil {
			t.Fatal(err)
		}
		var p Patient
		if err := pats.First(ctx, &p, phigorm.Eq("mrn", "MRN-0005")); err != nil {
			t.Fatal(err)
		}
		if err := gdb.Create(&Visit{PatientID: p.ID, Reason: "checkup"}).Error; err != nil {
			t.Fatal(err)
		}
		var v Visit
		if err := gdb.Where("patient_id = ?", p.ID).First(&v).Error; err != nil || v.Reason != "checkup" {
			t.Fatalf("visit: %+v %v", v, err)
		}
	})

	t.Run("batches and ciphertext at rest", func(t *testing.T) {
		batch := []Patient{
			{MRN: "MRN-8001", SSN: "333-44-5555", LastName: "Ivanova", City: "Boston"},
			{MRN: "MRN-8002", SSN: "333-44-6666", LastName: "Ivanov", City: "Boston"},
		}
		if err := pats.CreateInBatches(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if batch[0].ID == 0 || batch[1].ID == 0 || batch[0].ID == batch[1].ID {
			t.Fatalf("CreateInBatches keys: %d, %d", batch[0].ID, batch[1].ID)
		}
		var got []Patient
		if err := pats.Find(ctx, &got, phigorm.Prefix("last_name", "ivan")); err != nil || !slices.Equal(ids(got), []string{"MRN-8001", "MRN-8002"}) {
			t.Fatalf("Prefix after CreateInBatches: %v %v", ids(got), err)
		}
		// What GORM reads from the table itself holds no PHI.
		var raw []map[string]any
		if err := gdb.Table("patients").Find(&raw).Error; err != nil {
			t.Fatal(err)
		}
		if len(raw) == 0 {
			t.Fatal("no raw rows")
		}
		for _, r := range raw {
			for col, v := range r {
				s := fmt.Sprintf("%s", v)
				if strings.Contains(s, "333-44") || strings.Contains(s, "Ivanov") || strings.Contains(s, "MRN-") {
					t.Fatalf("column %s holds plaintext", col)
				}
			}
		}
	})

	t.Run("transaction with a plain table", func(t *testing.T) {
		if err := gdb.AutoMigrate(&Visit{}); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		for _, commit := range []bool{false, true} {
			mrn := fmt.Sprintf("MRN-9%v", commit)
			err := gdb.Transaction(func(tx *gorm.DB) error {
				ptx, err := pats.WithTx(tx)
				if err != nil {
					return err
				}
				p := Patient{MRN: mrn, SSN: "444-55-6666", LastName: "Tanaka", City: "Austin"}
				if err := ptx.Create(ctx, &p); err != nil {
					return err
				}
				if err := tx.Create(&Visit{PatientID: p.ID, Reason: mrn}).Error; err != nil {
					return err
				}
				var seen Patient // read inside the transaction
				if err := ptx.First(ctx, &seen, phigorm.Eq("mrn", mrn)); err != nil || seen.ID != p.ID {
					return fmt.Errorf("read in tx: %+v %w", seen, err)
				}
				if !commit {
					return boom
				}
				return nil
			})
			if commit && err != nil || !commit && !errors.Is(err, boom) {
				t.Fatalf("transaction (commit %v): %v", commit, err)
			}
			var got []Patient
			if err := pats.Find(ctx, &got, phigorm.Eq("mrn", mrn)); err != nil {
				t.Fatal(err)
			}
			var visits int64
			if err := gdb.Model(&Visit{}).Where("reason = ?", mrn).Count(&visits).Error; err != nil {
				t.Fatal(err)
			}
			want := 0
			if commit {
				want = 1
			}
			if len(got) != want || visits != int64(want) {
				t.Fatalf("after transaction (commit %v): %d patients, %d visits, want %d", commit, len(got), visits, want)
			}
		}
	})

	t.Run("refusals", func(t *testing.T) {
		var nilTable *phigorm.Table[Patient]
		var p Patient
		if err := nilTable.First(ctx, &p); err == nil {
			t.Fatal("First on a nil Table: no error")
		}
		if err := pats.Delete(ctx, &Patient{}); err == nil {
			t.Fatal("Delete without a key: no error")
		}
		if err := pats.Updates(ctx, &Patient{}, map[string]any{"city": "x"}); err == nil {
			t.Fatal("Updates without a key: no error")
		}
		var first Patient
		if err := pats.First(ctx, &first); err != nil {
			t.Fatal(err)
		}
		secret := strings.Repeat("Zyxwvut", 20) // longer than max_length
		for what, err := range map[string]error{
			"Updates":                    pats.Updates(ctx, &first, map[string]any{"last_name": secret}),
			"Create":                     pats.Create(ctx, &Patient{MRN: "MRN-6000", SSN: "1", LastName: secret}),
			"Find":                       pats.Find(ctx, &[]Patient{}, phigorm.Eq("no_such_column", secret)),
			"Prefix on a non-text index": pats.Find(ctx, &[]Patient{}, phigorm.Prefix("ssn", secret)),
		} {
			if err == nil {
				t.Fatalf("%s with a bad value: no error", what)
			}
			if strings.Contains(err.Error(), "Zyxw") {
				t.Fatalf("%s: the error shows the value: %v", what, err)
			}
		}
		if err := pats.Create(ctx, nil); err == nil {
			t.Fatal("Create(nil): no error")
		}
		if _, err := pats.WithTx(gdb); err == nil {
			t.Fatal("WithTx outside a transaction: no error")
		}
		if _, err := phigorm.For[Visit](db); err == nil {
			t.Fatal("For of a model not given to Open: no error")
		}
		if _, err := phigorm.Open(ctx, nil, KEK(t)); err == nil {
			t.Fatal("Open(nil): no error")
		}
	})
}
