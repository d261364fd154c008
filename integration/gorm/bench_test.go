package phigorm_test

import (
	"context"
	"fmt"
	"testing"

	phigorm "github.com/phicrypt/phicrypt/integration/gorm"
	"github.com/phicrypt/phicrypt/integration/gorm/internal/gormsuite"
)

// PlainPatient is the same model without phicrypt: the SSN in clear
// under an ordinary index.
type PlainPatient struct {
	ID       int64
	SSN      string `gorm:"index"`
	LastName string
	City     string
}

const benchRows = 100_000

func benchSSN(i int) string {
	return fmt.Sprintf("%03d-%02d-%04d", i/1_000_000, i/10_000%100, i%10_000)
}

// BenchmarkGORMFindEq: GORM First by an indexed SSN on a plain model
// against the same search through phigorm, SQLite, 100,000 rows each:
// GORM's own API with the plugin (phicrypt_native) and Table[T].First
// (phicrypt).
//
//	cd integration/gorm && go test -run '^$' -bench GORMFindEq -benchtime 3s .
func BenchmarkGORMFindEq(b *testing.B) {
	ctx := context.Background()
	gdb := openSQLite(b)
	if err := gdb.AutoMigrate(&PlainPatient{}); err != nil {
		b.Fatal(err)
	}
	db, err := phigorm.Open(ctx, gdb, gormsuite.KEK(b), Patient{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	pats, err := phigorm.For[Patient](db)
	if err != nil {
		b.Fatal(err)
	}
	const chunk = 2_000
	for start := 0; start < benchRows; start += chunk {
		plain := make([]PlainPatient, 0, chunk)
		prot := make([]Patient, 0, chunk)
		for i := start; i < start+chunk; i++ {
			plain = append(plain, PlainPatient{SSN: benchSSN(i), LastName: fmt.Sprintf("Name%d", i), City: "Boston"})
			prot = append(prot, Patient{SSN: benchSSN(i), LastName: fmt.Sprintf("Name%d", i), City: "Boston"})
		}
		if err := gdb.CreateInBatches(plain, 500).Error; err != nil {
			b.Fatal(err)
		}
		if err := pats.CreateInBatches(ctx, prot); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("plain", func(b *testing.B) {
		i := 0
		for b.Loop() {
			var p PlainPatient
			want := benchSSN(i * 7919 % benchRows)
			if err := gdb.Where("ssn = ?", want).First(&p).Error; err != nil || p.SSN != want {
				b.Fatal(p.SSN, err)
			}
			i++
		}
	})
	b.Run("phicrypt_native", func(b *testing.B) {
		i := 0
		for b.Loop() {
			var p Patient
			want := benchSSN(i * 7919 % benchRows)
			if err := gdb.Where(phigorm.Eq("ssn", want)).First(&p).Error; err != nil || p.SSN != want {
				b.Fatal(p.SSN, err)
			}
			i++
		}
	})
	b.Run("phicrypt", func(b *testing.B) {
		i := 0
		for b.Loop() {
			var p Patient
			want := benchSSN(i * 7919 % benchRows)
			if err := pats.First(ctx, &p, phigorm.Eq("ssn", want)); err != nil || p.SSN != want {
				b.Fatal(p.SSN, err)
			}
			i++
		}
	})
}
