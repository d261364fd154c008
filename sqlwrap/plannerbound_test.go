package sqlwrap

import "testing"

// TestDefaultBitsIgnoreTransformBounds: a transform that bounds the values
// (digits,last:10 allows 10^10 phone numbers) says nothing of the rows a
// table holds. Planned as if the table had 10^10 rows, a phone index got
// 32-bit tokens, one per value on any real table, revealing every equal
// pair; without declared rows it must get the bits of any near-unique
// column on the assumed table size.
func TestDefaultBitsIgnoreTransformBounds(t *testing.T) {
	s, err := ParseSchema("bounds", []byte(`version: 1
tables:
  - name: p
    key: id
    columns:
      - {name: phone, type: string, equality: {transforms: "digits,last:10"}}
      - {name: email, type: string, equality: {}}
`))
	if err != nil {
		t.Fatal(err)
	}
	phone, _ := s.Tables[0].Column("phone")
	email, _ := s.Tables[0].Column("email")
	if pb, eb := phone.Equality[0].Bits, email.Equality[0].Bits; pb != eb || pb >= 24 {
		t.Fatalf("default bits: phone %d, email %d; want equal bits, planned for %d rows", pb, eb, assumedRows)
	}
}
