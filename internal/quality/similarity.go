// Package quality owns what makes a rushed or copied engagement visible before it is signed:
// boilerplate warnings (near-identical text across clients), their acknowledgements by the
// partner, the firm-wide comparison of engagements, and the engagement timeline built from the
// audit trail.
package quality

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"sync"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/clock"
)

// DefaultThreshold is the share of identical text from which two texts count as near-identical.
const DefaultThreshold = 0.9

// Service runs the quality checks against the database.
type Service struct {
	DB    *gorm.DB
	Clock clock.Clock
	// Threshold is the similarity (0–1] from which a warning is raised; 0 means DefaultThreshold.
	Threshold float64

	cacheOnce sync.Once
	cache     *prepCache
}

// prepared returns the service's cache of shingled texts (made on first use).
func (s *Service) prepared() *prepCache {
	s.cacheOnce.Do(func() { s.cache = newPrepCache(maxCached) })
	return s.cache
}

func (s *Service) threshold() float64 {
	if s.Threshold <= 0 || s.Threshold > 1 {
		return DefaultThreshold
	}
	return s.Threshold
}

// Kind is the sort of text compared.
type Kind string

// Kinds of text.
const (
	KindDescription Kind = "description"
	KindProcedure   Kind = "procedure"
	KindResultText  Kind = "result_text"
)

// Label is the kind as users read it.
func (k Kind) Label() string {
	switch k {
	case KindDescription:
		return "Description section"
	case KindProcedure:
		return "Test procedure"
	case KindResultText:
		return "Test result text"
	}
	return string(k)
}

// Text is one compared text with where it comes from.
type Text struct {
	Kind           Kind
	ItemID         int64  // test id, or description section id
	Ref            string // control reference or section code, for people
	EngagementID   int64
	EngagementName string
	ClientID       int64
	ClientName     string
	Body           string
}

// Hash is the SHA-256 of the text's body: an acknowledgement holds for the text it saw.
func (t Text) Hash() string {
	sum := sha256.Sum256([]byte(t.Body))
	return hex.EncodeToString(sum[:])
}

// Warning says a text of the engagement is near-identical to one of another client's engagement.
type Warning struct {
	Text  Text
	Other Text
	Share float64 // Jaccard index of the shingle sets, 0–1
	Ack   *Acknowledgement
}

// Key identifies the warning for an acknowledgement.
func (w Warning) Key() WarningKey {
	return WarningKey{Kind: w.Text.Kind, ItemID: w.Text.ItemID, OtherItemID: w.Other.ItemID}
}

// Percent is the share as a whole percentage for people.
func (w Warning) Percent() int { return int(w.Share*100 + 0.5) }

// WarningKey names one warning: this item against that item of another engagement.
type WarningKey struct {
	Kind        Kind
	ItemID      int64
	OtherItemID int64
}

// prepared is a text with its shingles and signature.
type prepared struct {
	Text
	set shingleSet
	sig signature
}

// Compare finds, for each of mine, the texts of others (other clients' engagements) of the same
// kind whose share of identical shingles reaches threshold; template shingles are left out of
// both sides first. Pure: the database work happens around it.
func Compare(mine, others []Text, template shingleSet, threshold float64) []Warning {
	return compare(mine, others, template, threshold, nil)
}

func compare(mine, others []Text, template shingleSet, threshold float64, cache *prepCache) []Warning {
	fp := template.fingerprint()
	prep := func(ts []Text) []prepared {
		out := make([]prepared, 0, len(ts))
		for _, t := range ts {
			key := prepKey{body: sha256.Sum256([]byte(t.Body)), template: fp}
			e, ok := cache.get(key)
			if !ok {
				e.set = shingles(t.Body).without(template)
				e.sig = minhash(e.set)
				cache.put(key, e)
			}
			if len(e.set) < minShingles {
				continue
			}
			out = append(out, prepared{Text: t, set: e.set, sig: e.sig})
		}
		return out
	}
	a, b := prep(mine), prep(others)
	// One bucket per kind, band and band hash; the kind is checked again on each candidate.
	bucket := func(kind Kind, band int, key uint64) uint64 {
		return mix(key ^ uint64(band)<<56 ^ uint64(len(kind))<<48 ^ uint64(kind[0]))
	}
	index := make(map[uint64][]int32, len(b)*numBands)
	for j, p := range b {
		for band, key := range p.sig.bandKeys() {
			k := bucket(p.Kind, band, key)
			index[k] = append(index[k], int32(j))
		}
	}
	var out []Warning
	for _, p := range a {
		seen := map[int32]bool{}
		for band, key := range p.sig.bandKeys() {
			for _, j := range index[bucket(p.Kind, band, key)] {
				if seen[j] {
					continue
				}
				seen[j] = true
				q := b[j]
				if q.Kind != p.Kind || q.ClientID == p.ClientID {
					continue // the same client's other periods repeat their own text legitimately
				}
				// The signature estimate discards clear misses cheaply; the exact share decides.
				if p.sig.estimate(q.sig) < threshold-0.2 {
					continue
				}
				if share := jaccard(p.set, q.set); share >= threshold {
					out = append(out, Warning{Text: p.Text, Other: q.Text, Share: share})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		x, y := out[i], out[j]
		if x.Text.Kind != y.Text.Kind {
			return x.Text.Kind < y.Text.Kind
		}
		if x.Text.Ref != y.Text.Ref {
			return x.Text.Ref < y.Text.Ref
		}
		if x.Text.ItemID != y.Text.ItemID {
			return x.Text.ItemID < y.Text.ItemID
		}
		return x.Other.ItemID < y.Other.ItemID
	})
	return out
}

// Warnings lists the boilerplate warnings of an engagement, each with its acknowledgement when
// the partner acknowledged it for the texts as they are now.
func (s *Service) Warnings(ctx context.Context, engagementID int64) ([]Warning, error) {
	var clientID int64
	if err := s.DB.WithContext(ctx).Raw(`SELECT client_id FROM engagements WHERE id = ?`, engagementID).Row().Scan(&clientID); err != nil {
		return nil, fmt.Errorf("loading engagement %d: %w", engagementID, err)
	}
	mine, err := s.texts(ctx, "e.id = ?", engagementID)
	if err != nil {
		return nil, err
	}
	others, err := s.texts(ctx, "e.client_id <> ?", clientID)
	if err != nil {
		return nil, err
	}
	template, err := s.templateShingles(ctx)
	if err != nil {
		return nil, err
	}
	ws := compare(mine, others, template, s.threshold(), s.prepared())
	acks, err := s.acknowledgements(ctx, engagementID)
	if err != nil {
		return nil, err
	}
	for i, w := range ws {
		if a, ok := acks[w.Key()]; ok && a.TextSHA256 == w.Text.Hash() && a.OtherTextSHA256 == w.Other.Hash() {
			a := a
			ws[i].Ack = &a
		}
	}
	return ws, nil
}

// Unacknowledged lists the warnings the partner has not acknowledged yet: the signature waits
// until it is empty.
func (s *Service) Unacknowledged(ctx context.Context, engagementID int64) ([]Warning, error) {
	ws, err := s.Warnings(ctx, engagementID)
	if err != nil {
		return nil, err
	}
	out := ws[:0]
	for _, w := range ws {
		if w.Ack == nil {
			out = append(out, w)
		}
	}
	return out, nil
}

// texts loads the compared texts of the engagements matching where (over engagements e).
func (s *Service) texts(ctx context.Context, where string, arg any) ([]Text, error) {
	var rows []struct {
		ID             int64
		Ref            string
		EngagementID   int64
		EngagementName string
		ClientID       int64
		ClientName     string
		Procedure      string
		ResultText     string
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT t.id, ctl.ref, e.id AS engagement_id, e.name AS engagement_name,
			e.client_id, c.name AS client_name, t.procedure, t.result_text
		FROM tests t JOIN engagements e ON e.id = t.engagement_id JOIN clients c ON c.id = e.client_id
		JOIN controls ctl ON ctl.id = t.control_id
		WHERE `+where+` ORDER BY t.id`, arg).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("loading test texts: %w", err)
	}
	out := make([]Text, 0, 2*len(rows))
	for _, r := range rows {
		base := Text{ItemID: r.ID, Ref: r.Ref, EngagementID: r.EngagementID, EngagementName: r.EngagementName,
			ClientID: r.ClientID, ClientName: r.ClientName}
		if r.Procedure != "" {
			t := base
			t.Kind, t.Body = KindProcedure, r.Procedure
			out = append(out, t)
		}
		if r.ResultText != "" {
			t := base
			t.Kind, t.Body = KindResultText, r.ResultText
			out = append(out, t)
		}
	}
	var sections []struct {
		ID             int64
		Code           string
		EngagementID   int64
		EngagementName string
		ClientID       int64
		ClientName     string
		Body           string
	}
	err = s.DB.WithContext(ctx).Raw(`SELECT d.id, d.code, e.id AS engagement_id, e.name AS engagement_name, e.client_id,
			c.name AS client_name, d.body
		FROM description_sections d JOIN engagements e ON e.id = d.engagement_id JOIN clients c ON c.id = e.client_id
		WHERE d.body <> '' AND `+where+` ORDER BY d.id`, arg).Scan(&sections).Error
	if err != nil {
		return nil, fmt.Errorf("loading description sections: %w", err)
	}
	for _, d := range sections {
		out = append(out, Text{Kind: KindDescription, ItemID: d.ID, Ref: d.Code, EngagementID: d.EngagementID,
			EngagementName: d.EngagementName, ClientID: d.ClientID, ClientName: d.ClientName, Body: d.Body})
	}
	return out, nil
}

// templateShingles are the shingles of the firm's standard text: what the firm marked as
// template text, and the procedure library every engagement starts from.
func (s *Service) templateShingles(ctx context.Context) (shingleSet, error) {
	var bodies []string
	err := s.DB.WithContext(ctx).Raw(`SELECT body FROM boilerplate_templates
		UNION ALL SELECT procedure FROM procedure_library`).Scan(&bodies).Error
	if err != nil {
		return nil, fmt.Errorf("loading template text: %w", err)
	}
	set := shingleSet{}
	for _, b := range bodies {
		for h := range shingles(b) {
			set[h] = struct{}{}
		}
	}
	return set, nil
}
