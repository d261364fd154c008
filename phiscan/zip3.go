package phiscan

// RestrictedZIP3 reports whether p, a three-digit ZIP prefix (0 to 999),
// is one whose area held 20,000 people or fewer at the 2010 census: HIPAA
// safe harbor requires such prefixes to be reported as 000 (package export
// does). The list is the one the scanner judges ZIP columns by.
func RestrictedZIP3(p int) bool { return p >= 0 && p < len(zip3Restricted) && zip3Restricted[p] }
