package quality

import (
	"sort"
	"sync"
)

// maxCached bounds the shingle cache: about 2 KB per text, so some 200 MB at most; when full it
// starts again empty (a page then pays the full cost once).
const maxCached = 100_000

// prepKey names a text's shingles and signature: its bytes, and the template text removed.
type prepKey struct {
	body     [32]byte
	template uint64
}

type prepEntry struct {
	set shingleSet
	sig signature
}

// prepCache keeps the shingles and MinHash signatures of texts already seen, so a page that
// compares one engagement with the whole firm hashes only texts that changed since. Entries
// are immutable; the cache is only a cache: losing it costs time, never results.
type prepCache struct {
	mu  sync.Mutex
	max int
	m   map[prepKey]prepEntry
}

func newPrepCache(max int) *prepCache { return &prepCache{max: max, m: map[prepKey]prepEntry{}} }

func (c *prepCache) get(k prepKey) (prepEntry, bool) {
	if c == nil {
		return prepEntry{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	return e, ok
}

func (c *prepCache) put(k prepKey, e prepEntry) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		c.m = map[prepKey]prepEntry{}
	}
	c.m[k] = e
}

// fingerprint identifies a template set (order-independent).
func (s shingleSet) fingerprint() uint64 {
	hs := make([]uint64, 0, len(s))
	for h := range s {
		hs = append(hs, h)
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i] < hs[j] })
	fp := uint64(len(hs))
	for _, h := range hs {
		fp = mix(fp ^ h)
	}
	return fp
}
