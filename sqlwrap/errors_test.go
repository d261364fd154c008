package sqlwrap

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/phicrypt/phicrypt/blindindex"
	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// TestIssue9_8_RefusalsWrapSentinelOnePrefix checks that every refusal on
// a protected or plain column wraps its documented sentinel and that its
// text carries the "phicrypt:" prefix exactly once, nested errors
// included.
func TestIssue9_8_RefusalsWrapSentinelOnePrefix(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, patientSchema(24))
		if _, err := f.pats.InsertBatch(ctx, samplePatients); err != nil {
			t.Fatal(err)
		}
		find := func(p ...Pred) error {
			_, err := f.pats.Find(ctx, Query{Where: p})
			return err
		}
		dob := cipher.Date{Year: 2000, Month: 1, Day: 1}
		insert := func(r Row) error {
			_, err := f.pats.Insert(ctx, r)
			return err
		}
		cases := []struct {
			name string
			err  func() error
			want error
		}{
			{"range on ciphertext", func() error { return find(Lt("dob", dob)) }, ErrUnsupported},
			{"like on ciphertext", func() error { return find(Like("last_name", "S%")) }, ErrUnsupported},
			{"group by", func() error { _, err := f.pats.Find(ctx, Query{GroupBy: []string{"ssn"}}); return err }, ErrUnsupported},
			{"prefix on plain", func() error { return find(Prefix("city", "Bos")) }, ErrUnsupported},
			{"contains on plain", func() error { return find(Contains("city", "ost")) }, ErrUnsupported},
			{"contains on prefix index", func() error { return find(Contains("last_name", "mit")) }, ErrUnsupported},
			{"eq without index", func() error { return find(Eq("first_name", "Ana")) }, ErrUnsupported},
			{"eq null", func() error { return find(Eq("ssn", nil)) }, ErrUnsupported},
			{"plain compared with null", func() error { return find(Eq("city", nil)) }, ErrUnsupported},
			{"unknown column", func() error { return find(Eq("nope", 1)) }, ErrUnknownColumn},
			{"EqVia on plain", func() error { return find(EqVia("city", "x", "Boston")) }, ErrUnknownColumn},
			{"wrong type protected", func() error {
				return insert(Row{"id": int64(50), "ssn": 78051120, "mrn": "M", "last_name": "X", "first_name": "Y", "dob": dob})
			}, ErrWrongType},
			{"wrong type in find", func() error { return find(Eq("ssn", 78051120)) }, ErrWrongType},
			{"not null", func() error {
				return insert(Row{"id": int64(51), "mrn": nil, "last_name": "X", "first_name": "Y", "dob": dob})
			}, ErrNotNull},
			{"unknown column on insert", func() error {
				return insert(Row{"id": int64(53), "bogus": 1, "mrn": "M", "last_name": "X", "first_name": "Y", "dob": dob})
			}, ErrUnknownColumn},
			{"short needle", func() error { return find(Prefix("last_name", "S")) }, blindindex.ErrNeedleTooShort},
			{"too long", func() error {
				return insert(Row{"id": int64(52), "ssn": "078-05-11200000000", "mrn": "M", "last_name": "X", "first_name": "Y", "dob": dob})
			}, cipher.ErrValueTooLong},
			{"not found", func() error { _, err := f.pats.Get(ctx, int64(999)); return err }, ErrNotFound},
			{"unknown table", func() error { _, err := f.db.Table("nope"); return err }, ErrUnknownTable},
			{"zero handle", func() error { _, err := (&TableAccess{}).Find(ctx, Query{}); return err }, ErrUnbound},
		}
		for _, c := range cases {
			err := c.err()
			if !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
				continue
			}
			if n := strings.Count(err.Error(), "phicrypt:"); n != 1 {
				t.Errorf("%s: %q has %d \"phicrypt:\" prefixes, want 1", c.name, err, n)
			}
		}

		// An index still building.
		db := f.reopen(t, grownSchema())
		if err := db.EnsureSchema(ctx); err != nil {
			t.Fatal(err)
		}
		grown, _ := db.Table("patients")
		_, err := grown.Find(ctx, Query{Where: []Pred{Eq("first_name", "Ana")}})
		if !errors.Is(err, ErrIndexNotReady) || strings.Count(err.Error(), "phicrypt:") != 1 {
			t.Errorf("building index: %v, want ErrIndexNotReady with one prefix", err)
		}

		// A ciphertext moved to another row: the read error wraps the
		// cipher's open error, and the prefix appears once.
		if _, err := f.sql.ExecContext(ctx, "UPDATE patients SET ssn = (SELECT ssn FROM (SELECT ssn FROM patients WHERE id = 1) AS x) WHERE id = 2"); err != nil {
			t.Fatal(err)
		}
		_, err = f.pats.Get(ctx, int64(2))
		var ce *cipher.Error
		if !errors.Is(err, cipher.ErrMisplaced) || !errors.As(err, &ce) {
			t.Fatalf("moved ciphertext: %v, want a cipher.Error wrapping ErrMisplaced", err)
		}
		if n := strings.Count(err.Error(), "phicrypt:"); n != 1 {
			t.Errorf("moved ciphertext: %q has %d \"phicrypt:\" prefixes, want 1", err, n)
		}
		if !strings.Contains(err.Error(), "patients.ssn") {
			t.Errorf("moved ciphertext: %q does not name the column", err)
		}
	})
}
