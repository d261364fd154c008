package phiscan

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Verdict thresholds on the confidence of the strongest type.
const (
	phiThreshold      = 0.65
	possibleThreshold = 0.35
)

// ramp maps x linearly from 0 at lo to 1 at hi.
func ramp(x, lo, hi float64) float64 {
	switch {
	case x <= lo:
		return 0
	case x >= hi:
		return 1
	}
	return (x - lo) / (hi - lo)
}

// candidate is one PHI type the column may hold.
type candidate struct {
	typ  string
	conf float64
	ev   []Evidence
	// soft marks value evidence that a column name of another type
	// overrides: names, bare digits, dates.
	soft bool
}

// Report returns the verdict on the values observed so far.
func (c *Classifier) Report() ColumnReport {
	r := ColumnReport{Name: c.name, SQLType: c.sqlType, Sampled: c.sampled, Nulls: c.nulls, Distinct: c.values.estimate(), Example: c.example,
		Types: []string{}, Evidence: []Evidence{}, Verdict: VerdictNone}
	if c.sealed > 0 && c.sealed*10 >= c.nonNull*9 {
		// Already encrypted by phicrypt: nothing here is plaintext PHI.
		r.Confidence = 1
		r.Types = []string{"phicrypt_ciphertext"}
		r.Evidence = []Evidence{{Check: "value", Type: "phicrypt_ciphertext", Share: round3(float64(c.sealed) / float64(c.nonNull)),
			Detail: "values are phicrypt ciphertexts (docs/FORMAT.md §1)"}}
		return r
	}
	cands, removed := c.candidates()
	slices.SortStableFunc(cands, func(a, b candidate) int {
		switch {
		case a.conf > b.conf:
			return -1
		case a.conf < b.conf:
			return 1
		}
		return 0
	})
	if len(cands) > 0 && cands[0].conf >= possibleThreshold {
		best := cands[0].conf
		r.Confidence = round3(best)
		r.Verdict = VerdictPossible
		if best >= phiThreshold {
			r.Verdict = VerdictPHI
		}
		for _, cd := range cands {
			if cd.conf < max(possibleThreshold, best-0.3) || slices.Contains(r.Types, cd.typ) {
				continue
			}
			r.Types = append(r.Types, cd.typ)
			r.Evidence = append(r.Evidence, cd.ev...)
		}
	} else {
		best := 0.0
		if len(cands) > 0 {
			best = cands[0].conf
		}
		// Confidence that the column is not PHI.
		r.Confidence = round3(1 - best)
	}
	c.explain(&r, removed)
	// The minimum of an identifier column would be an identifier.
	if c.allNumeric && c.counts[cNumeric] > 0 {
		safe := true
		for _, t := range r.Types {
			if t != "small_cell" && t != "age_over_89" {
				safe = false
			}
		}
		// Nor is the minimum of a column named like an identifier safe
		// when no detector recognised it, since a site's record numbers
		// may follow no pattern known here; a dense run of small integers
		// is a surrogate key, whose minimum says nothing.
		dense := c.counts[cInt] >= 20 && c.intMax-c.intMin < 10*uint64(c.counts[cInt])
		if safe && (!identifierLikeName(c.name) || dense) {
			m := c.min
			r.Min = &m
		}
	}
	return r
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// candidates computes the confidence of every PHI type the name or the
// values point to.
func (c *Classifier) candidates() ([]candidate, []candidate) {
	var out []candidate
	n := float64(c.nonNull)
	cnt := func(k int) float64 { return float64(c.counts[k]) }
	share := func(k int) float64 {
		if n == 0 {
			return 0
		}
		return cnt(k) / n
	}
	col := c.col
	named := func(t string) bool { return col.typ == t }
	valueEv := func(typ string, sh float64, k int, note string) Evidence {
		d := c.masks[k]
		if note != "" {
			d = strings.TrimSpace(d + " " + note)
		}
		return Evidence{Check: "value", Type: typ, Share: round3(sh), Detail: d}
	}
	addValue := func(typ string, conf, sh float64, k int, note string, soft bool) {
		if conf <= 0 {
			return
		}
		out = append(out, candidate{typ: typ, conf: conf, soft: soft, ev: []Evidence{valueEv(typ, sh, k, note)}})
	}
	// Identifier-shaped digits in a lab value, code or key column are
	// that column's own numbers.
	numbersOwned := col.measure || col.code || col.idLike || col.count || col.age || col.version
	// Integers packed into a range not much wider than their number are
	// a sequence (surrogate keys), whatever their length.
	dense := c.counts[cInt] >= 20 && c.intMax-c.intMin < 10*uint64(c.counts[cInt])

	// SSN.
	{
		ssnNamed := named("ssn")
		best, sh, k, note := 0.0, 0.0, cSSNFmt, ""
		if c.counts[cSSNFmt] > 0 {
			sh = share(cSSNFmt)
			best = 0.97 * ramp(sh, 0.01, 0.3)
		}
		plain := cnt(cSSNPlain)
		if ssnNamed || share(cSSNPlain) >= 0.5 {
			plain += cnt(cSSNShort)
		}
		if plain > 0 && n > 0 {
			ps := plain / n
			base := 0.55
			bad := cnt(cSSNPlainBad) / (plain + cnt(cSSNPlainBad))
			if plain >= 30 && bad < 0.01 && !dense {
				base = 0.8
			}
			if bad > 0.05 {
				base *= 0.3
			}
			if dense || numbersOwned {
				base *= 0.3
			}
			v := base * ramp(ps, 0.5, 0.95)
			if ssnNamed {
				v = 0.9 * ramp(ps, 0.2, 0.6)
			}
			if v > best {
				best, sh, k = v, ps, cSSNPlain
			}
		}
		if c.counts[cSSNSample] > 0 {
			note = "(includes well-known sample numbers)"
		}
		addValue("ssn", best, sh, k, note, k == cSSNPlain)
	}

	// Phone and fax.
	{
		typ := "phone"
		if named("fax") {
			typ = "fax"
		}
		phoneNamed := named("phone") || named("fax")
		fs := (cnt(cPhoneFmt) + 0.5*cnt(cPhoneFmtBad)) / max(n, 1)
		vf := 0.95 * ramp(fs, 0.01, 0.3)
		k := cPhoneFmt
		if c.counts[cPhoneFmt] == 0 {
			vf = 0.6 * ramp(fs, 0.05, 0.4)
			k = cPhoneFmtBad
		}
		ps := share(cPhonePlain)
		base := 0.6
		if c.counts[cPhonePlain] >= 30 && ps >= 0.95 {
			base = 0.8
		}
		vp := base * ramp(ps, 0.7, 0.95)
		if phoneNamed {
			vp = 0.9 * ramp(ps, 0.3, 0.7)
		}
		if share(cNPI) >= 0.8 || (numbersOwned || dense) && !phoneNamed {
			vp = 0
		}
		note := ""
		if c.counts[cPhoneFiction] > 0 {
			note = "(includes fictional 555-01xx numbers)"
		}
		if vp > vf {
			addValue(typ, vp, ps, cPhonePlain, note, true)
		} else {
			addValue(typ, vf, fs, k, note, false)
		}
	}

	addValue("email", 0.98*ramp(share(cEmail), 0.01, 0.3), share(cEmail), cEmail, "", false)

	// ZIP codes.
	{
		zipNamed := named("zip")
		v4 := 0.95 * ramp(share(cZIP4), 0.01, 0.3)
		if c.counts[cZIP4] > 0 && c.counts[cZIP4] == c.counts[cSSNPlain] && !zipNamed {
			v4 = 0 // nine digits in an unnamed column are not ZIP+4
		}
		addValue("zip", v4, share(cZIP4), cZIP4, "", false)
		// Five-digit values, and four-digit ones that lost a leading
		// zero, as long as most are five digits (four digits alone are
		// years or codes).
		z5, z4 := cnt(cZIP5), cnt(cZIPPadded)
		if z4 > z5 {
			z4 = 0
		}
		if z := z5 + z4; z > 0 && !col.zip3 {
			bad := cnt(cZIP5Bad)
			if z4 > 0 {
				bad += cnt(cZIPPaddedBad)
			}
			badShare := bad / (z + bad)
			base := 0.45
			if cnt(cZIP5Lead)/z5 >= 0.01 || z4 > 0 {
				base = 0.6 // leading zeros kept as text, or lost by a number type
			}
			// ZIP codes come from a fixed list: with enough of them and
			// none from an unassigned prefix, and many distinct values,
			// a column is ZIPs, not arbitrary numbers or a few codes.
			if z >= 30 && badShare == 0 && z/n >= 0.9 && c.fiveDistinct >= 12 && (col.cryptic || col.typ == "") {
				base = 0.7
			}
			if badShare > 0.02 || c.counts[cDecimal] > 0 || c.counts[cNegative] > 0 {
				base = 0 // unassigned prefixes or a continuous measure
			}
			v := base * ramp(z/n, 0.8, 0.98)
			if zipNamed {
				v = 0.9 * ramp(z/n, 0.3, 0.7)
			} else if numbersOwned || dense {
				v = 0
			}
			note := ""
			if c.counts[cZIPRestricted] > 0 {
				note = "(includes restricted 3-digit prefixes)"
			}
			addValue("zip", v, z/n, cZIP5, note, true)
		}
		if col.zip3 && c.counts[cZIPRestricted] > 0 {
			addValue("zip", 0.85, share(cZIPRestricted), cZIPRestricted, "(restricted 3-digit ZIP prefix)", false)
		}
	}

	// Network addresses.
	{
		v := 0.9 * ramp(share(cIP), 0.05, 0.5)
		if col.version && !named("ip") {
			v *= 0.2
		}
		if cnt(cIPPrivate) >= 0.9*cnt(cIP) {
			v *= 0.3 // internal network addresses: servers, not people
		}
		addValue("ip", v, share(cIP), cIP, "", false)
		// Web addresses are identifiers when they lead to a person's
		// pages: when they carry a number or a query. Bare endpoints
		// and home pages identify no one.
		u := 0.75
		if cnt(cURLID) < 0.1*cnt(cURL) {
			u = 0.4
		}
		addValue("url", u*ramp(share(cURL), 0.05, 0.5), share(cURL), cURL, "", false)
	}

	// Provider, payer and account numbers.
	{
		v := 0.85 * ramp(share(cNPI), 0.5, 0.9)
		if c.counts[cNPI] < 5 {
			v = min(v, 0.6)
		}
		if named("npi") {
			v = 0.95 * ramp(share(cNPI), 0.2, 0.6)
		}
		addValue("npi", v, share(cNPI), cNPI, "", true)
		addValue("dea", 0.95*ramp(share(cDEA), 0.02, 0.3), share(cDEA), cDEA, "", false)
		addValue("mbi", 0.95*ramp(share(cMBI), 0.02, 0.3), share(cMBI), cMBI, "", false)
		addValue("credit_card", 0.9*ramp(share(cCard), 0.05, 0.5), share(cCard), cCard, "", false)
		typ := "mrn"
		if c.cfg.siteTerms[col.term].typ != "" && col.strength == siteTerm {
			typ = col.typ
		}
		addValue(typ, 0.85*ramp(share(cMRN), 0.05, 0.6), share(cMRN), cMRN, "(site MRN pattern)", false)
	}

	addValue("address", 0.92*ramp(share(cAddress), 0.05, 0.4), share(cAddress), cAddress, "", false)
	// A street name alone is part of an address, but the same words
	// name buildings and programmes: possible on its own.
	addValue("address", 0.6*ramp(share(cStreetName), 0.4, 0.8), share(cStreetName), cStreetName, "", true)

	// City names: most values on the list of US places, many of them
	// different, and not a column of people's names that happen to be
	// towns too ("Jackson", "Madison").
	if c.counts[cCity] > 0 && !named("state") {
		people := share(cNameFull) + share(cNameFirst) + share(cNameLast) + share(cNameBoth)
		v := 0.9 * ramp(share(cCity), 0.6, 0.9)
		switch {
		case len(c.places) < 5 || people >= 0.5 && share(cCity) < people+0.3:
			v = 0
		case len(c.places) < 12:
			v = min(v, 0.5)
		}
		if v >= possibleThreshold {
			// Weaker evidence would only dilute a column name's.
			addValue("city", v, share(cCity), cCity, "", true)
		}
	}

	// Person names.
	nameTyp, nameConf := c.nameCandidate(n)
	if nameConf > 0 {
		hits := cnt(cNameFull) + cnt(cNameFirst) + cnt(cNameLast) + cnt(cNameBoth) + 0.5*cnt(cNamePartial)
		k := cNameFull
		for _, kk := range []int{cNameFull, cNameLast, cNameFirst, cNameBoth, cNamePartial} {
			if c.counts[kk] > c.counts[k] {
				k = kk
			}
		}
		addValue(nameTyp, nameConf, hits/n, k, "", true)
	}

	// Dates.
	out = append(out, c.dateCandidates(n)...)

	// Ages over the limit.
	if col.age && !col.ageNotYears {
		switch {
		case c.counts[cAgeOver] > 0 && share(cAgeRange) >= 0.8:
			out = append(out, candidate{typ: "age_over_89", conf: 0.85, ev: []Evidence{{Check: "age",
				Type: "age_over_89", Share: round3(share(cAgeOver)),
				Detail: fmt.Sprintf("ages above %d", c.cfg.ageLimit)}}})
		case c.nonNull == 0:
			out = append(out, candidate{typ: "age_over_89", conf: 0.4, ev: []Evidence{{Check: "name",
				Type: "age_over_89", Share: 1, Detail: "age column without values to check"}}})
		}
	}

	// Small cells in counts.
	// A count on a row of one patient's data (how many exposures, how
	// many statements) is that patient's, not a small cell of an
	// aggregate of patients.
	if col.count && !c.ctx.linked && c.allNumeric && c.counts[cSmall] > 0 && c.counts[cDecimal] == 0 && c.counts[cNegative] == 0 {
		out = append(out, candidate{typ: "small_cell", conf: 0.5, ev: []Evidence{{Check: "small_cell",
			Type: "small_cell", Share: round3(share(cSmall)), Detail: "counts from 1 to 5"}}})
	}

	// Free text.
	if c.counts[cTextHit] > 0 {
		out = append(out, c.textCandidate())
	}

	// Identifiers of unknown kind: a cryptic column of fixed-width
	// numbers or letter-and-digit codes that are not a sequence may be
	// record numbers.
	known := false
	for _, cd := range out {
		known = known || cd.conf >= possibleThreshold
	}
	if col.cryptic && n > 0 && !dense && c.counts[cDecimal] == 0 && c.counts[cNegative] == 0 && !known {
		ids := cnt(cIDShape) + cnt(cInt)
		if ids/n >= 0.9 && c.minLen >= 6 && (c.minLen == c.maxLen || cnt(cIDShape) >= 0.9*n) {
			conf := 0.45
			// Fixed-width numbers, many of them different and not in
			// sequence, are what record, member and account numbers
			// look like; codes repeat and keys count up.
			distinct := len(c.distinct)
			if c.minLen == c.maxLen && c.minLen >= 7 && c.counts[cLetters] == 0 && ids >= 20 &&
				distinct >= 30 && (distinct >= maxDistinct || float64(distinct) >= 0.1*ids) {
				conf = 0.66
			}
			out = append(out, candidate{typ: "mrn", conf: conf, soft: true, ev: []Evidence{{Check: "value",
				Type: "mrn", Share: round3(ids / n), Detail: "identifier-shaped values (" + c.example + ")"}}})
		}
	}

	if cd, ok := c.recordNumberCandidate(n, known); ok {
		out = append(out, cd)
	}

	out = c.combineName(out, n)

	// An organisation's address and phone, and a reference list of
	// places, are about no person.
	var removed []candidate
	if (c.ctx.org || c.ctx.ref && c.ctx.geo) && !c.ctx.person {
		out = slices.DeleteFunc(out, func(cd candidate) bool {
			switch cd.typ {
			case "address", "city", "zip", "phone", "fax", "email", "url":
				removed = append(removed, cd)
				return true
			case "npi":
				// An organisation's NPI (type 2), not a clinician's.
				if c.ctx.org && !c.ctx.staff {
					removed = append(removed, cd)
					return true
				}
			}
			return false
		})
	}
	// A town in a table of counts names a group of patients, not where
	// one lives.
	if c.ctx.aggregate && !c.ctx.person && !c.ctx.linked {
		out = slices.DeleteFunc(out, func(cd candidate) bool {
			if cd.typ == "city" && cd.ev[0].Check == "value" {
				removed = append(removed, cd)
				return true
			}
			return false
		})
	}
	if (c.ctx.ref || c.ctx.drug) && !c.ctx.person {
		out = slices.DeleteFunc(out, func(cd candidate) bool {
			if cd.typ == "url" {
				removed = append(removed, cd)
				return true
			}
			return false
		})
	}
	return out, removed
}

// nameCandidate judges whether the values are people's names.
func (c *Classifier) nameCandidate(n float64) (string, float64) {
	if n == 0 {
		return "", 0
	}
	cnt := func(k int) float64 { return float64(c.counts[k]) }
	full, first, last, both := cnt(cNameFull), cnt(cNameFirst), cnt(cNameLast), cnt(cNameBoth)
	hits := full + first + last + both + 0.5*cnt(cNamePartial)
	if hits == 0 {
		return "", 0
	}
	shaped := hits + 0.5*cnt(cNamePartial) + cnt(cNameCommon) + cnt(cNameShape)
	distinct := float64(len(c.distinct))
	// A categorical column: few distinct single words, many repeats
	// ("White", "Black"). Full names repeat too (a handful of attending
	// physicians), but a category is rarely a given name and a surname.
	if distinct < 30 && distinct*3 < shaped && full < 0.5*hits {
		return "", 0
	}
	if cnt(cNameOrg)/n >= 0.2 {
		return "", 0
	}
	hs := hits / n
	col := c.col
	personNamed := col.typ == "first_name" || col.typ == "last_name" || col.typ == "name" && col.strength >= strongTerm
	// Names from a diverse population are often missing from the lists:
	// a column where nearly every value is name-shaped and most are
	// different needs fewer of them on the lists.
	diverse := shaped >= 0.8*n && (distinct >= maxDistinct || distinct >= 0.5*shaped)
	var v float64
	switch {
	case personNamed:
		v = 0.85 * ramp(hs, 0.1, 0.4)
	case diverse:
		v = 0.85 * ramp(hs, 0.15, 0.35)
	case col.typ == "name" || col.related:
		// A related person's column ("contact_relationship") holds
		// their name as often as the relationship.
		v = 0.85 * ramp(hs, 0.25, 0.5)
	default:
		v = 0.85 * ramp(hs, 0.35, 0.6)
	}
	if full >= 0.5*hits {
		v = min(0.95, v*1.1)
	}
	nonPerson := col.nonPersonName || (c.ctx.drug || c.ctx.org) && !col.personName && !personNamed
	if nonPerson && (hs < 0.7 || full < 0.5*hits) {
		return "", 0
	}
	typ := "name"
	switch {
	case col.typ == "first_name" || col.typ == "last_name":
		typ = col.typ
	case full >= 0.4*hits:
	case first >= 2*last && first > 0:
		typ = "first_name"
	case last >= 2*first && last > 0:
		typ = "last_name"
	}
	return typ, v
}

// dateStrength says how strongly the column name and the table make the
// column's dates PHI, and as which type. Dates are PHI when they are about
// a person: births, deaths, admissions, services; coverage dates on a
// member's row; any date on a patient's row that the name does not mark
// as book-keeping. They are not PHI when the name marks them as
// book-keeping (created, updated, load), on reference and code tables,
// and in logs of system events.
func (c *Classifier) dateStrength() (typ string, s float64) {
	col, ctx := c.col, c.ctx
	// Staff tables are about people, but their dates are not patients'.
	people := ctx.person && !ctx.log && !ctx.staff
	switch {
	case col.refDate && col.lifecycle && people:
		// A record timestamp of a patient's row dates the patient's
		// record (docs/SCAN.md, record timestamps).
		return "date", 0.7
	case col.refDate && col.lifecycle && ctx.log && ctx.linked:
		return "date", weakTerm
	case col.refDate, col.productDate:
		return "", 0
	case col.typ == "birth_date" || col.typ == "death_date":
		return col.typ, max(col.strength, strongTerm)
	case col.eventDate:
		return "date", strongTerm
	case col.validityDate && col.expiry && (ctx.drug || ctx.product):
		// A lot's or a product's expiry, on a row that lists lots.
		return "", 0
	case col.validityDate:
		switch {
		case people:
			return "date", 0.7
		case ctx.log && ctx.linked:
			return "date", weakTerm
		}
		return "", 0
	case ctx.log && ctx.linked:
		// A log linked to a patient: lowered, not silenced.
		return "date", weakTerm
	case ctx.log || ctx.ref && !ctx.person || ctx.org && !ctx.person || ctx.staff:
		return "", 0
	case people || col.cryptic:
		return "date", 0.7
	}
	return "date", weakTerm
}

// dateCandidates judges date values.
func (c *Classifier) dateCandidates(n float64) []candidate {
	cnt := func(k int) float64 { return float64(c.counts[k]) }
	col := c.col
	typ, strength := c.dateStrength()
	dateNamed := col.typ == "birth_date" || col.typ == "death_date" || col.typ == "date"
	dated := cnt(cDate) + cnt(cDatePartial) + cnt(cDateSerial)
	if dateNamed || n > 0 && cnt(cDateInt)/n >= 0.8 {
		dated += cnt(cDateInt)
	}
	var out []candidate
	if n > 0 && dated > 0 && strength > 0 {
		ds := dated / n
		k := cDate
		for _, kk := range []int{cDateInt, cDateSerial, cDatePartial} {
			if c.counts[kk] > c.counts[k] {
				k = kk
			}
		}
		birth := typ == "birth_date"
		if !dateNamed && cnt(cDateOld30) >= 0.3*dated {
			// Unnamed dates reaching decades back are mostly births.
			typ, birth = "birth_date", true
		}
		conf := 0.4 * ramp(ds, 0.3, 0.8)
		if !dateNamed {
			conf = strength * ramp(ds, 0.3, 0.8)
		}
		out = append(out, candidate{typ: typ, conf: conf, soft: true, ev: []Evidence{{Check: "value",
			Type: typ, Share: round3(ds), Detail: c.masks[k]}}})
		if birth && c.counts[cDateOld] > 0 {
			out = append(out, candidate{typ: "age_over_89", conf: 0.9, ev: []Evidence{{Check: "date_age",
				Type: "age_over_89", Share: round3(cnt(cDateOld) / dated),
				Detail: fmt.Sprintf("birth dates implying an age above %d", c.cfg.ageLimit)}}})
		}
	}
	if col.birthYear && c.counts[cYearOld] > 0 {
		out = append(out, candidate{typ: "age_over_89", conf: 0.9, ev: []Evidence{{Check: "date_age",
			Type: "age_over_89", Share: round3(cnt(cYearOld) / max(cnt(cYear), 1)),
			Detail: fmt.Sprintf("birth years implying an age above %d", c.cfg.ageLimit)}}})
	}
	return out
}

// textCandidate judges a free-text column by the identifiers its rows
// embed.
func (c *Classifier) textCandidate() candidate {
	rows := float64(max(c.counts[cText], 1))
	hits := float64(c.counts[cTextHit])
	sh := hits / rows
	var conf float64
	switch {
	case hits >= 2 && sh >= 0.01:
		conf = 0.9
	case hits >= 2:
		conf = 0.6
	case rows <= 20:
		conf = 0.7
	default:
		conf = 0.5
	}
	if c.counts[cTextStrong] == 0 {
		conf *= 0.9
	}
	cd := candidate{typ: "free_text", conf: conf}
	order := make([]int, 0, thCount)
	for t := 0; t < thCount; t++ {
		if c.textCounts[t] > 0 {
			order = append(order, t)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(c.textCounts[b] - c.textCounts[a]) })
	for _, t := range order {
		cd.ev = append(cd.ev, Evidence{Check: "free_text", Type: textHitTypes[t],
			Share: round3(float64(c.textCounts[t]) / rows), Detail: c.textMasks[t]})
	}
	return cd
}

// compat is the share of values whose shape fits a type, for judging a
// column name against values that no detector validated.
func (c *Classifier) compat(typ string, n float64) float64 {
	if n == 0 {
		return 0
	}
	cnt := func(ks ...int) float64 {
		s := 0.0
		for _, k := range ks {
			s += float64(c.counts[k])
		}
		return s
	}
	var x float64
	switch typ {
	case "ssn":
		x = cnt(cSSNFmt, cSSNFmtBad, cSSNPlain, cSSNPlainBad, cSSNShort, cSSNLast4)
	case "mrn", "account", "device_id", "dea", "mbi", "npi", "credit_card":
		x = cnt(cIDShape, cMRN, cDEA, cMBI, cCard) + cnt(cInt)
	case "first_name", "last_name", "name":
		x = cnt(cNameFull, cNameFirst, cNameLast, cNameBoth, cNamePartial, cNameCommon, cNameShape)
		if middleNameTerms[c.col.term] && c.maxLen <= 2 {
			// Middle initials: a letter, maybe with a dot.
			x = cnt(cLetters)
		}
	case "phone", "fax":
		x = cnt(cPhoneFmt, cPhoneFmtBad, cPhonePlain, cPhonePlainBad, cPhoneShape)
	case "email":
		x = cnt(cAt)
	case "zip":
		x = cnt(cZIP5, cZIP5Bad, cZIP4, cZIPShort)
	case "address", "city", "employer":
		x = cnt(cLetters)
	case "birth_date", "death_date", "date":
		x = cnt(cDate, cDatePartial, cDateInt, cDateSerial)
	case "ip":
		x = cnt(cIP)
	case "url":
		x = cnt(cURLID)
	case "free_text":
		x = cnt(cText, cLetters)
	default:
		x = n
	}
	return min(1, x/n)
}

// combineName merges the column-name evidence into the value candidates.
// Value evidence weighs more: a strong name term alone makes a column
// PHI only when the values fit its shape, and values that contradict it
// leave it possible.
func (c *Classifier) combineName(out []candidate, n float64) []candidate {
	col := c.col
	if col.typ == "" || col.strength == 0 {
		return out
	}
	typ, s := col.typ, col.strength
	if col.zip3 {
		s = weakTerm // ZIP3 is allowed by safe harbor unless restricted
	}
	isDate := typ == "date" || typ == "birth_date" || typ == "death_date"
	if isDate && n > 0 && float64(c.counts[cTimeOfDay]) >= 0.9*n {
		// Clock times without a day ("pc_start_time" = "09:30:00")
		// date nothing: a time of day is not an element of a date.
		return out
	}
	if isDate {
		if typ, s = c.dateStrength(); s == 0 {
			return out
		}
	}
	if c.surrogateLink() {
		// A key to the person row, counting up: the record number is
		// elsewhere.
		return out
	}
	nameEv := Evidence{Check: "name", Type: typ, Share: 1, Detail: fmt.Sprintf("column name term %q", col.term)}

	// Soft value evidence of another type yields to the name.
	if s >= strongTerm {
		out = slices.DeleteFunc(out, func(cd candidate) bool {
			return cd.soft && cd.typ != typ && !(typ == "name" && (cd.typ == "first_name" || cd.typ == "last_name")) &&
				!(isDate && cd.typ == "date")
		})
	}
	var conf float64
	var valueEv []Evidence
	idx := -1
	for i, cd := range out {
		if cd.typ == typ || isDate && cd.typ == "date" ||
			typ == "name" && (cd.typ == "first_name" || cd.typ == "last_name") {
			idx = i
			break
		}
	}
	switch {
	case col.geo && n > 0 && float64(c.counts[cCoord]) >= 0.8*n:
		// Coordinates precise to a street: a person's address when the
		// row is a person's, a place's otherwise.
		conf = s
		if c.ctx.person && !c.ctx.staff {
			conf = strongTerm
		}
		nameEv.Detail += "; coordinates"
	case isDate:
		ds := c.compat(typ, n)
		switch {
		case col.birthPart && n > 0 && float64(c.counts[cInt]) >= 0.8*n && c.counts[cAgeRange] == c.counts[cInt] &&
			c.min >= 1:
			// Months or days of birth: numbers from 1 to 31.
			conf = s
		case col.birthYear && c.counts[cYear] > 0 && float64(c.counts[cYear]) >= 0.8*n:
			// A year of birth alone is allowed; only old ages matter,
			// and the date_age candidate carries those.
			conf = 0
		case n == 0:
			conf = s * 0.9
		case ds >= 0.3:
			conf = min(1, s+0.15*ramp(ds, 0.3, 0.8))
		default:
			conf = s * 0.5
		}
		if idx >= 0 {
			valueEv = out[idx].ev
			for i := range valueEv {
				valueEv[i].Type = typ
			}
			out = slices.Delete(out, idx, idx+1)
		}
	case typ == "ip" && c.counts[cIPPrivate] > 0 && c.counts[cIPPrivate] >= c.counts[cIP]*9/10:
		conf = s * 0.55 // internal addresses: possible at most
		if idx >= 0 {
			valueEv = out[idx].ev
			out = slices.Delete(out, idx, idx+1)
		}
	case idx >= 0:
		v := out[idx].conf
		conf = v + (1-v)*s*0.7
		valueEv = out[idx].ev
		if out[idx].typ != typ && typ == "name" {
			typ = out[idx].typ
		}
		out = slices.Delete(out, idx, idx+1)
	case n == 0:
		conf = s * 0.9
	default:
		conf = s * (0.45 + 0.55*c.compat(typ, n))
	}
	if conf <= 0 {
		return out
	}
	return append(out, candidate{typ: typ, conf: conf, ev: append([]Evidence{nameEv}, valueEv...)})
}

// identifierLikeName reports whether a column name reads like an
// identifier ("pid", "member_no", "acctNbr", "patient_key").
func identifierLikeName(name string) bool {
	for _, t := range SplitColumnName(name) {
		switch t {
		case "id", "pid", "no", "num", "nbr", "number", "key", "code", "identifier", "uuid", "guid", "acct", "account":
			return true
		}
		if strings.HasSuffix(t, "id") && len(t) <= 6 {
			return true
		}
	}
	return false
}

// recordNumberCandidate judges a column of a table about patients whose
// values are record numbers of some kind though its name does not say
// so: OMOP's visit_source_value, specimen_source_id, family_source_value
// ("V2019-0012345", "S21-004512", "FAM0012345"). Every value mixes
// letters and digits in one token and nearly every row has its own: a
// unique identifying number of the patient's record (Safe Harbor (R)).
// Codes repeat, keys count up, UUIDs are random keys, and the lot and
// batch numbers of products are not the patient's.
func (c *Classifier) recordNumberCandidate(n float64, known bool) (candidate, bool) {
	col := c.col
	if known || n < 20 || col.typ != "" || col.code || !c.ctx.linked || c.ctx.staff || c.ctx.log ||
		c.counts[cUUID] > 0 || c.counts[cNumeric] > 0 || c.counts[cText] > 0 {
		return candidate{}, false
	}
	for _, t := range col.tokens {
		if productSiblings[t] {
			return candidate{}, false
		}
	}
	// Some random record numbers pass the check digit of a DEA or an
	// MBI by chance; a column of them all is judged by those detectors.
	ids := float64(c.counts[cIDShape] + c.counts[cDEA] + c.counts[cMBI])
	distinct := float64(len(c.distinct))
	// Digits alone ("12345678-12") are a key made of keys or a code
	// (an NDC); a record number of this kind carries letters.
	if ids < 0.95*n || float64(c.counts[cLetters]) < 0.9*n || c.minLen < 6 || distinct < 20 || distinct < 0.9*n && distinct < maxDistinct {
		return candidate{}, false
	}
	return candidate{typ: "account", conf: 0.66, soft: true, ev: []Evidence{{Check: "value", Type: "account",
		Share: round3(ids / n), Detail: "a distinct letter-and-digit number on nearly every row of a table about patients (" +
			c.example + ")"}}}, true
}

// middleNameTerms name a middle name, which is often an initial.
var middleNameTerms = wordSet("mname", "middle_name", "middle_nm", "name_middle", "nm_middle", "middle_initial",
	"mi", "middle")
