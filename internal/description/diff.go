package description

import (
	"regexp"
	"slices"
)

// Change marks a piece of a comparison.
type Change string

// Kinds of change between two versions.
const (
	Same     Change = "same"
	Inserted Change = "inserted"
	Deleted  Change = "deleted"
)

// Chunk is a run of text that is the same, inserted or deleted.
type Chunk struct {
	Change Change
	Text   string
}

// tokens are words (letters, digits and the marks inside words), runs of white space, and
// single other characters, so a comparison marks whole words and keeps the spacing.
var tokenPattern = regexp.MustCompile(`\s+|[\p{L}\p{N}_'’]+|[^\s\p{L}\p{N}_'’]`)

// maxEdits bounds the work of one comparison: beyond it, the differing middle is shown as one
// deletion and one insertion (two texts that different are read side by side anyway).
const maxEdits = 2000

// WordDiff compares two texts word by word (Myers' algorithm on tokens).
func WordDiff(before, after string) []Chunk {
	a, b := tokenPattern.FindAllString(before, -1), tokenPattern.FindAllString(after, -1)
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var out []Chunk
	add := func(c Change, tok string) {
		if n := len(out); n > 0 && out[n-1].Change == c {
			out[n-1].Text += tok
			return
		}
		out = append(out, Chunk{Change: c, Text: tok})
	}
	for _, t := range a[:pre] {
		add(Same, t)
	}
	midA, midB := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if edits, ok := myers(midA, midB); ok {
		for _, e := range edits {
			add(e.Change, e.Text)
		}
	} else {
		for _, t := range midA {
			add(Deleted, t)
		}
		for _, t := range midB {
			add(Inserted, t)
		}
	}
	for _, t := range a[len(a)-suf:] {
		add(Same, t)
	}
	return out
}

// myers returns the token edits turning a into b, or false when they need more than maxEdits.
func myers(a, b []string) ([]Chunk, bool) {
	n, m := len(a), len(b)
	max := n + m
	if max == 0 {
		return nil, true
	}
	off := max
	v := make([]int, 2*max+2)
	var trace [][]int
	for d := 0; d <= max; d++ {
		if d > maxEdits {
			return nil, false
		}
		trace = append(trace, slices.Clone(v[off-d:off+d+1]))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(a, b, trace, d), true
			}
		}
	}
	return nil, false
}

func backtrack(a, b []string, trace [][]int, depth int) []Chunk {
	x, y := len(a), len(b)
	var rev []Chunk
	for d := depth; d >= 0; d-- {
		snap := trace[d]
		at := func(k int) int { return snap[k+d] }
		k := x - y
		var prevK int
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := 0
		if d > 0 {
			prevX = at(prevK)
		}
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			rev = append(rev, Chunk{Change: Same, Text: a[x-1]})
			x, y = x-1, y-1
		}
		if d > 0 {
			if x == prevX {
				rev = append(rev, Chunk{Change: Inserted, Text: b[prevY]})
			} else {
				rev = append(rev, Chunk{Change: Deleted, Text: a[prevX]})
			}
		}
		x, y = prevX, prevY
	}
	slices.Reverse(rev)
	return rev
}
