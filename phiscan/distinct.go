package phiscan

import (
	"container/heap"
	"math"
)

// sketchK is how many hashes the distinct-value sketch keeps: below it
// the count is exact, above it the standard error is about 1/sqrt(k), 3%.
const sketchK = 1024

// distinctSketch estimates the number of distinct values of a column by
// k minimum values: it keeps the k smallest 64-bit hashes of the values
// seen (ASCII case folded, as the default transforms fold case). The
// emitted schema declares the estimate, from which the planner sizes
// equality indexes. Only hashes are kept, never values; the hash is fixed
// so that two scans of the same data report the same count.
type distinctSketch struct {
	h   hashHeap // max-heap of the smallest hashes
	set map[uint64]struct{}
}

func (s *distinctSketch) add(v string) {
	if s.set == nil {
		s.set = make(map[uint64]struct{}, 64)
	}
	// FNV-1a, then the SplitMix64 finalizer to spread its bits evenly.
	x := uint64(14695981039346656037)
	for i := 0; i < len(v); i++ {
		x ^= uint64(lower(v[i]))
		x *= 1099511628211
	}
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	if len(s.h) == sketchK && x >= s.h[0] {
		return
	}
	if _, ok := s.set[x]; ok {
		return
	}
	s.set[x] = struct{}{}
	heap.Push(&s.h, x)
	if len(s.h) > sketchK {
		delete(s.set, heap.Pop(&s.h).(uint64))
	}
}

// estimate returns the number of distinct values added: exact below
// sketchK, else (k − 1) / (the k-th smallest hash as a fraction of 2^64).
func (s *distinctSketch) estimate() int64 {
	if len(s.h) < sketchK {
		return int64(len(s.h))
	}
	frac := float64(s.h[0]) / math.Exp2(64)
	if frac == 0 {
		return int64(len(s.h))
	}
	return int64(math.Round(float64(sketchK-1) / frac))
}

type hashHeap []uint64

func (h hashHeap) Len() int           { return len(h) }
func (h hashHeap) Less(i, j int) bool { return h[i] > h[j] }
func (h hashHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *hashHeap) Push(x any)        { *h = append(*h, x.(uint64)) }
func (h *hashHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
