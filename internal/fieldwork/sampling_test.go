package fieldwork

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSuggestSampleSize(t *testing.T) {
	const year, half = 365, 181
	cases := []struct {
		name string
		in   SampleSizeInput
		want int
	}{
		{"annual full year", SampleSizeInput{Frequency: FreqAnnual, Risk: "low", PeriodDays: year}, 1},
		{"annual higher risk", SampleSizeInput{Frequency: FreqAnnual, Risk: "higher", PeriodDays: year}, 1},
		{"annual half year", SampleSizeInput{Frequency: FreqAnnual, Risk: "low", PeriodDays: half}, 1},
		{"quarterly full year", SampleSizeInput{Frequency: FreqQuarterly, Risk: "low", PeriodDays: year}, 2},
		{"quarterly half year: both quarters", SampleSizeInput{Frequency: FreqQuarterly, Risk: "higher", PeriodDays: half}, 2},
		{"quarterly three months: the one quarter", SampleSizeInput{Frequency: FreqQuarterly, Risk: "low", PeriodDays: 90}, 1},
		{"monthly low", SampleSizeInput{Frequency: FreqMonthly, Risk: "low", PeriodDays: year}, 2},
		{"monthly higher", SampleSizeInput{Frequency: FreqMonthly, Risk: "higher", PeriodDays: year}, 5},
		{"monthly higher three months: all three", SampleSizeInput{Frequency: FreqMonthly, Risk: "higher", PeriodDays: 92}, 3},
		{"weekly low", SampleSizeInput{Frequency: FreqWeekly, Risk: "low", PeriodDays: year}, 5},
		{"weekly higher", SampleSizeInput{Frequency: FreqWeekly, Risk: "higher", PeriodDays: year}, 15},
		{"weekly higher half year", SampleSizeInput{Frequency: FreqWeekly, Risk: "higher", PeriodDays: half}, 15},
		{"weekly higher one month: all 4 weeks", SampleSizeInput{Frequency: FreqWeekly, Risk: "higher", PeriodDays: 31}, 4},
		{"daily low", SampleSizeInput{Frequency: FreqDaily, Risk: "low", PeriodDays: year}, 20},
		{"daily higher", SampleSizeInput{Frequency: FreqDaily, Risk: "higher", PeriodDays: year}, 40},
		{"daily higher one month", SampleSizeInput{Frequency: FreqDaily, Risk: "higher", PeriodDays: 30}, 15},
		{"multiple a day low", SampleSizeInput{Frequency: FreqMultipleDaily, Risk: "low", PeriodDays: year}, 25},
		{"multiple a day higher", SampleSizeInput{Frequency: FreqMultipleDaily, Risk: "higher", PeriodDays: half}, 60},
		{"automated", SampleSizeInput{Frequency: FreqAutomated, Risk: "higher", PeriodDays: year}, 1},
		{"as needed 3 items: all", SampleSizeInput{Frequency: FreqAsNeeded, Risk: "low", PeriodDays: year, Population: 3}, 3},
		{"as needed 4 items: all", SampleSizeInput{Frequency: FreqAsNeeded, Risk: "higher", PeriodDays: year, Population: 4}, 4},
		{"as needed 5 items low", SampleSizeInput{Frequency: FreqAsNeeded, Risk: "low", PeriodDays: year, Population: 5}, 2},
		{"as needed 12 items higher", SampleSizeInput{Frequency: FreqAsNeeded, Risk: "higher", PeriodDays: year, Population: 12}, 5},
		{"as needed 13 items low", SampleSizeInput{Frequency: FreqAsNeeded, Risk: "low", PeriodDays: year, Population: 13}, 5},
		{"as needed 52 items higher", SampleSizeInput{Frequency: FreqAsNeeded, Risk: "higher", PeriodDays: year, Population: 52}, 15},
		{"as needed 53 items low", SampleSizeInput{Frequency: FreqAsNeeded, Risk: "low", PeriodDays: year, Population: 53}, 20},
		{"as needed 250 items higher", SampleSizeInput{Frequency: FreqAsNeeded, Risk: "higher", PeriodDays: year, Population: 250}, 40},
		{"as needed 251 items low", SampleSizeInput{Frequency: FreqAsNeeded, Risk: "low", PeriodDays: year, Population: 251}, 25},
		{"as needed 10000 items higher", SampleSizeInput{Frequency: FreqAsNeeded, Risk: "higher", PeriodDays: year, Population: 10000}, 60},
		{"small population caps a periodic control", SampleSizeInput{Frequency: FreqDaily, Risk: "low", PeriodDays: year, Population: 12}, 12},
		{"type I: one instance", SampleSizeInput{Frequency: FreqDaily, Risk: "higher"}, 1},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SuggestSampleSize(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got.Size, got.Basis)
			assert.NotEmpty(t, got.Basis)
		})
		seen[tc.in.Frequency] = true
	}
	for f := range frequencyTable {
		assert.True(t, seen[f], "frequency %s has no case", f)
	}
	assert.True(t, seen[FreqAutomated] && seen[FreqAsNeeded])
}

func TestSuggestSampleSizeRefusals(t *testing.T) {
	_, err := SuggestSampleSize(SampleSizeInput{Frequency: FreqAsNeeded, PeriodDays: 365})
	assert.ErrorContains(t, err, "upload the population first")
	_, err = SuggestSampleSize(SampleSizeInput{Frequency: "hourly", PeriodDays: 365})
	assert.ErrorContains(t, err, "unknown control frequency")
}

func TestSelectRandomIsReproducible(t *testing.T) {
	a, err := SelectRandom(42, 1000, 25)
	require.NoError(t, err)
	b, err := SelectRandom(42, 1000, 25)
	require.NoError(t, err)
	assert.Equal(t, a, b, "same seed and population give the same items")
	require.Len(t, a, 25)
	for i, r := range a {
		assert.True(t, r >= 1 && r <= 1000)
		if i > 0 {
			assert.Greater(t, r, a[i-1], "distinct and ascending")
		}
	}
	c, err := SelectRandom(43, 1000, 25)
	require.NoError(t, err)
	assert.NotEqual(t, a, c, "another seed gives another selection")
	// Pinned: a change of algorithm would make recorded selections unreproducible.
	pinned, err := SelectRandom(20260630, 40, 5)
	require.NoError(t, err)
	assert.Equal(t, []int{12, 15, 18, 19, 31}, pinned)

	all, err := SelectRandom(7, 4, 4)
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 3, 4}, all)
}

func TestSelectRandomRefusals(t *testing.T) {
	_, err := SelectRandom(1, 10, 11)
	assert.ErrorContains(t, err, "larger than the population")
	_, err = SelectRandom(1, 10, 0)
	assert.ErrorContains(t, err, "at least 1")
}

// TestSelectRandomIsUniform draws 4,000 samples of 10 from 100 items with the seeds 1..4000 and
// checks with a chi-square test that every item is picked about equally often. The seeds are
// fixed, so the result is the same on every run.
func TestSelectRandomIsUniform(t *testing.T) {
	const population, n, draws = 100, 10, 4000
	counts := make([]int, population)
	for seed := int64(1); seed <= draws; seed++ {
		rows, err := SelectRandom(seed, population, n)
		require.NoError(t, err)
		for _, r := range rows {
			counts[r-1]++
		}
	}
	expected := float64(draws*n) / population
	chi2 := 0.0
	for _, c := range counts {
		d := float64(c) - expected
		chi2 += d * d / expected
	}
	// 99 degrees of freedom: the 0.1 % critical value is 148.2, the 99.9 % lower one 62.0
	// (a too-even spread would be as suspicious as a lumpy one).
	assert.Less(t, chi2, 148.2, "chi-square %.1f", chi2)
	assert.Greater(t, chi2, 62.0, "chi-square %.1f", chi2)
}

func TestDefaultSeed(t *testing.T) {
	a := DefaultSeed(1, 2, "abc")
	assert.Equal(t, a, DefaultSeed(1, 2, "abc"))
	assert.NotEqual(t, a, DefaultSeed(1, 3, "abc"))
	assert.NotEqual(t, a, DefaultSeed(1, 2, "abd"))
	assert.GreaterOrEqual(t, a, int64(0))
}

func TestParseSeed(t *testing.T) {
	n, err := ParseSeed("12345")
	require.NoError(t, err)
	assert.Equal(t, int64(12345), n)
	for _, bad := range []string{"abc", "12a", "-4", "1.5", ""} {
		_, err := ParseSeed(bad)
		assert.Error(t, err, bad)
	}
}
