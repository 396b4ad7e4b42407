package quality

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Figures are one engagement's numbers in the firm comparison.
type Figures struct {
	EngagementID        int64
	EngagementName      string
	ClientName          string
	Status              string
	TestsConcluded      int
	TestsWithExceptions int
	FirstEvidenceAt     *time.Time
	SignedAt            *time.Time
	// ExceptionShare is the share of concluded tests with exceptions (nil before any conclusion).
	ExceptionShare *float64
	// DaysToSignature runs from the first evidence received to the partner's signature (nil
	// until both exist).
	DaysToSignature  *float64
	ExceptionOutlier Outlier
	DaysOutlier      Outlier
}

// Outlier says where a figure falls among the firm's engagements.
type Outlier string

// Outlier values.
const (
	NotOutlier Outlier = ""
	Low        Outlier = "low"
	High       Outlier = "high"
)

// Label is the outlier as users read it.
func (o Outlier) Label() string {
	switch o {
	case Low:
		return "unusually low"
	case High:
		return "unusually high"
	}
	return ""
}

// minForOutliers: with fewer engagements, a quartile says nothing.
const minForOutliers = 4

// Comparison lists every engagement of the firm with its share of tests with exceptions and its
// days from first evidence to signature, marking the outliers among them.
func (s *Service) Comparison(ctx context.Context) ([]Figures, error) {
	var out []Figures
	err := s.DB.WithContext(ctx).Raw(`SELECT e.id AS engagement_id, e.name AS engagement_name, c.name AS client_name, e.status,
			(SELECT count(*) FROM tests t WHERE t.engagement_id = e.id AND t.result IN ('no_exceptions','exceptions')) AS tests_concluded,
			(SELECT count(*) FROM tests t WHERE t.engagement_id = e.id AND t.result = 'exceptions') AS tests_with_exceptions,
			(SELECT min(f.uploaded_at) FROM evidence_files f WHERE f.engagement_id = e.id) AS first_evidence_at,
			coalesce((SELECT o.signed_at FROM opinions o WHERE o.engagement_id = e.id), e.locked_at) AS signed_at
		FROM engagements e JOIN clients c ON c.id = e.client_id
		ORDER BY c.name, e.name, e.id`).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("loading the firm comparison: %w", err)
	}
	for i := range out {
		f := &out[i]
		if f.TestsConcluded > 0 {
			v := float64(f.TestsWithExceptions) / float64(f.TestsConcluded)
			f.ExceptionShare = &v
		}
		if f.FirstEvidenceAt != nil && f.SignedAt != nil {
			v := f.SignedAt.Sub(*f.FirstEvidenceAt).Hours() / 24
			f.DaysToSignature = &v
		}
	}
	MarkOutliers(out)
	return out, nil
}

// MarkOutliers marks the figures outside Tukey's fences (below Q1 − 1.5·IQR or above
// Q3 + 1.5·IQR) of the firm's engagements that have the figure.
func MarkOutliers(fs []Figures) {
	mark := func(get func(Figures) *float64, set func(*Figures, Outlier)) {
		var vals []float64
		for _, f := range fs {
			if v := get(f); v != nil {
				vals = append(vals, *v)
			}
		}
		if len(vals) < minForOutliers {
			return
		}
		sort.Float64s(vals)
		q1, q3 := quantile(vals, 0.25), quantile(vals, 0.75)
		lo, hi := q1-1.5*(q3-q1), q3+1.5*(q3-q1)
		for i := range fs {
			v := get(fs[i])
			switch {
			case v == nil:
			case *v < lo-1e-9:
				set(&fs[i], Low)
			case *v > hi+1e-9:
				set(&fs[i], High)
			}
		}
	}
	mark(func(f Figures) *float64 { return f.ExceptionShare }, func(f *Figures, o Outlier) { f.ExceptionOutlier = o })
	mark(func(f Figures) *float64 { return f.DaysToSignature }, func(f *Figures, o Outlier) { f.DaysOutlier = o })
}

// quantile interpolates linearly between the sorted values.
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (pos-float64(i))*(sorted[i+1]-sorted[i])
}
