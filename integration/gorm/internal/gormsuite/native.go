package gormsuite

import (
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/phicrypt/phicrypt/cipher"
	phigorm "github.com/phicrypt/phicrypt/integration/gorm"
	"github.com/phicrypt/phicrypt/sqlwrap"
)

// Person is a model in GORM's own style: gorm.Model embedded (uint key,
// timestamps, soft delete), a protected column renamed by
// gorm:"column:…", a cipher.Date, a protected bool and a nullable
// protected *string, a field GORM ignores and a compound index. The SSN
// index has 16 buckets and the table 40 rows: exact answers prove the
// false positives of the tokens are dropped.
type Person struct {
	gorm.Model
	SSN      string      `phi:"max_length=11; eq(transforms=digits,bits=4)"`
	Surname  string      `gorm:"column:last_name" phi:"max_length=64; eq(bits=6); prefix(max=4); substring(m=1024,max_grams=64,reveals=equality)"`
	DOB      cipher.Date `phi:""`
	Smoker   bool        `phi:"eq(force)"`
	Nickname *string     `phi:"max_length=32; eq"`
	City     string
	Scratch  string   `gorm:"-"`
	Notes    []Note   `gorm:"foreignKey:Person;constraint:-"` // MariaDB: a uint key is not the signed BIGINT of people.id
	_        struct{} `phi:"compound(name=name_dob,bits=6,parts=last_name+dob)"`
}

// BeforeCreate is a GORM hook: it still runs before phicrypt seals the row.
func (p *Person) BeforeCreate(*gorm.DB) error {
	if p.City == "" {
		p.City = "Unknown"
	}
	return nil
}

// AfterFind is a GORM hook on the rows phicrypt opened.
func (p *Person) AfterFind(*gorm.DB) error {
	p.Scratch = "found " + p.City
	return nil
}

// Note is a plain table beside the phicrypt one.
type Note struct {
	ID     uint
	Person int64 // the key of people is a signed BIGINT
	Text   string
}

func person(i int) Person {
	p := Person{
		SSN:     fmt.Sprintf("078-05-%04d", 1000+i),
		Surname: names[i%len(names)],
		DOB:     cipher.Date{Year: 1940 + i%3, Month: 3, Day: 17},
		Smoker:  i%4 == 0,
		City:    []string{"Boston", "Austin"}[i%2],
	}
	if i%5 == 0 {
		nick := fmt.Sprintf("Nick%d", i)
		p.Nickname = &nick
	}
	return p
}

// RunNative runs the suite of the plugin on gdb, a fresh database: GORM's
// own API on a phicrypt model.
func RunNative(t *testing.T, gdb *gorm.DB) {
	plugin := phigorm.New(KEK(t), &Person{})
	if err := gdb.Use(plugin); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { plugin.Close() })
	types := func() map[string]string {
		cts, err := gdb.Migrator().ColumnTypes(&Person{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, ct := range cts {
			n, _ := ct.Nullable()
			out[ct.Name()] = fmt.Sprint(ct.DatabaseTypeName(), n)
		}
		return out
	}
	before := types()
	// AutoMigrate of a related plain model migrates Person too; it must
	// leave phicrypt's columns as they are.
	if err := gdb.AutoMigrate(&Note{}, &Person{}); err != nil {
		t.Fatal(err)
	}
	if after := types(); !maps.Equal(before, after) || len(after) < 10 {
		t.Fatalf("AutoMigrate changed the columns of people:\n%v\n%v", before, after)
	}
	const n = 40
	first := person(0)
	if err := gdb.Create(&first).Error; err != nil {
		t.Fatal(err)
	}
	if first.ID == 0 || first.CreatedAt.IsZero() || first.UpdatedAt.IsZero() {
		t.Fatalf("Create: key %d, created %v, updated %v", first.ID, first.CreatedAt, first.UpdatedAt)
	}
	var batch []Person
	for i := 1; i < n; i++ {
		batch = append(batch, person(i))
	}
	if res := gdb.CreateInBatches(&batch, 16); res.Error != nil || res.RowsAffected != n-1 {
		t.Fatalf("CreateInBatches: %d rows, %v", res.RowsAffected, res.Error)
	}
	for i, p := range batch {
		if p.ID == 0 || i > 0 && p.ID == batch[i-1].ID {
			t.Fatalf("CreateInBatches left key %d of row %d", p.ID, i)
		}
	}
	ssns := func(ps []Person) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.SSN)
		}
		slices.Sort(out)
		return out
	}
	want := func(keep func(i int, p Person) bool) []string {
		var out []string
		for i := range n {
			if keep(i, person(i)) {
				out = append(out, person(i).SSN)
			}
		}
		slices.Sort(out)
		return out
	}

	t.Run("search", func(t *testing.T) {
		// Every SSN is found exactly, though 40 rows share 16 buckets.
		for i := range n {
			var p Person
			if err := gdb.Where(phigorm.Eq("ssn", strings.ReplaceAll(person(i).SSN, "-", ""))).First(&p).Error; err != nil {
				t.Fatal(err)
			}
			w := person(i)
			if p.SSN != w.SSN || p.Surname != w.Surname || p.DOB != w.DOB || p.Smoker != w.Smoker || p.City != w.City ||
				(p.Nickname == nil) != (w.Nickname == nil) || p.Nickname != nil && *p.Nickname != *w.Nickname || p.CreatedAt.IsZero() {
				t.Fatalf("First by SSN %d: got %+v", i, p)
			}
			var c int64
			if err := gdb.Model(&Person{}).Where(phigorm.Eq("ssn", w.SSN)).Count(&c).Error; err != nil || c != 1 {
				t.Fatalf("Count by SSN %d: %d %v", i, c, err)
			}
		}
		// Pigeonhole, explicitly: rows that share an SSN token are each
		// other's false positives, and each is found alone.
		rows, err := gdb.Raw("SELECT id, ssn_eq FROM people").Rows()
		if err != nil {
			t.Fatal(err)
		}
		byToken := map[int64][]uint{}
		for rows.Next() {
			var id uint
			var tok int64
			if err := rows.Scan(&id, &tok); err != nil {
				t.Fatal(err)
			}
			byToken[tok] = append(byToken[tok], id)
		}
		rows.Close()
		if len(byToken) >= n {
			t.Fatalf("%d tokens for %d rows: no collisions to test", len(byToken), n)
		}
		shared := 0
		for _, ids := range byToken {
			if len(ids) < 2 {
				continue
			}
			for _, id := range ids {
				var p Person
				if err := gdb.First(&p, id).Error; err != nil {
					t.Fatal(err)
				}
				var got []Person
				if err := gdb.Where(phigorm.Eq("ssn", p.SSN)).Find(&got).Error; err != nil || len(got) != 1 || got[0].ID != id {
					t.Fatalf("Eq on an SSN whose token %d other rows share: %d rows, %v", len(ids)-1, len(got), err)
				}
				shared++
			}
		}
		if shared == 0 {
			t.Fatal("no shared token")
		}
		nick := "Nick10"
		for _, tc := range []struct {
			name string
			q    *gorm.DB
			want []string
		}{
			{"prefix", gdb.Where(phigorm.Prefix("last_name", "smy")), want(func(_ int, p Person) bool { return p.Surname == "Smythe" })},
			{"prefix by field name", gdb.Where(phigorm.Prefix("Surname", "Sm")), want(func(_ int, p Person) bool { return strings.HasPrefix(p.Surname, "Sm") })},
			{"contains", gdb.Where(phigorm.Contains("last_name", "mid")), want(func(_ int, p Person) bool { return p.Surname == "Schmidt" })},
			{"compound", gdb.Where(phigorm.Eq("last_name", "Nguyen"), phigorm.Eq("dob", cipher.Date{Year: 1941, Month: 3, Day: 17})),
				want(func(_ int, p Person) bool { return p.Surname == "Nguyen" && p.DOB.Year == 1941 })},
			{"plain and protected", gdb.Where(phigorm.Eq("city", "Austin")).Where(phigorm.Prefix("last_name", "Sm")),
				want(func(_ int, p Person) bool { return p.City == "Austin" && strings.HasPrefix(p.Surname, "Sm") })},
			{"struct condition", gdb.Where(&Person{City: "Austin", Surname: "Nunes"}), want(func(_ int, p Person) bool { return p.City == "Austin" && p.Surname == "Nunes" })},
			{"map condition", gdb.Where(map[string]any{"last_name": "Okafor"}), want(func(_ int, p Person) bool { return p.Surname == "Okafor" })},
			{"bool", gdb.Where(phigorm.Eq("smoker", true)), want(func(_ int, p Person) bool { return p.Smoker })},
			{"nullable", gdb.Where(phigorm.Eq("nickname", nick)), want(func(i int, _ Person) bool { return i == 10 })},
			{"pointer value", gdb.Where(phigorm.Eq("nickname", &nick)), want(func(i int, _ Person) bool { return i == 10 })},
			{"eq nil", gdb.Where(phigorm.Eq("nickname", nil)).Where(phigorm.Eq("city", "Boston")), want(func(_ int, p Person) bool { return p.Nickname == nil && p.City == "Boston" })},
			{"time as date", gdb.Where(phigorm.Eq("last_name", "Nguyen"), phigorm.Eq("dob", time.Date(1941, 3, 17, 0, 0, 0, 0, time.UTC))),
				want(func(_ int, p Person) bool { return p.Surname == "Nguyen" && p.DOB.Year == 1941 })},
			{"is null", gdb.Where(phigorm.IsNull("nickname")).Where(phigorm.Eq("city", "Boston")), want(func(_ int, p Person) bool { return p.Nickname == nil && p.City == "Boston" })},
			{"in", gdb.Where(phigorm.In("ssn", person(3).SSN, person(4).SSN, "999-99-9999")), want(func(i int, _ Person) bool { return i == 3 || i == 4 })},
			{"find conds", gdb.Session(&gorm.Session{}).Where(phigorm.Prefix("last_name", "Gar")), want(func(_ int, p Person) bool { return p.Surname == "Garcia" })},
			{"none", gdb.Where(phigorm.Eq("ssn", "999-99-9999")), nil},
		} {
			var got []Person
			if err := tc.q.Find(&got).Error; err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !slices.Equal(ssns(got), tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, ssns(got), tc.want)
			}
			var ptrs []*Person
			if err := tc.q.Find(&ptrs).Error; err != nil || len(ptrs) != len(tc.want) {
				t.Errorf("%s into pointers: %d, %v", tc.name, len(ptrs), err)
			}
			var c int64
			if err := tc.q.Model(&Person{}).Count(&c).Error; err != nil || c != int64(len(tc.want)) {
				t.Errorf("%s: Count %d, %v; want %d", tc.name, c, err, len(tc.want))
			}
		}
		var p Person
		if err := gdb.First(&p, batch[4].ID).Error; err != nil || p.SSN != batch[4].SSN {
			t.Fatalf("First(&p, id): %+v %v", p, err)
		}
		var byKey Person
		byKey.ID = batch[6].ID
		if err := gdb.First(&byKey).Error; err != nil || byKey.SSN != batch[6].SSN {
			t.Fatalf("First(&p) with its key set: %+v %v", byKey, err)
		}
		var last, take Person
		if err := gdb.Last(&last).Error; err != nil || last.ID != batch[len(batch)-1].ID {
			t.Fatalf("Last: %d %v", last.ID, err)
		}
		if err := gdb.Where(phigorm.Eq("ssn", batch[2].SSN)).Take(&take).Error; err != nil || take.ID != batch[2].ID {
			t.Fatalf("Take: %d %v", take.ID, err)
		}
		var page []Person
		if err := gdb.Where(phigorm.Eq("city", "Boston")).Order("id desc").Offset(2).Limit(3).Find(&page).Error; err != nil || len(page) != 3 {
			t.Fatalf("page: %d %v", len(page), err)
		}
		if page[0].ID <= page[1].ID || page[1].ID <= page[2].ID {
			t.Fatalf("page not in descending key order: %d %d %d", page[0].ID, page[1].ID, page[2].ID)
		}
		if p.Scratch != "found "+p.City {
			t.Fatalf("AfterFind did not run: %q", p.Scratch)
		}
		var byText, bySQL Person
		if err := gdb.First(&byText, fmt.Sprint(batch[5].ID)).Error; err != nil || byText.SSN != batch[5].SSN {
			t.Fatalf("First(&p, \"id\"): %+v %v", byText, err)
		}
		if err := gdb.Where("id = ?", batch[5].ID).First(&bySQL).Error; err != nil || bySQL.SSN != batch[5].SSN {
			t.Fatalf("Where(\"id = ?\"): %+v %v", bySQL, err)
		}
		var inKeys []Person
		if err := gdb.Find(&inKeys, []uint{batch[1].ID, batch[2].ID}).Error; err != nil || len(inKeys) != 2 {
			t.Fatalf("Find by keys: %d %v", len(inKeys), err)
		}
		var batches, seen int
		var inBatches []Person
		if err := gdb.Where(phigorm.Eq("city", "Austin")).FindInBatches(&inBatches, 7, func(tx *gorm.DB, _ int) error {
			batches++
			seen += len(inBatches)
			return nil
		}).Error; err != nil || seen != n/2 || batches != (n/2+6)/7 {
			t.Fatalf("FindInBatches: %d rows in %d batches, %v", seen, batches, err)
		}
		bostonian := func(tx *gorm.DB) *gorm.DB { return tx.Where(phigorm.Eq("city", "Boston")) }
		var scoped []Person
		if err := gdb.Scopes(bostonian).Where(phigorm.Prefix("last_name", "Sm")).Find(&scoped).Error; err != nil ||
			!slices.Equal(ssns(scoped), want(func(_ int, p Person) bool { return p.City == "Boston" && strings.HasPrefix(p.Surname, "Sm") })) {
			t.Fatalf("Scopes: %v %v", ssns(scoped), err)
		}
		var none Person
		if err := gdb.Where(phigorm.Eq("ssn", "999-99-9999")).First(&none).Error; !errors.Is(err, gorm.ErrRecordNotFound) {
			t.Fatalf("First without a match: %v, want gorm.ErrRecordNotFound", err)
		}
	})

	one := func(t *testing.T, what string, q *gorm.DB) Person {
		t.Helper()
		var got []Person
		if err := q.Find(&got).Error; err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(got) != 1 {
			t.Fatalf("%s: %d rows: %v", what, len(got), ssns(got))
		}
		return got[0]
	}
	noneOf := func(t *testing.T, what string, q *gorm.DB) {
		t.Helper()
		var got []Person
		if err := q.Find(&got).Error; err != nil || len(got) != 0 {
			t.Fatalf("%s: %v %v", what, ssns(got), err)
		}
	}

	t.Run("updates save delete", func(t *testing.T) {
		var p Person
		if err := gdb.Where(phigorm.Eq("ssn", person(3).SSN)).First(&p).Error; err != nil {
			t.Fatal(err)
		}
		before := p.UpdatedAt
		time.Sleep(2 * time.Millisecond)
		// A partial update from a map: only the given columns change, and
		// every index of a changed column is rewritten.
		if err := gdb.Model(&p).Updates(map[string]any{"last_name": "Okonkwo", "city": "Denver"}).Error; err != nil {
			t.Fatal(err)
		}
		got := one(t, "eq after Updates", gdb.Where(phigorm.Eq("last_name", "okonkwo")))
		if got.ID != p.ID || got.SSN != person(3).SSN || got.City != "Denver" || got.DOB != person(3).DOB || !got.UpdatedAt.After(before) {
			t.Fatalf("after Updates: %+v", got)
		}
		one(t, "prefix after Updates", gdb.Where(phigorm.Prefix("last_name", "Okon")))
		one(t, "contains after Updates", gdb.Where(phigorm.Contains("last_name", "konk")))
		one(t, "compound after Updates", gdb.Where(phigorm.Eq("last_name", "Okonkwo"), phigorm.Eq("dob", p.DOB)))
		// A struct: its non-zero fields only.
		if err := gdb.Model(&p).Updates(Person{City: "Austin", SSN: "111-22-3333"}).Error; err != nil {
			t.Fatal(err)
		}
		got = one(t, "ssn after Updates(struct)", gdb.Where(phigorm.Eq("ssn", "111223333")))
		if got.Surname != "Okonkwo" || got.City != "Austin" {
			t.Fatalf("after Updates(struct): %+v", got)
		}
		noneOf(t, "old ssn", gdb.Where(phigorm.Eq("ssn", person(3).SSN)))
		if err := gdb.Model(&p).Update("nickname", "Kwo").Error; err != nil {
			t.Fatal(err)
		}
		one(t, "Update one column", gdb.Where(phigorm.Eq("nickname", "Kwo")))
		if err := gdb.Model(&p).Select("city").Updates(Person{City: "Reno", Surname: "Ignored"}).Error; err != nil {
			t.Fatal(err)
		}
		got = one(t, "Select", gdb.Where(phigorm.Eq("city", "Reno")))
		if got.Surname != "Okonkwo" {
			t.Fatalf("Select updated an unselected column: %+v", got)
		}

		// Save writes every column.
		got.Surname, got.Smoker, got.Nickname = "Adeyemi", true, nil
		if err := gdb.Save(&got).Error; err != nil {
			t.Fatal(err)
		}
		saved := one(t, "after Save", gdb.Where(phigorm.Prefix("last_name", "adey")))
		if saved.ID != got.ID || !saved.Smoker || saved.Nickname != nil || saved.City != "Reno" || saved.SSN != "111-22-3333" {
			t.Fatalf("after Save: %+v", saved)
		}
		noneOf(t, "old name after Save", gdb.Where(phigorm.Eq("last_name", "Okonkwo")))
		fresh := Person{SSN: "222-33-4444", Surname: "Mensah", City: "Austin"}
		if err := gdb.Save(&fresh).Error; err != nil || fresh.ID == 0 {
			t.Fatalf("Save of a new row: %v, key %d", err, fresh.ID)
		}
		one(t, "saved new", gdb.Where(phigorm.Eq("ssn", "222334444")))

		// An update by conditions: every matching row, no other.
		res := gdb.Model(&Person{}).Where(phigorm.Eq("last_name", "Nguyen")).Update("city", "Lagos")
		nguyens := len(want(func(_ int, p Person) bool { return p.Surname == "Nguyen" }))
		if res.Error != nil || res.RowsAffected != int64(nguyens) {
			t.Fatalf("update by condition: %d rows, %v; want %d", res.RowsAffected, res.Error, nguyens)
		}
		var lagos, lagos2 int64
		if err := gdb.Model(&Person{}).Where("city = ?", "Lagos").Count(&lagos).Error; err != nil || lagos != int64(nguyens) {
			t.Fatalf("Count with a SQL condition on a plain column: %d %v", lagos, err)
		}
		if err := gdb.Model(&Person{}).Where(map[string]any{"city": "Lagos"}).Count(&lagos2).Error; err != nil || lagos2 != int64(nguyens) {
			t.Fatalf("Lagos: %d %v", lagos2, err)
		}

		// Save of a new row with its own key inserts it.
		own := Person{Model: gorm.Model{ID: 100000}, SSN: "222-33-5555", Surname: "Mensah"}
		if err := gdb.Save(&own).Error; err != nil {
			t.Fatalf("Save with a new key: %v", err)
		}
		if got := one(t, "saved with its key", gdb.Where(phigorm.Eq("ssn", "222335555"))); got.ID != 100000 || got.City != "" { // Save skips the hooks when it creates
			t.Fatalf("saved with its key: %+v", got)
		}
		// FirstOrCreate with struct conditions, found and created.
		var foc Person
		if err := gdb.Where(Person{SSN: "222-33-5555"}).FirstOrCreate(&foc).Error; err != nil || foc.ID != 100000 {
			t.Fatalf("FirstOrCreate found: %d %v", foc.ID, err)
		}
		foc = Person{}
		if err := gdb.Where(Person{SSN: "222-33-6666"}).Attrs(Person{Surname: "Boateng"}).FirstOrCreate(&foc).Error; err != nil || foc.ID == 0 {
			t.Fatalf("FirstOrCreate created: %d %v", foc.ID, err)
		}
		if got := one(t, "first or created", gdb.Where(phigorm.Eq("last_name", "Boateng"))); got.SSN != "222-33-6666" {
			t.Fatalf("FirstOrCreate wrote %+v", got)
		}
		// A slice mixing a given key and none.
		mixed := []*Person{{Model: gorm.Model{ID: 200000}, SSN: "222-33-7777", Surname: "Owusu"}, {SSN: "222-33-8888", Surname: "Owusu"}}
		if err := gdb.Create(mixed).Error; err != nil || mixed[0].ID != 200000 || mixed[1].ID == 0 {
			t.Fatalf("Create of a mixed slice: %v, keys %d %d", err, mixed[0].ID, mixed[1].ID)
		}
		if res := gdb.Unscoped().Delete(mixed); res.Error != nil || res.RowsAffected != 2 {
			t.Fatalf("Delete of a slice of pointers: %d %v", res.RowsAffected, res.Error)
		}
		// A slice of models deletes by their keys.
		if res := gdb.Unscoped().Delete(&[]Person{own, foc}); res.Error != nil || res.RowsAffected != 2 {
			t.Fatalf("Delete of a slice: %d %v", res.RowsAffected, res.Error)
		}
		noneOf(t, "deleted slice", gdb.Unscoped().Where(phigorm.In("ssn", "222-33-5555", "222-33-6666")))
		if err := gdb.Model(&Person{}).Update("city", "Nowhere").Error; !errors.Is(err, gorm.ErrMissingWhereClause) {
			t.Fatalf("update without conditions: %v", err)
		}

		// Soft delete, Unscoped, and a hard delete.
		if err := gdb.Delete(&fresh).Error; err != nil {
			t.Fatal(err)
		}
		noneOf(t, "soft-deleted", gdb.Where(phigorm.Eq("ssn", "222334444")))
		var ghost Person
		if err := gdb.Unscoped().Where(phigorm.Eq("ssn", "222334444")).First(&ghost).Error; err != nil || !ghost.DeletedAt.Valid {
			t.Fatalf("Unscoped read of the soft-deleted row: %+v %v", ghost, err)
		}
		if err := gdb.Unscoped().Delete(&ghost).Error; err != nil {
			t.Fatal(err)
		}
		if err := gdb.Unscoped().Where(phigorm.Eq("ssn", "222334444")).First(&ghost).Error; !errors.Is(err, gorm.ErrRecordNotFound) {
			t.Fatalf("after the hard delete: %v", err)
		}
		if res := gdb.Delete(&Person{}, batch[7].ID); res.Error != nil || res.RowsAffected != 1 {
			t.Fatalf("Delete by key: %d %v", res.RowsAffected, res.Error)
		}
		if res := gdb.Where(phigorm.Eq("ssn", batch[8].SSN)).Delete(&Person{}); res.Error != nil || res.RowsAffected != 1 {
			t.Fatalf("Delete by condition: %d %v", res.RowsAffected, res.Error)
		}
		if err := gdb.Delete(&Person{}).Error; !errors.Is(err, gorm.ErrMissingWhereClause) {
			t.Fatalf("delete without conditions: %v", err)
		}
		var c int64
		if err := gdb.Model(&Person{}).Count(&c).Error; err != nil || c != n-2 {
			t.Fatalf("Count after deletes: %d %v, want %d", c, err, n-2)
		}
	})

	t.Run("ciphertext at rest", func(t *testing.T) {
		rows, err := gdb.Raw("SELECT * FROM people").Rows()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		seen := 0
		for rows.Next() {
			vals := make([]sql.RawBytes, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				s := string(v)
				for _, secret := range []string{"078-05", "07805", "Nguyen", "Smith", "Schmidt", "Nick", "1941-03-17"} {
					if strings.Contains(s, secret) {
						t.Fatalf("column %s holds plaintext", cols[i])
					}
				}
			}
			seen++
		}
		if seen < n-2 || rows.Err() != nil {
			t.Fatalf("%d raw rows, %v", seen, rows.Err())
		}
	})

	t.Run("refusals", func(t *testing.T) {
		secret := "987-65-4321"
		var p Person
		var ps []Person
		var names []string
		for what, err := range map[string]error{
			"SQL condition": gdb.Where("ssn = ?", secret).First(&p).Error,
			"OR":            gdb.Where(phigorm.Eq("ssn", secret)).Or(phigorm.Eq("ssn", secret)).Find(&ps).Error,
			"NOT":           gdb.Not(map[string]any{"ssn": secret}).Find(&ps).Error,
			"joins":         gdb.Joins("JOIN notes ON notes.person = people.id").Where(phigorm.Eq("ssn", secret)).Find(&ps).Error,
			"group":         gdb.Where(phigorm.Eq("ssn", secret)).Group("city").Find(&ps).Error,
			"pluck":         gdb.Model(&Person{}).Where(phigorm.Eq("ssn", secret)).Pluck("ssn", &names).Error,
			"map dest":      gdb.Table("people").Where(phigorm.Eq("ssn", secret)).Find(&[]map[string]any{}).Error,
			"alias":         gdb.Table("people AS p").Where(phigorm.Eq("ssn", secret)).Find(&[]map[string]any{}).Error,
			"map create":    gdb.Table("people").Create(map[string]any{"ssn": secret}).Error,
			"order by expr": gdb.Where(phigorm.Eq("ssn", secret)).Order("length(ssn)").Find(&ps).Error,
			"order by ssn":  gdb.Where(phigorm.Eq("city", secret)).Order("ssn").Find(&ps).Error,
			"SQL on city":   gdb.Where("city LIKE ?", secret).Find(&ps).Error,
			"gt on ssn":     gdb.Where(clause.Gt{Column: "ssn", Value: secret}).Find(&ps).Error,
			"in SQL":        gdb.Where("ssn IN ?", []string{secret}).Find(&ps).Error,
			"expr update":   gdb.Model(&p).Where(phigorm.Eq("ssn", secret)).Update("city", gorm.Expr("?", secret)).Error,
			"sql update":    gdb.Model(&Person{}).Where("ssn = ?", secret).Update("city", "x").Error,
			"sql delete":    gdb.Where("ssn = ?", secret).Delete(&Person{}).Error,
			"other struct":  gdb.Model(&Person{}).Find(&[]Note{}).Error,
			"create other":  gdb.Model(&Person{}).Create(&Note{Text: secret}).Error,
			"dry run":       gdb.Session(&gorm.Session{DryRun: true}).Create(&Person{SSN: secret}).Error,
			"rows":          rowsErr(gdb.Model(&Person{}).Where(phigorm.Eq("ssn", secret)).Select("ssn").Rows()),
		} {
			if !errors.Is(err, sqlwrap.ErrUnsupported) {
				t.Errorf("%s: %v, want ErrUnsupported", what, err)
				continue
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "987") {
				t.Errorf("%s: the error shows the value: %v", what, err)
			}
			if !strings.Contains(err.Error(), "people") || strings.Count(err.Error(), "phicrypt:") != 1 {
				t.Errorf("%s: the error does not name the table once prefixed: %v", what, err)
			}
		}
	})

	t.Run("condition built into SQL", func(t *testing.T) {
		secret := "987-65-4321"
		for _, table := range []string{"people", ""} {
			stmt := &gorm.Statement{DB: gdb.Session(&gorm.Session{NewDB: true}), Table: table, Clauses: map[string]clause.Clause{}}
			phigorm.Eq("ssn", secret).Build(stmt)
			if err := stmt.Error; !errors.Is(err, sqlwrap.ErrUnsupported) || strings.Contains(err.Error(), secret) || strings.Contains(stmt.SQL.String(), secret) || len(stmt.Vars) != 0 {
				t.Fatalf("Build on table %q: %v, SQL %q, %d vars", table, err, stmt.SQL.String(), len(stmt.Vars))
			}
		}
		stmt := &gorm.Statement{DB: gdb.Session(&gorm.Session{NewDB: true}), Table: "notes", Clauses: map[string]clause.Clause{}}
		phigorm.Prefix("text", "a_b").Build(stmt)
		if stmt.Error != nil || !strings.Contains(stmt.SQL.String(), "LIKE") || len(stmt.Vars) != 1 || stmt.Vars[0] != "a!_b%" {
			t.Fatalf("Build on a plain table: %v %q %v", stmt.Error, stmt.SQL.String(), stmt.Vars)
		}
	})

	t.Run("plain tables", func(t *testing.T) {
		if err := gdb.Create(&Note{Person: 1, Text: "100%_sure"}).Error; err != nil {
			t.Fatal(err)
		}
		if err := gdb.Create(&Note{Person: 2, Text: "100 percent"}).Error; err != nil {
			t.Fatal(err)
		}
		var notes []Note
		if err := gdb.Where(phigorm.Prefix("text", "100%_")).Find(&notes).Error; err != nil || len(notes) != 1 || notes[0].Person != 1 {
			t.Fatalf("Prefix on a plain table: %+v %v", notes, err)
		}
		if err := gdb.Where(phigorm.Eq("person", 2)).Find(&notes).Error; err != nil || len(notes) != 1 {
			t.Fatalf("Eq on a plain table: %+v %v", notes, err)
		}
	})

	t.Run("associations", func(t *testing.T) {
		p := Person{SSN: "666-77-8888", Surname: "Haddad", Notes: []Note{{Text: "allergy"}, {Text: "follow-up"}}}
		if err := gdb.Create(&p).Error; err != nil {
			t.Fatal(err)
		}
		if p.Notes[0].Person != int64(p.ID) || p.Notes[1].ID == 0 {
			t.Fatalf("notes not saved with the person's key: %+v", p.Notes)
		}
		var got Person
		if err := gdb.Preload("Notes").Where(phigorm.Eq("ssn", "666778888")).First(&got).Error; err != nil || len(got.Notes) != 2 {
			t.Fatalf("Preload: %+v %v", got.Notes, err)
		}
		var ps []Person
		if err := gdb.Joins("Notes").Where(phigorm.Eq("ssn", "666778888")).Find(&ps).Error; !errors.Is(err, sqlwrap.ErrUnsupported) {
			t.Fatalf("Joins of a relation: %v", err)
		}
	})

	t.Run("transactions", func(t *testing.T) {
		boom := errors.New("boom")
		for _, commit := range []bool{false, true} {
			ssn := fmt.Sprintf("555-66-%04d", map[bool]int{false: 1, true: 2}[commit])
			err := gdb.Transaction(func(tx *gorm.DB) error {
				p := Person{SSN: ssn, Surname: "Tanaka", City: "Austin"}
				if err := tx.Create(&p).Error; err != nil {
					return err
				}
				if err := tx.Create(&Note{Person: int64(p.ID), Text: ssn}).Error; err != nil {
					return err
				}
				var seen Person
				if err := tx.Where(phigorm.Eq("ssn", ssn)).First(&seen).Error; err != nil || seen.ID != p.ID {
					return fmt.Errorf("read in tx: %d %w", seen.ID, err)
				}
				if err := tx.Model(&seen).Update("city", "Kyoto").Error; err != nil {
					return err
				}
				if !commit {
					return boom
				}
				return nil
			})
			if commit && err != nil || !commit && !errors.Is(err, boom) {
				t.Fatalf("transaction (commit %v): %v", commit, err)
			}
			var ps []Person
			if err := gdb.Unscoped().Where(phigorm.Eq("ssn", ssn)).Find(&ps).Error; err != nil {
				t.Fatal(err)
			}
			var notes int64
			if err := gdb.Model(&Note{}).Where("text = ?", ssn).Count(&notes).Error; err != nil {
				t.Fatal(err)
			}
			w := 0
			if commit {
				w = 1
			}
			if len(ps) != w || notes != int64(w) || commit && ps[0].City != "Kyoto" {
				t.Fatalf("after transaction (commit %v): %d people, %d notes, want %d", commit, len(ps), notes, w)
			}
		}
	})
}

func rowsErr(rows *sql.Rows, err error) error {
	if rows != nil {
		rows.Close()
	}
	return err
}
