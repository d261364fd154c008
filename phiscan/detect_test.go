package phiscan

import (
	"testing"
)

func TestSSNRules(t *testing.T) {
	tests := []struct {
		in             string
		formatted      bool
		valid, example bool
	}{
		{"078-05-1120", true, true, true},
		{"219-09-9999", true, true, true},
		{"123-45-6789", true, true, true},
		{"234-56-7890", true, true, false},
		{"234 56 7890", true, true, false},
		{"000-12-3456", true, false, false},
		{"666-12-3456", true, false, false},
		{"900-12-3456", true, false, false},
		{"999-12-3456", true, false, false},
		{"899-12-3456", true, true, false},
		{"123-00-4567", true, false, false},
		{"123-45-0000", true, false, false},
		{"123-456-789", false, false, false},
		{"123-45-678", false, false, false},
		{"12a-45-6789", false, false, false},
		{"123-45 6789", false, false, false},
	}
	for _, tt := range tests {
		a, g, s, ok := parseFormattedSSN(tt.in)
		if ok != tt.formatted {
			t.Errorf("parseFormattedSSN(%q) ok = %v, want %v", tt.in, ok, tt.formatted)
			continue
		}
		if !ok {
			continue
		}
		if got := validSSN(a, g, s); got != tt.valid {
			t.Errorf("validSSN(%q) = %v, want %v", tt.in, got, tt.valid)
		}
		if got := sampleSSN(a, g, s); got != tt.example {
			t.Errorf("sampleSSN(%q) = %v, want %v", tt.in, got, tt.example)
		}
	}
	// Integers that lost their leading zeros split the same way.
	if a, g, s := splitSSN(78051120); a != 78 || g != 5 || s != 1120 {
		t.Errorf("splitSSN(78051120) = %d %d %d", a, g, s)
	}
}

func TestParsePhone(t *testing.T) {
	tests := []struct {
		in              string
		ok, valid, fmtd bool
		fictional       bool
		number          uint64
	}{
		{"(617) 555-1234", true, true, true, false, 6175551234},
		{"617-555-1234", true, true, true, false, 6175551234},
		{"617.555.1234", true, true, true, false, 6175551234},
		{"6175551234", true, true, false, false, 6175551234},
		{"16175551234", true, true, false, false, 6175551234},
		{"+1 617 555 1234", true, true, true, false, 6175551234},
		{"1-617-555-1234", true, true, true, false, 6175551234},
		{"617-555-1234 x12", true, true, true, false, 6175551234},
		{"617-555-1234 ext. 12", true, true, true, false, 6175551234},
		{"(617)5551234", true, true, true, false, 6175551234},
		{"617-555-0142", true, true, true, true, 6175550142},
		{"117-555-1234", true, false, true, false, 1175551234}, // area code starts with 1
		{"011-555-1234", true, false, true, false, 115551234},  // area code starts with 0
		{"611-555-1234", true, false, true, false, 6115551234}, // N11 area code
		{"697-555-1234", true, false, true, false, 6975551234}, // x9x area code
		{"617-155-1234", true, false, true, false, 6171551234}, // exchange starts with 1
		{"617-411-1234", true, false, true, false, 6174111234}, // N11 exchange
		{"1234-5678-90", false, false, false, false, 0},        // wrong grouping
		{"617-555-123", false, false, false, false, 0},
		{"2019-03-04", false, false, false, false, 0},
		{"26175551234", false, false, false, false, 0},
		{"+44 20 7946 0958", false, false, false, false, 0},
		{"617-555-1234 call me", false, false, false, false, 0},
	}
	for _, tt := range tests {
		p, ok := parsePhone(tt.in)
		if ok != tt.ok {
			t.Errorf("parsePhone(%q) ok = %v, want %v", tt.in, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if p.valid != tt.valid || p.formatted != tt.fmtd || p.fictional != tt.fictional || p.number != tt.number {
			t.Errorf("parsePhone(%q) = %+v, want valid=%v formatted=%v fictional=%v number=%d",
				tt.in, p, tt.valid, tt.fmtd, tt.fictional, tt.number)
		}
	}
}

func TestValidEmail(t *testing.T) {
	good := []string{"john.smith@gmail.com", "a.b+tag@sub.example.org", "MARY_JONES@YAHOO.COM",
		"x1@h-1.io", "o'brien@example.ie", "user@xn--bcher-kva.example"}
	bad := []string{"john.smith@gmail", "@gmail.com", "john@", "john@@gmail.com", "john smith@gmail.com",
		"john..smith@gmail.com", ".john@gmail.com", "john@-gmail.com", "john@gmail.c", "john@gmail.123",
		"a@b", "john@gmail..com"}
	for _, s := range good {
		if !validEmail(s) {
			t.Errorf("validEmail(%q) = false", s)
		}
	}
	for _, s := range bad {
		if validEmail(s) {
			t.Errorf("validEmail(%q) = true", s)
		}
	}
}

func TestZIP(t *testing.T) {
	for _, z := range []int{2139, 10001, 90210, 60614, 501, 99950, 3601, 82301} {
		if !validZIP5(z) {
			t.Errorf("validZIP5(%05d) = false", z)
		}
	}
	for _, z := range []int{0, 123, 99999, 21301, 401, 71512, 96950 + 5000, 90901} {
		if validZIP5(z) {
			t.Errorf("validZIP5(%05d) = true", z)
		}
	}
	for _, p := range []int{36, 59, 102, 203, 205, 369, 556, 692, 753, 772, 821, 823, 878, 879, 884, 890, 893} {
		if !zip3Restricted[p] {
			t.Errorf("prefix %03d not restricted", p)
		}
	}
	if zip3Restricted[21] || zip3Restricted[606] {
		t.Error("unrestricted prefix marked restricted")
	}
	if z, ok := parseZIP4("02139-4307"); !ok || z != 2139 {
		t.Errorf("parseZIP4 = %d, %v", z, ok)
	}
	for _, s := range []string{"02139-430", "0213-94307", "00000-1234", "02139/4307"} {
		if _, ok := parseZIP4(s); ok {
			t.Errorf("parseZIP4(%q) ok", s)
		}
	}
}

func TestValidIP(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"192.168.1.10", true},
		{"10.0.0.1", true},
		{"255.255.255.255", true},
		{"256.1.1.1", false},
		{"1.2.3", false},
		{"01.2.3.4", false},
		{"1.2.3.4.5", false},
		{"2001:db8::1", true},
		{"fe80::1ff:fe23:4567:890a", true},
		{"12:30:45", false},
		{"::g", false},
	}
	for _, tt := range tests {
		dots, colons := 0, 0
		for i := 0; i < len(tt.in); i++ {
			switch tt.in[i] {
			case '.':
				dots++
			case ':':
				colons++
			}
		}
		if got := validIP(tt.in, dots, colons); got != tt.ok {
			t.Errorf("validIP(%q) = %v, want %v", tt.in, got, tt.ok)
		}
	}
}

func TestIsURL(t *testing.T) {
	for _, s := range []string{"https://example.org/p?id=1", "http://portal.hospital.org", "www.example.com",
		"HTTPS://EXAMPLE.ORG", "ftp://files.example.net/a.txt"} {
		if !isURL(s) {
			t.Errorf("isURL(%q) = false", s)
		}
	}
	for _, s := range []string{"example.com", "https://", "http://nodot", "www", "mailto:a@b.org"} {
		if isURL(s) {
			t.Errorf("isURL(%q) = true", s)
		}
	}
}

func TestValidNPI(t *testing.T) {
	// 1234567893 is the CMS example NPI.
	for _, s := range []string{"1234567893", "1245319599", "1003000126"} {
		if !validNPI(s) {
			t.Errorf("validNPI(%q) = false", s)
		}
	}
	for _, s := range []string{"1234567890", "3234567893", "123456789", "12345678931"} {
		if validNPI(s) {
			t.Errorf("validNPI(%q) = true", s)
		}
	}
}

func TestValidDEA(t *testing.T) {
	// AB1234563: 1+3+5=9, 2*(2+4+6)=24, 33 -> check digit 3.
	for _, s := range []string{"AB1234563", "BJ6125341", "M91234563", "FS9999991"} {
		if !validDEA(s) {
			t.Errorf("validDEA(%q) = false", s)
		}
	}
	for _, s := range []string{"AB1234564", "IB1234563", "Ab1234563", "AB123456", "ABC234563", "1B1234563"} {
		if validDEA(s) {
			t.Errorf("validDEA(%q) = true", s)
		}
	}
}

func TestValidMBI(t *testing.T) {
	// 1EG4-TE5-MK73 is the CMS specimen MBI.
	for _, s := range []string{"1EG4TE5MK73", "1EG4-TE5-MK73", "9AA0AA0AA00", "2C19D48GH20"} {
		if !validMBI(s) {
			t.Errorf("validMBI(%q) = false", s)
		}
	}
	for _, s := range []string{"0EG4TE5MK73", "1SG4TE5MK73", "1EG4TE5MK7", "1EGATE5MK73", "1eg4te5mk73",
		"1EG4-TE5MK73", "1EG4TE5MKZ3"} {
		if validMBI(s) {
			t.Errorf("validMBI(%q) = true", s)
		}
	}
}

func TestValidCard(t *testing.T) {
	good := []string{"4111111111111111", "4111 1111 1111 1111", "5500-0000-0000-0004", "340000000000009",
		"378282246310005", "6011000000000004", "3530111333300000", "2223000048400011", "4222222222222"}
	bad := []string{"4111111111111112", "1234567812345670", "411111111111", "5500 0000 0000 000",
		"9111111111111111", "4111--1111111111111"}
	for _, s := range good {
		var buf [19]byte
		d, ok := cardDigits(s, &buf)
		if !ok || !validCard(d) {
			t.Errorf("card %q rejected", s)
		}
	}
	for _, s := range bad {
		var buf [19]byte
		if d, ok := cardDigits(s, &buf); ok && validCard(d) {
			t.Errorf("card %q accepted", s)
		}
	}
}

func TestIsUUID(t *testing.T) {
	if !isUUID("123e4567-e89b-12d3-a456-426614174000") || !isUUID("123E4567E89B12D3A456426614174000") {
		t.Error("UUID rejected")
	}
	if isUUID("123e4567-e89b-12d3-a456-42661417400g") || isUUID("123e4567e89b-12d3-a456-426614174000") {
		t.Error("non-UUID accepted")
	}
}

func TestParseDate(t *testing.T) {
	p := dateParser{pivot: 26}
	tests := []struct {
		in      string
		want    ymd
		partial bool
	}{
		{"2019-03-04", 20190304, false},
		{"2019-03-04T10:11:12Z", 20190304, false},
		{"2019-03-04 10:11:12.123+01:00", 20190304, false},
		{"2019/03/04", 20190304, false},
		{"3/4/2019", 20190304, false},
		{"03/04/2019", 20190304, false},
		{"03-04-2019", 20190304, false},
		{"3/4/19", 20190304, false},
		{"3/4/45", 19450304, false},
		{"25/12/2019", 20191225, false},
		{"25.12.2019", 20191225, false},
		{"04.03.2019", 20190304, false},
		{"20190304", 20190304, false},
		{"04-Mar-2019", 20190304, false},
		{"04-MAR-19", 20190304, false},
		{"4 March 2019", 20190304, false},
		{"Mar 4, 2019", 20190304, false},
		{"March 4th, 2019", 20190304, false},
		{"Sept 4 2019", 20190904, false},
		{"Tue, 04 Mar 2019 10:00:00 GMT", 20190304, false},
		{"2019-03", 20190301, true},
		{"1/1/2000 12:00 AM", 20000101, false},
		{"2020-02-29", 20200229, false},
	}
	for _, tt := range tests {
		d, partial, ok := p.parseDate(tt.in)
		if !ok || d != tt.want || partial != tt.partial {
			t.Errorf("parseDate(%q) = %d, %v, %v; want %d, %v", tt.in, d, partial, ok, tt.want, tt.partial)
		}
	}
	for _, s := range []string{"2019-13-01", "2019-02-30", "2019-02-29", "13/13/2019", "120/80", "1.5.2",
		"2019", "Mar 2019", "12345678", "2019-03-04x", "Smith 4, 2019", "1700-01-01", "3/4", "May be 4"} {
		if d, _, ok := p.parseDate(s); ok {
			t.Errorf("parseDate(%q) = %d, want failure", s, d)
		}
	}
}

func TestDateNumbers(t *testing.T) {
	if d, ok := ymdInt(19450312); !ok || d != 19450312 {
		t.Errorf("ymdInt = %d %v", d, ok)
	}
	if _, ok := ymdInt(12345678); ok {
		t.Error("ymdInt(12345678) ok")
	}
	// Serial 43831 is 2020-01-01 in Excel's 1900 date system.
	if d, ok := excelSerial(43831); !ok || d != 20200101 {
		t.Errorf("excelSerial(43831) = %d", d)
	}
	if d, ok := unixSeconds(0, false); !ok || d != 19700101 {
		t.Errorf("unixSeconds(0) = %d", d)
	}
	if d, ok := unixSeconds(-86400, false); !ok || d != 19691231 {
		t.Errorf("unixSeconds(-86400) = %d", d)
	}
	if d, ok := unixSeconds(1583020800000, true); !ok || d != 20200301 {
		t.Errorf("unixSeconds(ms) = %d", d)
	}
}

func TestPersonName(t *testing.T) {
	wordsOnce.Do(loadWords)
	tests := []struct {
		in   string
		want int
	}{
		{"Smith", pnLast},
		{"JOHNSON", pnLast},
		{"Jennifer", pnFirst},
		{"John Smith", pnFull},
		{"Smith, John A.", pnFull},
		{"Dr. Jane Roe MD", pnFull},
		{"Mary Ann Jones", pnFull},
		{"O'Brien", pnLast},
		{"Garcia-Lopez", pnLast},
		{"José García", pnFull},
		{"MUÑOZ", pnLast},
		{"Lisinopril", pnOrg},
		{"Metformin HCl", pnOrg},
		{"Mercy General Hospital", pnOrg},
		{"Lakeside Clinic", pnOrg},
		{"Acute bronchitis", pnNone},
		{"White", pnCommon},
		{"Xqzvt", pnShape},
		{"Room 12", pnNone},
		{"R&D", pnNone},
	}
	for _, tt := range tests {
		if got := personName(tt.in); got != tt.want {
			t.Errorf("personName(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestStreetAddress(t *testing.T) {
	wordsOnce.Do(loadWords)
	good := []string{"123 Main St", "4567 N. Oak Avenue Apt 5", "12B W 5th St", "1600 Pennsylvania Ave NW",
		"77 Massachusetts Avenue, Cambridge, MA 02139", "PO Box 123", "P.O. Box 4411", "RR 2 Box 10",
		"10 Downing Lane", "350 Fifth Avenue", "12-14 Elm Rd", "12 Oak St|Boston|MA|02110"}
	bad := []string{"10 mg tablet", "2 Way", "Main St", "123", "3 times a day", "5 Park", "Box",
		"12 patients seen, 3 admitted to the unit on the main floor", "12|Main|3"}
	for _, s := range good {
		if !streetAddress(s) {
			t.Errorf("streetAddress(%q) = false", s)
		}
	}
	for _, s := range bad {
		if streetAddress(s) {
			t.Errorf("streetAddress(%q) = true", s)
		}
	}
}

func TestStreetName(t *testing.T) {
	wordsOnce.Do(loadWords)
	for _, s := range []string{"Maple Terrace", "N Main St", "Martin Luther King Jr Blvd", "5th Avenue", "Elm Street"} {
		if !streetName(s) {
			t.Errorf("streetName(%q) = false", s)
		}
	}
	for _, s := range []string{"Main", "Abbey Road Studios", "General Hospital Drive Clinic", "John Smith", "main street",
		"Street", "Hospital Drive"} {
		if streetName(s) {
			t.Errorf("streetName(%q) = true", s)
		}
	}
}

func TestTextScanner(t *testing.T) {
	wordsOnce.Do(loadWords)
	m, err := compileMRN(`E\d{7}`)
	if err != nil {
		t.Fatal(err)
	}
	sc := textScanner{dates: dateParser{pivot: 26}, ageLimit: 89, mrn: m}
	tests := []struct {
		in   string
		want []int
	}{
		{"Pt SSN 078-05-1120 on file.", []int{thSSN}},
		{"Call back at (617) 555-1234 after 5pm.", []int{thPhone}},
		{"Called 617 555 1234 twice.", []int{thPhone}},
		{"Emailed results to jane.roe@example.org today", []int{thEmail}},
		{"Seen on 3/4/2019 for follow-up.", []int{thDate}},
		{"Surgery scheduled March 14, 2020 at noon.", []int{thDate}},
		{"Follow up with Dr. Smith in two weeks.", []int{thName}},
		{"Discussed plan with John Smith and his wife Mary.", []int{thName}},
		{"92 yo female with CHF", []int{thAge}},
		{"A 95-year-old man presented", []int{thAge}},
		{"Lives at 123 Main St with daughter.", []int{thAddress}},
		{"Moved to Boston, MA 02139 last year", []int{thZIP}},
		{"MRN: 12345678 verified", []int{thMRN}},
		{"Epic id E1234567 merged", []int{thMRN}},
		{"Portal login from 192.168.10.12 noted", []int{thIP}},
		{"See https://portal.example.org/p/123 for images", []int{thURL}},
		{"BP 120/80, HR 72, continue lisinopril 10 mg daily.", nil},
		{"Patient tolerated the procedure well, no complications.", nil},
		{"45 yo male, 3 tabs by mouth twice daily for 10 days.", nil},
		{"May take 2 tablets as needed. Grant Park visit was fine.", nil},
	}
	for _, tt := range tests {
		var h textHits
		sc.scan(tt.in, &h)
		var want uint16
		for _, k := range tt.want {
			want |= 1 << k
		}
		if h.mask != want {
			var got []string
			for k := 0; k < thCount; k++ {
				if h.mask&(1<<k) != 0 {
					got = append(got, textHitTypes[k])
				}
			}
			t.Errorf("scan(%q) found %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestLengthBounds(t *testing.T) {
	for _, tt := range []struct {
		pattern string
		lo, hi  int
	}{
		{`E\d{7}`, 8, 8},
		{`\d{6,8}`, 6, 8},
		{`(MRN|MR)-\d+`, 4, 1 << 31},
		{`[A-Z]{2}(\d{3})?`, 2, 5},
	} {
		m, err := buildMRN(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if m.minLen != tt.lo || tt.hi < 1<<31 && m.maxLen < tt.hi {
			t.Errorf("%s: bounds %d..%d, want %d..%d", tt.pattern, m.minLen, m.maxLen, tt.lo, tt.hi)
		}
	}
	if _, err := buildMRN(`\d*`); err == nil {
		t.Error("pattern matching the empty string accepted")
	}
	if _, err := buildMRN(`(`); err == nil {
		t.Error("bad pattern accepted")
	}
}
