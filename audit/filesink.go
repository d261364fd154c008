package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// FileSink appends JSON lines to a file opened with O_APPEND. Unbuffered
// (NewFileSink), each record is one write(2) of its line and a newline, so
// a record the call returned is in the operating system's hands: it
// survives the process crashing. Buffered (NewBufferedFileSink), lines
// collect in memory and are written at least every flush interval, at
// every checkpoint and on Close: a crash of the process loses at most the
// last interval's records, for a fraction of the cost per record. Either
// way the file is fsynced after every checkpoint and on Close, and after
// every record when SyncEvery is set (unbuffered only): otherwise a power
// loss can lose the records since the last checkpoint, which Verify then
// reports as a log that ends after its last checkpoint.
type FileSink struct {
	// SyncEvery fsyncs after every record (slow: one fsync per operation).
	SyncEvery bool

	path string
	mu   sync.Mutex
	f    *os.File
	buf  []byte
	// Buffered mode: w collects lines, the flusher goroutine writes them
	// every interval until stop closes; werr is the first write error.
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
	werr error
}

// NewBufferedFileSink opens the log file at path like NewFileSink, and
// writes the lines it is given at least every interval (> 0).
func NewBufferedFileSink(path string, interval time.Duration) (*FileSink, error) {
	if interval <= 0 {
		return nil, fmt.Errorf("phicrypt: audit: flush interval must be positive")
	}
	s, err := NewFileSink(path)
	if err != nil {
		return nil, err
	}
	s.w = bufio.NewWriterSize(s.f, 64<<10)
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go s.flusher(interval)
	return s, nil
}

func (s *FileSink) flusher(interval time.Duration) {
	defer close(s.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.mu.Lock()
			s.flush()
			s.mu.Unlock()
		}
	}
}

// flush writes the buffered lines; called with mu held.
func (s *FileSink) flush() error {
	if s.w == nil {
		return nil
	}
	if err := s.w.Flush(); err != nil && s.werr == nil {
		s.werr = err
	}
	return s.werr
}

// errLogInUse: another FileSink, in this process or another, holds the
// log. Two writers would each continue the chain from the same record
// and fork it.
var errLogInUse = errors.New("the log is open for writing elsewhere (one writer per log)")

// NewFileSink opens (or creates, mode 0600) the log file at path and
// locks it against other writers (flock(2) on Unix) until Close.
func NewFileSink(path string) (*FileSink, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("phicrypt: audit: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("phicrypt: audit: %s: %w", path, err)
	}
	return &FileSink{path: path, f: f}, nil
}

// Append writes line and a newline.
func (s *FileSink) Append(_ context.Context, _ *Record, line []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w != nil {
		if s.werr != nil {
			return s.werr
		}
		s.w.Write(line)
		return s.w.WriteByte('\n')
	}
	s.buf = append(append(s.buf[:0], line...), '\n')
	if _, err := s.f.Write(s.buf); err != nil {
		return err
	}
	if s.SyncEvery {
		return s.f.Sync()
	}
	return nil
}

// Sync writes the buffered lines and fsyncs the file.
func (s *FileSink) Sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.flush(); err != nil {
		return err
	}
	return s.f.Sync()
}

// Close writes the buffered lines and closes the file.
func (s *FileSink) Close() error {
	if s.stop != nil {
		select {
		case <-s.stop:
		default:
			close(s.stop)
		}
		<-s.done
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.flush(), s.f.Close())
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
