package sqlwrap

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/internal/testdb"
)

// visitSchema has a plain column of every documented type, a plain UUID
// column the rows are bound to, and protected columns of every type.
func visitSchema() *Schema {
	return &Schema{Source: "typedtypes_test.go", Tables: []*Table{{
		Name: "visits", Key: "id", RowBinding: "uid",
		Plain: []*PlainColumn{
			{Name: "uid", Type: "text"},
			{Name: "active", Type: "boolean"},
			{Name: "seen_on", Type: "date"},
			{Name: "seen_at", Type: "timestamp", Nullable: true},
			{Name: "ward", Type: "text", Nullable: true},
			{Name: "bed", Type: "integer", Nullable: true},
			{Name: "weight", Type: "real", Nullable: true},
			{Name: "consent", Type: "boolean", Nullable: true},
			{Name: "left_on", Type: "date", Nullable: true},
		},
		Columns: []*Column{
			{Name: "smoker", Type: TypeBool},
			{Name: "dob", Type: TypeDate},
			{Name: "admitted", Type: TypeTimestamp, Nullable: true},
			{Name: "diagnosis", Type: TypeString, Nullable: true},
			{Name: "visits", Type: TypeInt64, Nullable: true},
			{Name: "bmi", Type: TypeFloat64, Nullable: true},
			{Name: "pregnant", Type: TypeBool, Nullable: true},
			{Name: "died_on", Type: TypeDate, Nullable: true},
		},
	}}}
}

type visit struct {
	ID       int64           `db:"id"`
	UID      string          `db:"uid"`
	Active   bool            `db:"active"`
	SeenOn   cipher.Date     `db:"seen_on"`
	SeenAt   sql.NullTime    `db:"seen_at"`
	Ward     sql.NullString  `db:"ward"`
	Bed      sql.NullInt64   `db:"bed"`
	Weight   sql.NullFloat64 `db:"weight"`
	Consent  *bool           `db:"consent"`
	LeftOn   *time.Time      `db:"left_on"`
	Smoker   bool            `db:"smoker"`
	DOB      time.Time       `db:"dob"`
	Admitted *time.Time      `db:"admitted"`
	Diag     sql.NullString  `db:"diagnosis"`
	Visits   sql.NullInt32   `db:"visits"`
	BMI      sql.NullFloat64 `db:"bmi"`
	Pregnant sql.NullBool    `db:"pregnant"`
	DiedOn   *cipher.Date    `db:"died_on"`
}

// TestIssue9_7_TypedEveryMappedType writes and reads back every Go type the
// column mapping documents, set and NULL, through For[T].
func TestIssue9_7_TypedEveryMappedType(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, visitSchema())
		vs, err := For[visit](f.db, "visits")
		if err != nil {
			t.Fatal(err)
		}
		yes := true
		left := time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC)
		adm := time.Date(2024, 4, 30, 13, 45, 10, 123456000, time.UTC)
		died := cipher.Date{Year: 2024, Month: 6, Day: 1}
		full := visit{ID: 1, UID: "4b6f0f7e-9a55-4c1e-9b8e-2f1d7c3a9e01", Active: true,
			SeenOn: cipher.Date{Year: 2024, Month: 4, Day: 30}, SeenAt: sql.NullTime{Time: adm, Valid: true},
			Ward: sql.NullString{String: "B2", Valid: true}, Bed: sql.NullInt64{Int64: 12, Valid: true},
			Weight: sql.NullFloat64{Float64: 71.5, Valid: true}, Consent: &yes, LeftOn: &left,
			Smoker: true, DOB: time.Date(1948, 3, 17, 0, 0, 0, 0, time.UTC), Admitted: &adm,
			Diag: sql.NullString{String: "J45", Valid: true}, Visits: sql.NullInt32{Int32: 3, Valid: true},
			BMI: sql.NullFloat64{Float64: 23.25, Valid: true}, Pregnant: sql.NullBool{Bool: false, Valid: true}, DiedOn: &died}
		empty := visit{ID: 2, UID: "0e3c1c5a-1f7b-4d6e-8a0b-6c2b9d4e7f10", SeenOn: cipher.Date{Year: 2023, Month: 1, Day: 9},
			DOB: time.Date(2001, 1, 9, 0, 0, 0, 0, time.UTC)}
		for _, in := range []visit{full, empty} {
			if _, err := vs.Insert(ctx, &in); err != nil {
				t.Fatalf("Insert %d: %v", in.ID, err)
			}
			got, err := vs.Get(ctx, in.ID)
			if err != nil {
				t.Fatalf("Get %d: %v", in.ID, err)
			}
			if !reflect.DeepEqual(got, in) {
				t.Errorf("Get %d:\n got %+v\nwant %+v", in.ID, got, in)
			}
		}
		found, err := vs.Find(ctx, Query{Where: []Pred{Eq("active", true)}})
		if err != nil || len(found) != 1 || found[0].ID != 1 {
			t.Fatalf("Find active: %+v, %v", found, err)
		}

		// Update with the row-binding value unchanged works; a changed one
		// is refused and leaves the row as it was.
		got, _ := vs.Get(ctx, int64(1))
		got.Ward = sql.NullString{}
		got.Smoker = false
		if err := vs.Update(ctx, int64(1), &got); err != nil {
			t.Fatalf("Update with the binding unchanged: %v", err)
		}
		again, err := vs.Get(ctx, int64(1))
		if err != nil || again.Ward.Valid || again.Smoker {
			t.Fatalf("after Update: %+v, %v", again, err)
		}
		moved := again
		moved.UID = "ffffffff-9a55-4c1e-9b8e-2f1d7c3a9e01"
		moved.Smoker = true
		if err := vs.Update(ctx, int64(1), &moved); !errors.Is(err, ErrUnsupported) {
			t.Fatalf("Update changing the binding: %v, want ErrUnsupported", err)
		}
		if after, err := vs.Get(ctx, int64(1)); err != nil || !reflect.DeepEqual(after, again) {
			t.Fatalf("refused Update changed the row: %+v, %v", after, err)
		}
		if err := vs.Update(ctx, int64(99), &again); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Update of a missing row: %v, want ErrNotFound", err)
		}
	})
}

// taggedVisit declares its table with tags, sql.Null* types included.
type taggedVisit struct {
	ID      int64           `db:"id,key"`
	UID     string          `db:"uid,bind"`
	Ward    sql.NullString  `db:"ward"`
	Bed     sql.NullInt32   `db:"bed"`
	Weight  sql.NullFloat64 `db:"weight"`
	Consent sql.NullBool    `db:"consent"`
	SeenAt  sql.NullTime    `db:"seen_at"`
	Diag    sql.NullString  `db:"diagnosis" phi:"eq(bits=16)"`
	Visits  sql.NullInt64   `db:"visits" phi:""`
	BMI     sql.NullFloat64 `db:"bmi" phi:""`
	Smoker  sql.NullBool    `db:"smoker" phi:""`
	Admit   sql.NullTime    `db:"admitted" phi:""`
}

// TestIssue9_7_TaggedNullTypes declares a table from a struct with
// sql.Null* fields (nullable columns) and round-trips it through For[T].
func TestIssue9_7_TaggedNullTypes(t *testing.T) {
	tbl, err := SchemaFromStruct("tagged_visits", taggedVisit{})
	if err != nil {
		t.Fatal(err)
	}
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, &Schema{Source: "typedtypes_test.go", Tables: []*Table{tbl}})
		vs, err := For[taggedVisit](f.db, "tagged_visits")
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2024, 4, 30, 13, 45, 10, 123456000, time.UTC)
		full := taggedVisit{ID: 1, UID: "a", Ward: sql.NullString{String: "B2", Valid: true}, Bed: sql.NullInt32{Int32: 12, Valid: true},
			Weight: sql.NullFloat64{Float64: 71.5, Valid: true}, Consent: sql.NullBool{Bool: true, Valid: true}, SeenAt: sql.NullTime{Time: at, Valid: true},
			Diag: sql.NullString{String: "J45", Valid: true}, Visits: sql.NullInt64{Int64: 3, Valid: true}, BMI: sql.NullFloat64{Float64: 23.25, Valid: true},
			Smoker: sql.NullBool{Bool: false, Valid: true}, Admit: sql.NullTime{Time: at, Valid: true}}
		empty := taggedVisit{ID: 2, UID: "b"}
		for _, in := range []taggedVisit{full, empty} {
			if _, err := vs.Insert(ctx, &in); err != nil {
				t.Fatalf("Insert %d: %v", in.ID, err)
			}
			got, err := vs.Get(ctx, in.ID)
			if err != nil || !reflect.DeepEqual(got, in) {
				t.Errorf("Get %d:\n got %+v, %v\nwant %+v", in.ID, got, err, in)
			}
		}
		found, err := vs.Find(ctx, Query{Where: []Pred{Eq("diagnosis", sql.NullString{String: "J45", Valid: true}.String)}})
		if err != nil || len(found) != 1 || found[0].ID != 1 {
			t.Fatalf("Find by diagnosis: %+v, %v", found, err)
		}
	})
}

// TestIssue9_7_ReadRefusesOverflow checks that a value that does not fit
// its field is ErrWrongType, not silently truncated.
func TestIssue9_7_ReadRefusesOverflow(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d testdb.Dialect) {
		ctx := context.Background()
		f := newFixture(t, d, visitSchema())
		vs, _ := For[visit](f.db, "visits")
		in := visit{ID: 1, UID: "u", SeenOn: cipher.Date{Year: 2024, Month: 1, Day: 2}, DOB: time.Date(2000, 1, 2, 0, 0, 0, 0, time.UTC),
			Bed: sql.NullInt64{Int64: 300, Valid: true}, Visits: sql.NullInt32{Int32: 7, Valid: true}}
		if _, err := vs.Insert(ctx, &in); err != nil {
			t.Fatal(err)
		}
		type small struct {
			ID  int64 `db:"id"`
			Bed *int8 `db:"bed"`
		}
		ss, err := For[small](f.db, "visits")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := ss.Get(ctx, int64(1)); !errors.Is(err, ErrWrongType) {
			t.Fatalf("int8 field for 300: %+v, %v, want ErrWrongType", got, err)
		}
	})
}
