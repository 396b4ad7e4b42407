package quality

import (
	"hash/fnv"
	"strings"
	"unicode"
)

// Boilerplate detection compares texts as sets of word shingles (runs of shingleWords words),
// estimated with MinHash and confirmed exactly. Texts too short to say anything (a one-line
// "No exceptions noted.") are not compared: identical short phrases are the auditors' standard
// wording, not a copied engagement.
const (
	shingleWords = 5
	minShingles  = 8  // at least 12 words of text after template text is removed
	numHashes    = 64 // MinHash signature length
	bandRows     = 4  // LSH: 16 bands of 4 rows find pairs above ~0.5 with near certainty
	numBands     = numHashes / bandRows
)

// shingleSet is a text's set of hashed word shingles.
type shingleSet map[uint64]struct{}

// words lower-cases text and splits it into words of letters and digits, so punctuation, case
// and spacing do not hide a copy.
func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// shingles hashes every run of shingleWords consecutive words of text.
func shingles(text string) shingleSet {
	w := words(text)
	out := shingleSet{}
	if len(w) < shingleWords {
		return out
	}
	for i := 0; i+shingleWords <= len(w); i++ {
		h := fnv.New64a()
		for _, x := range w[i : i+shingleWords] {
			h.Write([]byte(x))
			h.Write([]byte{0})
		}
		out[h.Sum64()] = struct{}{}
	}
	return out
}

// without removes the shingles of template text (the firm's standard wording).
func (s shingleSet) without(template shingleSet) shingleSet {
	if len(template) == 0 {
		return s
	}
	out := make(shingleSet, len(s))
	for h := range s {
		if _, ok := template[h]; !ok {
			out[h] = struct{}{}
		}
	}
	return out
}

// jaccard is the share of shingles the two sets have in common: |a∩b| / |a∪b|.
func jaccard(a, b shingleSet) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	common := 0
	for h := range a {
		if _, ok := b[h]; ok {
			common++
		}
	}
	return float64(common) / float64(len(a)+len(b)-common)
}

// signature is the MinHash of a shingle set: per hash function, the smallest hash of any shingle.
type signature [numHashes]uint64

// mix is splitmix64's finaliser: a cheap, well-spread hash family indexed by seed.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

var seeds = func() (s [numHashes]uint64) {
	for i := range s {
		s[i] = mix(uint64(i) + 1)
	}
	return
}()

func minhash(set shingleSet) signature {
	var sig signature
	for i := range sig {
		sig[i] = ^uint64(0)
	}
	for h := range set {
		for i := range sig {
			if v := mix(h ^ seeds[i]); v < sig[i] {
				sig[i] = v
			}
		}
	}
	return sig
}

// estimate is the share of equal signature positions, MinHash's estimate of the Jaccard index.
func (s signature) estimate(o signature) float64 {
	same := 0
	for i := range s {
		if s[i] == o[i] {
			same++
		}
	}
	return float64(same) / numHashes
}

// bandKeys are the locality-sensitive hashing buckets of a signature: two texts are compared
// only when at least one band of their signatures is identical.
func (s signature) bandKeys() [numBands]uint64 {
	var out [numBands]uint64
	for b := range out {
		h := uint64(b) * 0x100000001b3
		for _, v := range s[b*bandRows : (b+1)*bandRows] {
			h = mix(h ^ v)
		}
		out[b] = h
	}
	return out
}
