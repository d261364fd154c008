package linkage

import "testing"

func TestNYSIIS(t *testing.T) {
	cases := []struct{ in, want string }{
		// Names and codes of the jellyfish library's NYSIIS test list.
		{"Worthy", "WARTY"}, {"Ogata", "OGAT"}, {"montgomery", "MANTGANARY"},
		{"Costales", "CASTAL"}, {"Tu", "T"}, {"martincevic", "MARTANCAFAC"},
		{"Catherine", "CATARAN"}, {"Katherine", "CATARAN"}, {"Katerina", "CATARAN"},
		{"Johnathan", "JANATAN"}, {"Jonathan", "JANATAN"}, {"John", "JAN"},
		{"Teresa", "TARAS"}, {"Theresa", "TARAS"}, {"Jessica", "JASAC"},
		{"Joshua", "JAS"}, {"Bosch", "BAS"}, {"Lapher", "LAFAR"}, {"wiyh", "WY"},
		{"MacArthur", "MCARTAR"}, {"Pheenard", "FANAD"}, {"Schmittie", "SNATY"},
		{"Knaqze", "NAGS"}, {"Knokno", "NAN"}, {"Knoko", "NAC"}, {"Macaw", "MC"},
		{"T", "T"}, {"S", "S"}, {"P", "P"}, {"K", "C"}, {"M", "M"}, {"E", "E"},
		{"PFEISTER", "FASTAR"}, {"SARAH", "SAR"},
		// Own cases: no letters, punctuation, and W after a vowel (A, not the vowel).
		{"", ""}, {"--", ""}, {"O'Brien", "OBRAN"}, {"Lewis", "L"}, {"Bowen", "BAN"},
	}
	for _, c := range cases {
		if got := NYSIIS(c.in); got != c.want {
			t.Errorf("NYSIIS(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestNYSIISTypos shows what the phonetic key is for: common misspellings
// of a surname share its code.
func TestNYSIISTypos(t *testing.T) {
	for _, group := range [][]string{
		{"Smith", "Smitt", "Smithe"},
		{"Johnson", "Jonson", "Johnsen"},
		{"Catherine", "Katherin", "Katharine"},
	} {
		want := NYSIIS(group[0])
		for _, n := range group[1:] {
			if got := NYSIIS(n); got != want {
				t.Errorf("NYSIIS(%q) = %q, NYSIIS(%q) = %q", n, got, group[0], want)
			}
		}
	}
}
