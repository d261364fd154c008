package export

import (
	"bufio"
	"encoding/csv"
	"os"
	"path/filepath"
)

// csvFile writes one table's CSV file, buffered.
type csvFile struct {
	f   *os.File
	buf *bufio.Writer
	w   *csv.Writer
}

// createCSV creates dir/name.csv (mode 0600: it is still sensitive data).
func createCSV(dir, name string) (*csvFile, error) {
	f, err := os.OpenFile(filepath.Join(dir, name+".csv"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	buf := bufio.NewWriterSize(f, 256<<10)
	return &csvFile{f: f, buf: buf, w: csv.NewWriter(buf)}, nil
}

func (c *csvFile) write(rec []string) error { return c.w.Write(rec) }

// close flushes, syncs and closes the file.
func (c *csvFile) close() error {
	c.w.Flush()
	err := c.w.Error()
	if err == nil {
		err = c.buf.Flush()
	}
	if err == nil {
		err = c.f.Sync()
	}
	if cerr := c.f.Close(); err == nil {
		err = cerr
	}
	return err
}
