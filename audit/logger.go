package audit

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/phicrypt/phicrypt/keyprovider"
)

// Sink stores records. The Logger calls Append with its lock held, one
// record at a time in seq order.
type Sink interface {
	// Append stores one record; line is its log line (Record.Line,
	// without a newline), valid only during the call.
	Append(ctx context.Context, r *Record, line []byte) error
	// Last returns the last record stored, nil if there is none.
	Last(ctx context.Context) (*Record, error)
	// Close releases the sink.
	Close() error
}

// Syncer is a Sink that can make what it stored durable; the Logger
// calls Sync after every checkpoint and on Close.
type Syncer interface {
	Sync() error
}

// Options configure a Logger.
type Options struct {
	// KEK authenticates the checkpoints. Without one the Logger writes
	// no checkpoints.
	KEK keyprovider.KEK
	// CheckpointEvery writes a checkpoint after that many records (0:
	// only on Close).
	CheckpointEvery int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// FlushInterval, for OpenFile only: 0 writes each record to the file
	// as it is logged; > 0 buffers the lines and writes them at least
	// that often (NewBufferedFileSink).
	FlushInterval time.Duration
}

// Logger assigns sequence numbers, chains the records and writes them to
// its sink. It is safe for concurrent use.
type Logger struct {
	sink Sink
	opts Options

	mu     sync.Mutex
	seq    int64
	head   string // hash of the last record
	since  int    // records since the last checkpoint
	buf    []byte // the line being written, reused
	closed bool
}

// ErrClosed is returned by Log after Close.
var ErrClosed = errors.New("phicrypt: audit: logger closed")

// New returns a Logger writing to sink, continuing the chain of the last
// record the sink holds.
func New(ctx context.Context, sink Sink, opts Options) (*Logger, error) {
	if sink == nil {
		return nil, errors.New("phicrypt: audit: New needs a sink")
	}
	if opts.CheckpointEvery < 0 {
		return nil, errors.New("phicrypt: audit: CheckpointEvery must not be negative")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	l := &Logger{sink: sink, opts: opts, head: GenesisPrev}
	last, err := sink.Last(ctx)
	if err != nil {
		return nil, err
	}
	if last != nil {
		if last.Seq <= 0 || len(last.Hash) != 64 {
			return nil, errors.New("phicrypt: audit: the last record of the sink has no seq or hash")
		}
		l.seq, l.head = last.Seq, last.Hash
		if last.Op != OpCheckpoint {
			l.since = 1
		}
	}
	return l, nil
}

// OpenFile returns a Logger appending JSON lines to the file at path
// (created 0600 if missing), continuing its chain.
func OpenFile(ctx context.Context, path string, opts Options) (*Logger, error) {
	var s *FileSink
	var err error
	if opts.FlushInterval > 0 {
		s, err = NewBufferedFileSink(path, opts.FlushInterval)
	} else {
		s, err = NewFileSink(path)
	}
	if err != nil {
		return nil, err
	}
	l, err := New(ctx, s, opts)
	if err != nil {
		s.Close()
		return nil, err
	}
	return l, nil
}

// Head returns the seq and hash of the last record written.
func (l *Logger) Head() (int64, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seq, l.head
}

// Log appends r, setting its Seq, Time (if zero), Prev and Hash; the
// caller fills in the rest. It returns the record as written.
func (l *Logger) Log(ctx context.Context, r Record) (Record, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return Record{}, ErrClosed
	}
	if r.Op == OpCheckpoint {
		return Record{}, errors.New("phicrypt: audit: checkpoints are written by the Logger")
	}
	r.Checkpoint = ""
	if err := l.append(ctx, &r); err != nil {
		return Record{}, err
	}
	l.since++
	if l.opts.KEK != nil && l.opts.CheckpointEvery > 0 && l.since >= l.opts.CheckpointEvery {
		if err := l.checkpoint(ctx); err != nil {
			return r, err
		}
	}
	return r, nil
}

// Checkpoint writes a checkpoint now (it needs Options.KEK).
func (l *Logger) Checkpoint(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	if l.opts.KEK == nil {
		return errors.New("phicrypt: audit: checkpoints need a KEK")
	}
	return l.checkpoint(ctx)
}

// Close writes a final checkpoint if records were written since the last
// one (and there is a KEK), syncs and closes the sink.
func (l *Logger) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	var err error
	if l.opts.KEK != nil && l.since > 0 {
		err = l.checkpoint(context.Background())
	}
	if s, ok := l.sink.(Syncer); ok {
		err = errors.Join(err, s.Sync())
	}
	return errors.Join(err, l.sink.Close())
}

func (l *Logger) checkpoint(ctx context.Context) error {
	head, err := hex.DecodeString(l.head)
	if err != nil {
		return fmt.Errorf("phicrypt: audit: chain head: %w", err)
	}
	w, err := l.opts.KEK.Wrap(ctx, head, checkpointAD(l.seq+1))
	if err != nil {
		return fmt.Errorf("phicrypt: audit: checkpoint: %w", err)
	}
	r := Record{Op: OpCheckpoint, Outcome: OutcomeOK, Checkpoint: base64.StdEncoding.EncodeToString(w)}
	if err := l.append(ctx, &r); err != nil {
		return err
	}
	l.since = 0
	if s, ok := l.sink.(Syncer); ok {
		if err := s.Sync(); err != nil {
			return fmt.Errorf("phicrypt: audit: sync: %w", err)
		}
	}
	return nil
}

// append chains r after the head and writes it; called with mu held.
func (l *Logger) append(ctx context.Context, r *Record) error {
	r.Seq = l.seq + 1
	if r.Time == "" {
		r.Time = l.opts.Now().UTC().Format(time.RFC3339Nano)
	}
	r.Prev = l.head
	r.Hash = ""
	// The line is the canonical encoding with the hash as last field,
	// built in a buffer the Logger reuses (sinks copy what they keep).
	canon := appendRecord(l.buf[:0], r, false)
	sum := sha256.Sum256(canon)
	r.Hash = hex.EncodeToString(sum[:])
	line := append(canon[:len(canon)-1], `,"hash":"`...)
	line = append(line, r.Hash...)
	line = append(line, `"}`...)
	l.buf = line
	if err := l.sink.Append(ctx, r, line); err != nil {
		if isPhicrypt(err) {
			return err
		}
		return fmt.Errorf("phicrypt: audit: write: %w", err)
	}
	l.seq, l.head = r.Seq, r.Hash
	return nil
}

func isPhicrypt(err error) bool {
	s := err.Error()
	return len(s) >= 9 && s[:9] == "phicrypt:"
}
