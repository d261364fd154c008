package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
)

// FileSink appends JSON lines to a file opened with O_APPEND: each record
// is one write(2) of its line and a newline, so concurrent writers of the
// same file never interleave within a line, and a record the call
// returned is in the operating system's hands (it survives the process
// crashing). It is fsynced after every checkpoint and on Close, and after
// every record when SyncEvery is set: without SyncEvery a power loss can
// lose the records since the last checkpoint, which Verify then reports as
// a log that ends after its last checkpoint.
type FileSink struct {
	// SyncEvery fsyncs after every record (slow: one fsync per operation).
	SyncEvery bool

	path string
	mu   sync.Mutex
	f    *os.File
	buf  []byte
}

// NewFileSink opens (or creates, mode 0600) the log file at path.
func NewFileSink(path string) (*FileSink, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("phicrypt: audit: %w", err)
	}
	return &FileSink{path: path, f: f}, nil
}

// Append writes line and a newline.
func (s *FileSink) Append(_ context.Context, _ *Record, line []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = append(append(s.buf[:0], line...), '\n')
	if _, err := s.f.Write(s.buf); err != nil {
		return err
	}
	if s.SyncEvery {
		return s.f.Sync()
	}
	return nil
}

// Sync fsyncs the file.
func (s *FileSink) Sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f.Sync()
}

// Close closes the file.
func (s *FileSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f.Close()
}

// Last reads the file's last line. A last line without its newline (a
// write cut short) is an error: the log needs repair before it is
// continued.
func (s *FileSink) Last(context.Context) (*Record, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("phicrypt: audit: %w", err)
	}
	defer f.Close()
	line, err := lastLine(f)
	if err != nil {
		return nil, fmt.Errorf("phicrypt: audit: %s: %w", s.path, err)
	}
	if line == nil {
		return nil, nil
	}
	var r Record
	if err := json.Unmarshal(line, &r); err != nil {
		return nil, fmt.Errorf("phicrypt: audit: %s: last record is malformed", s.path)
	}
	return &r, nil
}

// lastLine returns the last newline-terminated line of f, nil if f is
// empty.
func lastLine(f *os.File) ([]byte, error) {
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, err
	}
	if end == 0 {
		return nil, nil
	}
	var tail []byte
	pos := end
	for {
		n := int64(4096)
		if pos < n {
			n = pos
		}
		pos -= n
		chunk := make([]byte, n)
		if _, err := f.ReadAt(chunk, pos); err != nil {
			return nil, err
		}
		tail = append(chunk, tail...)
		if tail[len(tail)-1] != '\n' {
			return nil, fmt.Errorf("last line is incomplete")
		}
		if i := bytes.LastIndexByte(tail[:len(tail)-1], '\n'); i >= 0 {
			return tail[i+1 : len(tail)-1], nil
		}
		if pos == 0 {
			return tail[:len(tail)-1], nil
		}
	}
}
