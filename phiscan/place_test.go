package phiscan

import (
	"slices"
	"strings"
	"testing"
)

func TestPlaceName(t *testing.T) {
	wordsOnce.Do(loadWords)
	for _, v := range []string{"Boston", "KALAMAZOO", "Winston-Salem", "St. Louis", "ST LOUIS", "Saint Louis",
		"Coeur d'Alene", "Cañon City", "san  antonio", "Springfield, IL", "Des Moines"} {
		if !placeName(v) {
			t.Errorf("placeName(%q) = false, want a place", v)
		}
	}
	for _, v := range []string{"", "Texas", "Washington", "New York, ZZ", "Mexico", "France", "Boston1",
		"Smithfieldtonburgh", "Diabetes", strings.Repeat("a", 40)} {
		if placeName(v) {
			t.Errorf("placeName(%q) = true, want not a place", v)
		}
	}
}

// TestCityValues checks that a column of towns is found by its values
// whatever its name, and that names, states and a few categories that
// happen to be towns are not.
func TestCityValues(t *testing.T) {
	g := newGen(31)
	towns := []string{"Boston", "Chicago", "Kalamazoo", "Winston-Salem", "St. Louis", "Coeur d'Alene", "Tallahassee",
		"Bakersfield", "Ann Arbor", "Green Bay", "Chattanooga", "Spokane", "Syracuse", "Lansing", "Amarillo",
		"Pensacola", "Baton Rouge", "Fort Wayne", "Cedar Rapids", "Rochester", "Evansville", "Waco"}
	cities := g.values(300, func(int) string { return g.pick(towns...) })
	upper := g.values(300, func(int) string { return strings.ToUpper(g.pick(towns...)) })
	t.Run("cryptic column of towns", func(t *testing.T) {
		wantVerdict(t, classify("v10", []string{"v1", "v2", "v9", "v10", "v11"}, cities), VerdictPHI, "city")
		wantVerdict(t, classify("COL_009", []string{"COL_001", "COL_009"}, upper), VerdictPHI, "city")
	})
	t.Run("named column keeps its verdict", func(t *testing.T) {
		wantVerdict(t, classify("city", []string{"patient_id", "city"}, cities), VerdictPHI, "city")
	})
	t.Run("surnames that are also towns", func(t *testing.T) {
		both := []string{"Jackson", "Madison", "Lincoln", "Franklin", "Clinton", "Austin", "Houston", "Warren", "Marion"}
		vals := g.values(300, func(i int) string {
			if i%2 == 0 {
				return g.pick(both...)
			}
			return g.last()
		})
		r := classify("c7", nil, vals)
		if r.Verdict == VerdictNone || slices.Contains(r.Types, "city") {
			t.Errorf("surnames: verdict %s %v, want a name\n%s", r.Verdict, r.Types, describe(r))
		}
	})
	t.Run("state names", func(t *testing.T) {
		states := g.values(300, func(int) string { return g.pick("Texas", "Ohio", "Washington", "Nevada", "Iowa", "Maine") })
		wantVerdict(t, classify("c3", nil, states), VerdictNone)
	})
	t.Run("a few categories", func(t *testing.T) {
		cats := g.values(300, func(int) string { return g.pick("Normal", "Mobile", "Normal", "Normal") })
		wantVerdict(t, classify("result_flag", nil, cats), VerdictNone)
	})
	t.Run("town of a cell of counts", func(t *testing.T) {
		cols := []string{"region", "age_band", "diagnosis_group", "year", "n"}
		r := classify("region", cols, cities)
		wantVerdict(t, r, VerdictNone)
		found := false
		for _, ev := range r.Evidence {
			found = found || ev.Check == "context" && strings.Contains(ev.Detail, "table of counts")
		}
		if !found {
			t.Errorf("no context evidence for the table of counts\n%s", describe(r))
		}
	})
}
