package phigorm

import (
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/phicrypt/phicrypt/cipher"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// gmodel is a phicrypt table as GORM parses its model.
type gmodel struct {
	table   string
	key     string         // key column
	schema  *schema.Schema // GORM's parse
	columns map[string]bool
	// protected are the protected columns.
	protected map[string]bool
	// intKey: the key is an integer.
	intKey bool
	// softDelete is the deleted_at column of a gorm.DeletedAt field, or "".
	softDelete string
	// index is the key field's index in the struct (For[T]).
	index []int
}

var (
	typeTime      = reflect.TypeFor[time.Time]()
	typeDate      = reflect.TypeFor[cipher.Date]()
	typeDeletedAt = reflect.TypeFor[gorm.DeletedAt]()
	typeBytes     = reflect.TypeFor[[]byte]()
	typeInt64     = reflect.TypeFor[int64]()
	nullTypes     = map[reflect.Type]bool{
		reflect.TypeFor[sql.NullString]():  true,
		reflect.TypeFor[sql.NullInt64]():   true,
		reflect.TypeFor[sql.NullInt32]():   true,
		reflect.TypeFor[sql.NullInt16]():   true,
		reflect.TypeFor[sql.NullByte]():    true,
		reflect.TypeFor[sql.NullFloat64](): true,
		reflect.TypeFor[sql.NullBool]():    true,
		reflect.TypeFor[sql.NullTime]():    true,
	}
)

// parseModel builds the phicrypt table of a GORM model from GORM's own
// parse: the columns are the fields GORM maps (named as GORM names them,
// gorm:"column:…" included; gorm:"-" fields and relationships left
// out), each field's phi tag makes it protected, and blank fields
// (_ struct{} `phi:"compound(…)"`) declare compound indexes. The key is
// GORM's primary key; the ciphertexts are bound to it unless a field
// names another binding with db:",bind".
func parseModel(gdb *gorm.DB, m any) (*sqlwrap.Table, *gmodel, error) {
	stmt := &gorm.Statement{DB: gdb}
	if err := stmt.Parse(m); err != nil {
		return nil, nil, fmt.Errorf("phicrypt: GORM model %T: %w", m, err)
	}
	s := stmt.Schema
	prim := s.PrioritizedPrimaryField
	if prim == nil || len(s.PrimaryFields) != 1 {
		return nil, nil, fmt.Errorf("phicrypt: GORM model %s (table %s) needs exactly one primary key field: %w", s.Name, s.Table, sqlwrap.ErrSchema)
	}
	// phicrypt owns the table: GORM's AutoMigrate, which also migrates
	// the models a migrated model refers to, must not turn a column of
	// ciphertexts into the field's plain type.
	for _, f := range s.Fields {
		f.IgnoreMigration = true
	}
	gm := &gmodel{table: s.Table, key: prim.DBName, schema: s, columns: map[string]bool{}, protected: map[string]bool{}}
	explicitBind := false
	for _, f := range s.Fields {
		if _, protected := f.StructField.Tag.Lookup("phi"); protected && f.DBName == "" {
			// A relationship would be written by GORM in clear.
			return nil, nil, fmt.Errorf("phicrypt: GORM model %s (table %s): field %s has a phi tag but GORM maps it to no column (gorm:\"-\" or a relationship): %w", s.Name, s.Table, f.Name, sqlwrap.ErrSchema)
		}
		if f.DBName != "" && hasBind(f.StructField.Tag) {
			explicitBind = true
		}
	}
	var fields []reflect.StructField
	for i, f := range s.Fields {
		if f.DBName == "" || gm.columns[f.DBName] {
			continue
		}
		phi, protected := f.StructField.Tag.Lookup("phi")
		t, ok := columnType(f.FieldType, protected)
		if !ok {
			return nil, nil, fmt.Errorf("phicrypt: GORM model %s (table %s): field %s of type %v has no phicrypt column type: %w", s.Name, s.Table, f.Name, f.FieldType, sqlwrap.ErrSchema)
		}
		if f.FieldType == typeDeletedAt {
			gm.softDelete = f.DBName
		}
		dbTag := f.DBName
		if f == prim {
			dbTag += ",key"
			if !explicitBind && !protected {
				dbTag += ",bind"
			}
		}
		if f != prim && hasBind(f.StructField.Tag) {
			dbTag += ",bind"
		}
		tag := fmt.Sprintf("db:%q", dbTag)
		if protected {
			tag += fmt.Sprintf(" phi:%q", phi)
		}
		gm.columns[f.DBName] = true
		gm.protected[f.DBName] = protected
		if f == prim {
			gm.intKey = t == typeInt64
		}
		fields = append(fields, reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: t, Tag: reflect.StructTag(tag)})
	}
	for _, c := range compoundTags(s.ModelType) {
		fields = append(fields, reflect.StructField{Name: "_", PkgPath: "github.com/phicrypt/phicrypt/integration/gorm", Type: reflect.TypeFor[struct{}](), Tag: reflect.StructTag(fmt.Sprintf("phi:%q", c))})
	}
	tb, err := sqlwrap.SchemaFromStruct(s.Table, reflect.New(reflect.StructOf(fields)).Interface())
	if err != nil {
		return nil, nil, err
	}
	gm.index = prim.StructField.Index
	return tb, gm, nil
}

func hasBind(tag reflect.StructTag) bool {
	_, opts, _ := strings.Cut(tag.Get("db"), ",")
	for _, o := range strings.Split(opts, ",") {
		if strings.TrimSpace(o) == "bind" {
			return true
		}
	}
	return false
}

// compoundTags returns the phi tags of the blank fields of rt and of the
// structs it embeds.
func compoundTags(rt reflect.Type) []string {
	var out []string
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		if tag, ok := f.Tag.Lookup("phi"); ok && f.Name == "_" {
			out = append(out, tag)
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, compoundTags(f.Type)...)
		}
	}
	return out
}

// columnType maps the Go type of a GORM field to the type phicrypt's
// schema reads: uint keys and integers to int64, gorm.DeletedAt to a
// nullable time, named types to their underlying kind.
func columnType(t reflect.Type, protected bool) (reflect.Type, bool) {
	ptr := false
	if t.Kind() == reflect.Pointer {
		t, ptr = t.Elem(), true
	}
	var out reflect.Type
	switch {
	case t == typeDeletedAt:
		out, ptr = typeTime, true
	case t == typeTime || t == typeDate:
		out = t
	case nullTypes[t] && !ptr:
		return t, true
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		out = typeBytes
	case t.Kind() == reflect.String:
		out = reflect.TypeFor[string]()
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		out = typeInt64
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		out = reflect.TypeFor[float64]()
	case t.Kind() == reflect.Bool:
		out = reflect.TypeFor[bool]()
	default:
		return nil, false
	}
	if ptr {
		out = reflect.PointerTo(out)
	}
	return out, true
}
