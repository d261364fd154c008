package audit

import (
	"strconv"
	"unicode/utf8"
)

// appendRecord appends the compact JSON of r, fields in declaration
// order, the hash field only if withHash; it matches encoding/json with
// HTML escaping off (TestAppendMatchesEncodingJSON) without reflection.
func appendRecord(b []byte, r *Record, withHash bool) []byte {
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, r.Seq, 10)
	b = appendField(b, "time", r.Time)
	b = appendField(b, "principal", r.Principal)
	b = appendField(b, "role", r.Role)
	b = appendField(b, "purpose", r.Purpose)
	b = appendField(b, "op", r.Op)
	b = appendField(b, "action", r.Action)
	b = appendField(b, "table", r.Table)
	b = append(b, `,"columns":[`...)
	for i, c := range r.Columns {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, c)
	}
	b = append(b, `],"rows":`...)
	b = strconv.AppendInt(b, r.Rows, 10)
	b = appendField(b, "outcome", r.Outcome)
	b = appendField(b, "reason", r.Reason)
	b = appendField(b, "request_id", r.RequestID)
	b = appendField(b, "checkpoint", r.Checkpoint)
	b = appendField(b, "prev", r.Prev)
	if withHash && r.Hash != "" {
		b = appendField(b, "hash", r.Hash)
	}
	return append(b, '}')
}

func appendField(b []byte, name, v string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, v)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string the way encoding/json does
// with HTML escaping off.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
