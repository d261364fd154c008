package export

// SetParallelRows makes tables of n rows or more be read in key ranges,
// for the tests of package export_test; restore undoes it.
func SetParallelRows(n int64) (restore func()) {
	old := parallelRows
	parallelRows = n
	return func() { parallelRows = old }
}
