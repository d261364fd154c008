package export

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"
)

// ManifestFile is the name of the manifest in the export directory.
const ManifestFile = "manifest.json"

// Manifest describes an export: DIR/manifest.json (docs/EXPORT.md §4).
type Manifest struct {
	Version   int             `json:"version"`
	CreatedAt time.Time       `json:"created_at"`
	Profile   ManifestProfile `json:"profile"`
	// PatientTable is the table whose key became the study id.
	PatientTable string          `json:"patient_table,omitempty"`
	Tables       []ManifestTable `json:"tables"`
	Gate         *GateReport     `json:"gate"`
}

// ManifestProfile names the profile an export followed.
type ManifestProfile struct {
	Name        string `json:"name"`
	Source      string `json:"source"`
	Description string `json:"description,omitempty"`
	AgeLimit    int    `json:"age_limit"`
	// Reference is the reference date of day counts, when a column has
	// the days action.
	Reference string `json:"reference,omitempty"`
}

// ManifestTable is one exported table.
type ManifestTable struct {
	Name    string       `json:"name"`
	File    string       `json:"file"`
	Rows    int64        `json:"rows"`
	Columns []ColumnPlan `json:"columns"`
}

// write writes the manifest into dir.
func (m *Manifest) write(dir string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ManifestFile), append(b, '\n'), 0o600)
}
