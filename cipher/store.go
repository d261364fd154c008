package cipher

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
)

// Store keeps wrapped keyset records. Implementations must be safe for
// concurrent use; the SQL store lives with the database wrapper.
type Store interface {
	// Get returns the record for scope and purpose, or ErrKeysetNotFound.
	Get(ctx context.Context, scope string, p Purpose) (*Record, error)
	// Put stores rec if the stored record's generation is prev (0: no
	// record yet), and fails with ErrConflict otherwise.
	Put(ctx context.Context, rec *Record, prev uint64) error
	// List returns every record.
	List(ctx context.Context) ([]*Record, error)
}

type recordKey struct {
	scope   string
	purpose Purpose
}

// recordMap holds encoded records; both stores keep their records in one
// and differ only in where the map lives and how it is locked.
type recordMap map[recordKey][]byte

func (m recordMap) get(scope string, p Purpose) (*Record, error) {
	b, ok := m[recordKey{scope, p}]
	if !ok {
		return nil, ErrKeysetNotFound
	}
	var r Record
	return &r, r.UnmarshalBinary(b)
}

// put stores rec if the stored generation is prev (see Store.Put).
func (m recordMap) put(rec *Record, prev uint64) error {
	b, err := rec.MarshalBinary()
	if err != nil {
		return err
	}
	k := recordKey{rec.Scope, rec.Purpose}
	if err := checkGeneration(m[k], prev); err != nil {
		return err
	}
	m[k] = b
	return nil
}

// MemStore is a Store in memory, for tests and short-lived tools.
type MemStore struct {
	mu      sync.Mutex
	records recordMap
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{records: recordMap{}} }

// Get implements Store.
func (s *MemStore) Get(_ context.Context, scope string, p Purpose) (*Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.records.get(scope, p)
}

// Put implements Store.
func (s *MemStore) Put(_ context.Context, rec *Record, prev uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.records.put(rec, prev)
}

// List implements Store.
func (s *MemStore) List(_ context.Context) ([]*Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return decodeAll(s.records)
}

func checkGeneration(stored []byte, prev uint64) error {
	var cur uint64
	if stored != nil {
		var r Record
		if err := r.UnmarshalBinary(stored); err != nil {
			return err
		}
		cur = r.Generation
	}
	if cur != prev {
		return fmt.Errorf("%w: stored generation %d, expected %d", ErrConflict, cur, prev)
	}
	return nil
}

func decodeAll(m recordMap) ([]*Record, error) {
	out := make([]*Record, 0, len(m))
	for _, b := range m {
		var r Record
		if err := r.UnmarshalBinary(b); err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Scope != out[j].Scope {
			return out[i].Scope < out[j].Scope
		}
		return out[i].Purpose < out[j].Purpose
	})
	return out, nil
}

// FileStore is a Store in one JSON file of base64 records (docs/FORMAT.md).
// Writes replace the file atomically (temporary file, fsync, rename) under
// an exclusive lock on PATH.lock, so several processes can share it.
type FileStore struct {
	path string
	mu   sync.Mutex
}

type fileStoreDoc struct {
	Format  string   `json:"format"`
	Records []string `json:"records"`
}

const fileStoreFormat = "phicrypt-keysets/1"

// NewFileStore returns a FileStore at path; the file is created on the
// first Put.
func NewFileStore(path string) *FileStore { return &FileStore{path: path} }

func (s *FileStore) lock() (func(), error) {
	s.mu.Lock()
	f, err := os.OpenFile(s.path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("keyset store %s: %w", s.path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		s.mu.Unlock()
		return nil, fmt.Errorf("keyset store %s: lock: %w", s.path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
		s.mu.Unlock()
	}, nil
}

func (s *FileStore) read() (recordMap, error) {
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return recordMap{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("keyset store %s: %w", s.path, err)
	}
	var doc fileStoreDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("keyset store %s: %w: not JSON: %v", s.path, ErrBadRecord, err)
	}
	if doc.Format != fileStoreFormat {
		return nil, fmt.Errorf("keyset store %s: %w: format %q, want %q", s.path, ErrBadRecord, doc.Format, fileStoreFormat)
	}
	m := make(recordMap, len(doc.Records))
	for i, enc := range doc.Records {
		b, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return nil, fmt.Errorf("keyset store %s: record %d: %w: %v", s.path, i, ErrBadRecord, err)
		}
		var r Record
		if err := r.UnmarshalBinary(b); err != nil {
			return nil, fmt.Errorf("keyset store %s: record %d: %w", s.path, i, err)
		}
		m[recordKey{r.Scope, r.Purpose}] = b
	}
	return m, nil
}

func (s *FileStore) write(m recordMap) error {
	recs, err := decodeAll(m)
	if err != nil {
		return err
	}
	doc := fileStoreDoc{Format: fileStoreFormat, Records: make([]string, 0, len(recs))}
	for _, r := range recs {
		b, _ := r.MarshalBinary()
		doc.Records = append(doc.Records, base64.StdEncoding.EncodeToString(b))
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".keysets-*")
	if err != nil {
		return fmt.Errorf("keyset store %s: %w", s.path, err)
	}
	defer os.Remove(tmp.Name())
	err = tmp.Chmod(0o600)
	if err == nil {
		if _, err = tmp.Write(append(data, '\n')); err == nil {
			err = tmp.Sync()
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.path)
	}
	if err != nil {
		return fmt.Errorf("keyset store %s: %w", s.path, err)
	}
	return nil
}

// Get implements Store.
func (s *FileStore) Get(_ context.Context, scope string, p Purpose) (*Record, error) {
	unlock, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	m, err := s.read()
	if err != nil {
		return nil, err
	}
	return m.get(scope, p)
}

// Put implements Store.
func (s *FileStore) Put(_ context.Context, rec *Record, prev uint64) error {
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	m, err := s.read()
	if err != nil {
		return err
	}
	if err := m.put(rec, prev); err != nil {
		return err
	}
	return s.write(m)
}

// List implements Store.
func (s *FileStore) List(_ context.Context) ([]*Record, error) {
	unlock, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	m, err := s.read()
	if err != nil {
		return nil, err
	}
	return decodeAll(m)
}
