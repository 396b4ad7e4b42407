package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"sort"
	"time"
)

// VerifyResult tells how much of the chain was checked and where it first breaks.
type VerifyResult struct {
	Checked  int64
	BrokenID int64  // 0 when the chain is intact
	Reason   string // why BrokenID fails
	// Problem is "altered" (an event does not match its hash or link), "truncated" (events a
	// signed checkpoint covered are gone), "rewritten" (an event was changed and every later hash
	// recomputed, so the chain links but no longer matches a signed checkpoint) or "forged" (a
	// checkpoint's signature does not verify); "" when all is well.
	Problem     string
	Checkpoints int   // checkpoints compared with the chain
	LastID      int64 // the last event checked
}

// OK reports whether every event checked out.
func (r VerifyResult) OK() bool { return r.BrokenID == 0 && r.Problem == "" }

// Verify recomputes every event's hash in id order and checks each link to its predecessor, and
// compares the chain with the stored checkpoints without checking their signatures. Use
// VerifyAnchored with the public key to trust the checkpoints.
func (s *Service) Verify(ctx context.Context) (VerifyResult, error) {
	return s.VerifyAnchored(ctx, nil)
}

// VerifyAnchored is Verify that also checks each checkpoint's signature with pub (when pub is not
// nil) and then the chain against every checkpoint: a chain shorter than a checkpoint's count is
// "truncated", one whose event at a checkpoint's count differs from the signed head is
// "rewritten". BrokenID names the event concerned.
func (s *Service) VerifyAnchored(ctx context.Context, pub ed25519.PublicKey) (VerifyResult, error) {
	var res VerifyResult
	cps, err := s.Checkpoints(ctx)
	if err != nil {
		return res, err
	}
	if pub != nil {
		for _, c := range cps {
			if !c.Valid(pub) {
				res.Problem, res.BrokenID = "forged", c.HeadID
				res.Reason = fmt.Sprintf("checkpoint %d (%s, %d events) does not carry a valid signature of key %s: it was not written by Attest",
					c.ID, c.CreatedAt.UTC().Format(time.RFC3339), c.EventCount, KeyID(pub))
				return res, nil
			}
		}
	}
	sort.SliceStable(cps, func(i, j int) bool { return cps[i].EventCount < cps[j].EventCount })
	res.Checkpoints = len(cps)
	next := 0 // the next checkpoint to compare
	var prevGood int64
	prev := make([]byte, sha256.Size)
	var lastID int64
	for {
		var rows []Row
		if err := s.DB.WithContext(ctx).Where("id > ?", lastID).Order("id").Limit(1000).Find(&rows).Error; err != nil {
			return res, fmt.Errorf("reading audit events after %d: %w", lastID, err)
		}
		if len(rows) == 0 {
			break
		}
		for _, r := range rows {
			// jsonb hands back its own formatting: bring it to the canonical form that was hashed.
			var err error
			if r.Before, err = canonicalize(r.Before); err != nil {
				return res, fmt.Errorf("event %d: before: %w", r.ID, err)
			}
			if r.After, err = canonicalize(r.After); err != nil {
				return res, fmt.Errorf("event %d: after: %w", r.ID, err)
			}
			switch {
			case !bytes.Equal(r.PrevHash, prev):
				res.BrokenID, res.Reason = r.ID, "its link to the previous event does not match (an event was removed or reordered)"
			case !bytes.Equal(r.computeHash(), r.Hash):
				res.BrokenID, res.Reason = r.ID, "its content does not match its hash (the event was altered)"
			}
			if res.BrokenID != 0 {
				res.Problem = "altered"
				return res, nil
			}
			res.Checked++
			prev = r.Hash
			lastID = r.ID
			res.LastID = r.ID
			for ; next < len(cps) && cps[next].EventCount <= res.Checked; next++ {
				c := cps[next]
				if c.EventCount < res.Checked {
					continue // an empty-trail checkpoint (count 0) has nothing to compare
				}
				if r.ID != c.HeadID || !bytes.Equal(r.Hash, c.HeadHash) {
					res.Problem, res.BrokenID = "rewritten", c.HeadID
					res.Reason = fmt.Sprintf("event %d no longer matches checkpoint %d (signed %s over %d events): an event after event %d up to event %d was changed and the later hashes recomputed",
						c.HeadID, c.ID, c.CreatedAt.UTC().Format(time.RFC3339), c.EventCount, prevGood, c.HeadID)
					return res, nil
				}
				prevGood = c.HeadID
			}
		}
	}
	if next < len(cps) {
		c := cps[len(cps)-1]
		res.Problem, res.BrokenID = "truncated", c.HeadID
		res.Reason = fmt.Sprintf("checkpoint %d (signed %s) covers %d events up to event %d, but the trail has %d events ending at event %d: the events after event %d were removed",
			c.ID, c.CreatedAt.UTC().Format(time.RFC3339), c.EventCount, c.HeadID, res.Checked, res.LastID, res.LastID)
	}
	return res, nil
}
