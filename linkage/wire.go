package linkage

// The evaluator's HTTP interface (docs/FORMAT.md, "Linkage tokens"):
//
//	POST /v1/evaluate
//	Authorization: Bearer TOKEN
//	Content-Type: application/json
//	{"suite": "ristretto255-SHA512", "elements": ["<base64 of 32 bytes>", ...]}
//
//	200 {"suite": "ristretto255-SHA512", "elements": ["<base64>", ...]}
//	4xx/5xx {"error": "<reason>"}, on 413 with "max_batch": N
//
// Elements are standard base64 with padding, in request order.

// EvaluatePath is the evaluator's one endpoint.
const EvaluatePath = "/v1/evaluate"

type evalRequest struct {
	Suite    string   `json:"suite"`
	Elements [][]byte `json:"elements"`
}

type evalResponse struct {
	Suite    string   `json:"suite"`
	Elements [][]byte `json:"elements"`
}

type errorResponse struct {
	Error string `json:"error"`
	// MaxBatch, on a 413, is the most elements a request may carry.
	MaxBatch int `json:"max_batch,omitempty"`
}

// elementJSONSize bounds the JSON size of one element: 44 base64
// characters, two quotes and a comma.
const elementJSONSize = 47
