package main

import "time"

// Result is one run of the suite on one database at one table size: an
// element of results.json.
type Result struct {
	// DB is the dialect: "sqlite", "postgres" or "mysql".
	DB string `json:"db"`
	// DBVersion is what the server (or SQLite library) reports.
	DBVersion string `json:"db_version"`
	Rows      int    `json:"rows"`
	// Queries is the number of queries per kind.
	Queries int    `json:"queries"`
	Seed    uint64 `json:"seed"`
	// Kinds are the query kinds by name: eq_ssn, eq_compound, prefix3,
	// prefix5, contains.
	Kinds   map[string]*Kind `json:"kinds"`
	Insert  Insert           `json:"insert"`
	Storage Storage          `json:"storage"`
	// KMSCalls is the number of key-service calls of the whole run
	// (counted by the local KMS server); Keysets the number of keysets
	// the schemas hold, which KMSCalls should not exceed.
	KMSCalls int `json:"kms_calls"`
	Keysets  int `json:"keysets"`
	// KMSTTLSeconds is how long the keyring keeps an unwrapped keyset
	// before it unwraps it again (cipher.DefaultTTL): a run longer than
	// that makes about one more call per keyset in use per period.
	KMSTTLSeconds float64 `json:"kms_ttl_s"`
	Machine       Machine `json:"machine"`
	// Started is when the run began; Seconds how long it took.
	Started time.Time `json:"started"`
	Seconds float64   `json:"seconds"`
}

// Kind is the latency of one query kind, end to end (query, fetch,
// decrypt, drop false positives), in microseconds. Plaintext and phicrypt
// queries are interleaved in one loop.
type Kind struct {
	PlainP50US    float64 `json:"plain_p50_us"`
	PlainP95US    float64 `json:"plain_p95_us"`
	PlainP99US    float64 `json:"plain_p99_us"`
	PhicryptP50US float64 `json:"phicrypt_p50_us"`
	PhicryptP95US float64 `json:"phicrypt_p95_us"`
	PhicryptP99US float64 `json:"phicrypt_p99_us"`
	// RatioP50 is PhicryptP50US / PlainP50US; RatioP99 the same at p99.
	RatioP50 float64 `json:"ratio_p50"`
	RatioP99 float64 `json:"ratio_p99"`
	Queries  int     `json:"queries"`
	// Misses is how many of the queries' needles match no row.
	Misses int `json:"misses"`
	// RowsPerQuery is the mean number of rows a query returned (the same
	// for plaintext and phicrypt: the run checks that they agree).
	RowsPerQuery float64 `json:"rows_per_query"`
	// Alternatives are other configurations measured in the same loop:
	// "naive" (decrypt every row and filter in Go, at <= 100,000 rows),
	// "cipherstash" (trigram Bloom filter m=2048 k=6, smallint[] with
	// GIN, PostgreSQL), "plain_trgm" (plaintext LIKE with a pg_trgm GIN
	// index, PostgreSQL).
	Alternatives map[string]*Alt `json:"alternatives,omitempty"`
}

// Alt is the latency of an alternative configuration of a query kind.
type Alt struct {
	P50US float64 `json:"p50_us"`
	P95US float64 `json:"p95_us"`
	P99US float64 `json:"p99_us"`
	// RatioP50 is P50US over the plaintext p50 of the same kind.
	RatioP50 float64 `json:"ratio_p50"`
	// Queries is how many queries were timed (the naive baseline runs
	// fewer than the other configurations).
	Queries int `json:"queries"`
}

// Insert is batched insert throughput.
type Insert struct {
	PlainRowsS    float64 `json:"plain_rows_s"`
	PhicryptRowsS float64 `json:"phicrypt_rows_s"`
	// Ratio is PhicryptRowsS / PlainRowsS.
	Ratio float64 `json:"ratio"`
	// Batch is the number of rows per transaction.
	Batch int `json:"batch"`
}

// Storage is bytes per row, table and indexes (and, for phicrypt, the
// side tables and full-text tables of its indexes).
type Storage struct {
	PlainBytesPerRow    float64 `json:"plain_bytes_per_row"`
	PhicryptBytesPerRow float64 `json:"phicrypt_bytes_per_row"`
	Ratio               float64 `json:"ratio"`
	// CipherstashBytesPerRow is the CipherStash-style configuration's
	// table (PostgreSQL only).
	CipherstashBytesPerRow float64 `json:"cipherstash_bytes_per_row,omitempty"`
}

// Machine is where the run happened.
type Machine struct {
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpu_model"`
	MemoryGiB int    `json:"memory_gib"`
}

// KindNames are the query kinds in the order reports list them.
var KindNames = []string{"eq_ssn", "eq_compound", "prefix3", "prefix5", "contains"}
