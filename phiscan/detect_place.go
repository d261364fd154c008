package phiscan

import (
	"strings"
)

// The place list holds the names of US populated places of 1,000 people
// or more (GeoNames, CC BY 4.0; see internal/placesgen), folded as
// placeKey folds values. A city is a geographic subdivision smaller than a
// state, one of Safe Harbor's identifiers; a column of them under a name
// such as "v10" or "COL_009" is found by its values alone.
var placeSet map[string]struct{}

// loadPlaces reads the embedded list; loadWords calls it.
func loadPlaces() {
	b, err := dataFS.ReadFile("data/us_places.txt")
	if err != nil {
		panic("phiscan: embedded place list: " + err.Error())
	}
	m := make(map[string]struct{}, 12500)
	for line := range strings.Lines(string(b)) {
		if w := strings.TrimSpace(line); w != "" && w[0] != '#' {
			m[w] = struct{}{}
		}
	}
	placeSet = m
}

// maxPlaceLen is the longest folded place name on the list.
const maxPlaceLen = 32

// placeName reports whether v names a US place: "Des Moines", "ST. LOUIS",
// "Winston-Salem", "Springfield, IL". Country and state names are not on
// the list.
func placeName(v string) bool {
	if city, st, ok := strings.Cut(v, ","); ok {
		st = strings.TrimSpace(st)
		if len(st) != 2 || lookupWord(st)&wState == 0 {
			return false
		}
		v = city
	}
	var buf [maxPlaceLen]byte
	k, ok := placeKey(v, &buf)
	if !ok {
		return false
	}
	_, found := placeSet[string(k)]
	return found
}

// placeKey folds v into buf the way the list is folded: lower case,
// Latin-1 accents and full stops dropped, hyphens as spaces, one space
// between words. It fails on anything but letters and those marks, and
// on names longer than the longest on the list.
func placeKey(v string, buf *[maxPlaceLen]byte) ([]byte, bool) {
	n := 0
	space := true // no leading space
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == 0xC3 && i+1 < len(v) && v[i+1] >= 0x80 && v[i+1] <= 0xBF:
			if c = latin1Base[v[i+1]-0x80]; c == 0 {
				return nil, false
			}
			i++
		case c == '.' || c == '\'':
			continue
		case c == ' ' || c == '-' || c == '\t':
			if !space {
				if n == len(buf) {
					return nil, false
				}
				buf[n] = ' '
				n++
				space = true
			}
			continue
		case !isAlpha(c):
			return nil, false
		}
		if n == len(buf) {
			return nil, false
		}
		buf[n] = lower(c)
		n++
		space = false
	}
	if n > 0 && buf[n-1] == ' ' {
		n--
	}
	return buf[:n], n > 0
}
