package quality

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// BenchmarkCompare: one engagement's 400 texts against 20,000 texts of other clients (about
// 100 engagements of 100 tests, procedure and result text each), 40 words each.
func BenchmarkCompare(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	vocab := strings.Fields(copiedProcedure + " " + differentProcedure)
	mk := func(n int, client int64) []Text {
		out := make([]Text, n)
		for i := range out {
			w := make([]string, 40)
			for j := range w {
				w[j] = vocab[rng.Intn(len(vocab))] + fmt.Sprint(rng.Intn(50))
			}
			out[i] = Text{Kind: KindProcedure, ItemID: int64(i), ClientID: client + int64(i%100), Body: strings.Join(w, " ")}
		}
		return out
	}
	mine, others := mk(400, 1), mk(20000, 1000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Compare(mine, others, nil, DefaultThreshold)
	}
}

// BenchmarkCompareCached is the same comparison on a page view after the first: the other
// engagements' texts are already shingled.
func BenchmarkCompareCached(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	vocab := strings.Fields(copiedProcedure + " " + differentProcedure)
	mk := func(n int, client int64) []Text {
		out := make([]Text, n)
		for i := range out {
			w := make([]string, 40)
			for j := range w {
				w[j] = vocab[rng.Intn(len(vocab))] + fmt.Sprint(rng.Intn(50))
			}
			out[i] = Text{Kind: KindProcedure, ItemID: int64(i), ClientID: client + int64(i%100), Body: strings.Join(w, " ")}
		}
		return out
	}
	mine, others := mk(400, 1), mk(20000, 1000)
	cache := newPrepCache(maxCached)
	compare(mine, others, nil, DefaultThreshold, cache)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		compare(mine, others, nil, DefaultThreshold, cache)
	}
}
