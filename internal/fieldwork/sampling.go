package fieldwork

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
)

// Frequencies a control can have (controls.frequency).
const (
	FreqAnnual        = "annual"
	FreqQuarterly     = "quarterly"
	FreqMonthly       = "monthly"
	FreqWeekly        = "weekly"
	FreqDaily         = "daily"
	FreqMultipleDaily = "multiple_daily"
	FreqAutomated     = "automated"
	FreqAsNeeded      = "as_needed"
)

// sizeRange is a sample size for low and higher risk.
type sizeRange struct{ low, higher int }

func (r sizeRange) pick(risk string) int {
	if risk == "higher" {
		return r.higher
	}
	return r.low
}

// frequencyTable is the domain guide's §6 table: typical occurrences a year and sample sizes.
var frequencyTable = map[string]struct {
	perYear int
	size    sizeRange
}{
	FreqAnnual:        {1, sizeRange{1, 1}},
	FreqQuarterly:     {4, sizeRange{2, 2}},
	FreqMonthly:       {12, sizeRange{2, 5}},
	FreqWeekly:        {52, sizeRange{5, 15}},
	FreqDaily:         {250, sizeRange{20, 40}},
	FreqMultipleDaily: {1000, sizeRange{25, 60}},
}

// bandSize is the as-needed row of §6: a sample size by population size (0 means all items).
func bandSize(population int, risk string) (size int, band string) {
	switch {
	case population <= 4:
		return population, "4 or fewer items: test all"
	case population <= 12:
		return sizeRange{2, 5}.pick(risk), "5-12 items: 2-5"
	case population <= 52:
		return sizeRange{5, 15}.pick(risk), "13-52 items: 5-15"
	case population <= 250:
		return sizeRange{20, 40}.pick(risk), "53-250 items: 20-40"
	default:
		return sizeRange{25, 60}.pick(risk), "more than 250 items: 25-60"
	}
}

// SampleSizeInput is what the suggestion depends on.
type SampleSizeInput struct {
	Frequency  string
	Risk       string // "low" or "higher"
	PeriodDays int    // length of a Type II period in days; 0 for a Type I (one instance)
	Population int    // items in the uploaded population; 0 when none is uploaded yet
}

// SampleSize is a suggested sample size and the reason, in the auditors' words.
type SampleSize struct {
	Size  int
	Basis string
}

// SuggestSampleSize applies the firm's default sampling table (domain guide §6). For Type II
// periods shorter than a year it scales the control's occurrences to the period and never
// suggests more than the scaled occurrences or the population hold. As-needed controls are sized
// by their population.
func SuggestSampleSize(in SampleSizeInput) (SampleSize, error) {
	risk := "low"
	if in.Risk == "higher" {
		risk = "higher"
	}
	if in.PeriodDays == 0 {
		return SampleSize{1, "Type I: walk through one instance of the control"}, nil
	}
	switch in.Frequency {
	case FreqAutomated:
		return SampleSize{1, "automated control with effective IT general controls: a test of one"}, nil
	case FreqAsNeeded:
		if in.Population <= 0 {
			return SampleSize{}, fmt.Errorf("an as-needed control is sized by its population: upload the population first")
		}
		size, band := bandSize(in.Population, risk)
		return SampleSize{size, fmt.Sprintf("as needed, %s risk, population of %d (%s)", risk, in.Population, band)}, nil
	}
	row, ok := frequencyTable[in.Frequency]
	if !ok {
		return SampleSize{}, fmt.Errorf("unknown control frequency %q", in.Frequency)
	}
	size := row.size.pick(risk)
	basis := fmt.Sprintf("%s control, %s risk", frequencyLabel(in.Frequency), risk)
	if in.PeriodDays < 365 {
		occurrences := max(1, int(math.Round(float64(row.perYear)*float64(in.PeriodDays)/365)))
		if scaled, band := bandSize(occurrences, risk); scaled < size {
			size = scaled
			basis += fmt.Sprintf("; about %d occurrences in a %d-day period (%s)", occurrences, in.PeriodDays, band)
		}
	}
	if in.Population > 0 && in.Population < size {
		size = in.Population
		basis += fmt.Sprintf("; the population holds only %d items", in.Population)
	}
	return SampleSize{size, basis}, nil
}

func frequencyLabel(f string) string {
	switch f {
	case FreqMultipleDaily:
		return "multiple-times-a-day"
	case FreqAsNeeded:
		return "as-needed"
	}
	return f
}

// DefaultSeed derives the selection seed from the engagement, the control and the population
// file's SHA-256 (domain guide §6): nobody can pick a seed after the fact to avoid awkward items,
// and a reviewer can recompute it.
func DefaultSeed(engagementID, controlID int64, populationSHA256 string) int64 {
	sum := sha256.Sum256([]byte(fmt.Sprintf("attest-sample:%d:%d:%s", engagementID, controlID, populationSHA256)))
	// Keep it positive so it reads well and round-trips through forms and bigint.
	return int64(binary.BigEndian.Uint64(sum[:8]) & math.MaxInt64)
}

// ParseSeed reads a seed typed by an auditor.
func ParseSeed(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("the seed must be a whole number of 0 or more (digits only)")
	}
	return n, nil
}

// SelectRandom picks n distinct row numbers (1-based) out of population rows with the seeded
// generator, in ascending order. The same seed, population size and n always give the same rows:
// the generator (PCG) and the bounded draw below are our own fixed algorithms, not library
// conveniences whose output could change between Go releases.
func SelectRandom(seed int64, population, n int) ([]int, error) {
	if n < 1 {
		return nil, fmt.Errorf("the sample size must be at least 1")
	}
	if n > population {
		return nil, fmt.Errorf("the sample size (%d) is larger than the population (%d items)", n, population)
	}
	src := rand.NewPCG(uint64(seed), 0x61747465737421) // second word: a fixed stream constant
	chosen := make(map[int]bool, n)
	// Robert Floyd's algorithm: n draws, no shuffle of the whole population.
	for j := population - n; j < population; j++ {
		t := boundedDraw(src, uint64(j+1))
		if chosen[int(t)] {
			t = uint64(j)
		}
		chosen[int(t)] = true
	}
	rows := make([]int, 0, n)
	for idx := range chosen {
		rows = append(rows, idx+1)
	}
	sort.Ints(rows)
	return rows, nil
}

// boundedDraw returns a uniform number in [0, bound) by rejection sampling, without modulo bias.
func boundedDraw(src *rand.PCG, bound uint64) uint64 {
	limit := math.MaxUint64 - math.MaxUint64%bound
	for {
		v := src.Uint64()
		if v < limit {
			return v % bound
		}
	}
}

// Reperformance is a reviewer's check of a recorded random selection.
type Reperformance struct {
	Matches bool
	Message string
}

// ReperformSelection draws again with the recorded seed and size from the population the samples
// came from and compares the rows with the recorded samples (domain guide §6: the same seed and
// population give the same items). ok is false when the selection was not random with a seed.
// Items added by an extension are left to ReperformDraws.
func ReperformSelection(t Test, pop Population, samples []Sample) (r Reperformance, ok bool) {
	if t.SampleMethod != "random" || t.SampleSeed == nil || t.SampleSize == nil || len(samples) == 0 {
		return Reperformance{}, false
	}
	want, err := SelectRandom(*t.SampleSeed, pop.RowCount, *t.SampleSize)
	if err != nil {
		return Reperformance{false, "The selection cannot be reperformed: " + err.Error() + "."}, true
	}
	got := make([]int, 0, len(samples))
	for _, sm := range samples {
		if sm.DrawKind == "extension" {
			continue // ReperformDraws checks extensions
		}
		if sm.RowNumber == nil || sm.PopulationID == nil || *sm.PopulationID != pop.ID {
			return Reperformance{false, "Sample " + sm.ItemKey + " is not a row of population " + pop.FileName + ": the recorded selection was changed."}, true
		}
		got = append(got, *sm.RowNumber)
	}
	sort.Ints(got)
	if !slices.Equal(got, want) {
		return Reperformance{false, fmt.Sprintf("Reperformed with seed %d on %s (SHA-256 %.12s…): the draw gives other rows than the %d recorded samples.",
			*t.SampleSeed, pop.FileName, pop.SHA256, len(samples))}, true
	}
	return Reperformance{true, fmt.Sprintf("Reperformed with seed %d on %s (SHA-256 %.12s…): the same %d rows.",
		*t.SampleSeed, pop.FileName, pop.SHA256, len(got))}, true
}
