package opinion

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	dbx "github.com/attest-soc/attest/internal/db"
	"github.com/attest-soc/attest/internal/engagements/lifecycle"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/clock"
)

// Identity re-checks a signed-in user's password and TOTP code; failures count towards the
// sign-in throttle (auth.Service does this).
type Identity interface {
	ConfirmPassword(ctx context.Context, userID int64, password, ip string) error
	VerifyMFA(ctx context.Context, u auth.User, code, ip string) error
}

// Withdrawer withdraws the issued report versions of a reopened engagement (report.Service).
type Withdrawer interface {
	WithdrawCurrent(ctx context.Context, tx *gorm.DB, actor audit.Actor, engagementID int64, reason string) (int64, error)
}

// Service records the partner's choice, signature and reopenings.
type Service struct {
	DB       *gorm.DB
	Clock    clock.Clock
	Identity Identity
	Reports  Withdrawer
	// Evidence gathers the engagement's evidence for the proposal and the gates (the report
	// package reads it; the team facts are added here).
	Evidence func(ctx context.Context, engagementID int64) (Evidence, error)
	// Boilerplate lists the engagement's boilerplate warnings not yet acknowledged (quality.Service);
	// nil leaves the gate without warnings.
	Boilerplate func(ctx context.Context, engagementID int64) ([]string, error)
	// AuditSigner signs the audit checkpoint written with the signature; nil writes none.
	AuditSigner *audit.Signer
}

// Stored is the opinion row as the page shows it.
type Stored struct {
	ProposedKind Kind
	Reasons      []Reason
	Kind         Kind
	KindReason   string
	Basis        string
	SOC3Reason   string
	ChosenByName string
	ChosenAt     *time.Time
	SignedByName string
	SignedAt     *time.Time
	ReportDate   *time.Time
	Version      int
}

// Signed reports whether the partner has signed.
func (s Stored) Signed() bool { return s.SignedAt != nil }

// State is what the opinion page shows: the stored opinion, today's proposal and the gates.
type State struct {
	Stored     Stored
	Proposal   Proposal
	Gates      []Gate
	Evidence   Evidence
	Status     string // the engagement's status
	Partner    bool   // the viewing user is the engagement's partner
	Reopenings []Reopening
}

// Reopening is one withdrawn signature.
type Reopening struct {
	Reason     string
	ReopenedBy string
	ReopenedAt time.Time
	SignedBy   string
	SignedAt   *time.Time
}

// Ready reports whether every gate holds.
func (s State) Ready() bool { return len(Unmet(s.Gates)) == 0 }

// ErrNotPartner: only the engagement's partner chooses and signs the opinion.
var ErrNotPartner = fmt.Errorf("only the engagement partner may do this: %w", apperr.ErrForbidden)

// Load gathers the opinion page's state for engagementID as user u sees it.
func (s *Service) Load(ctx context.Context, u auth.User, engagementID int64) (State, error) {
	ev, err := s.evidence(ctx, s.DB, engagementID)
	if err != nil {
		return State{}, err
	}
	st := State{Evidence: ev, Proposal: Propose(ev), Gates: Gates(ev)}
	if st.Stored, err = loadStored(ctx, s.DB, engagementID); err != nil {
		return st, err
	}
	var row struct {
		Status  string
		Partner bool
	}
	if err := s.DB.WithContext(ctx).Raw(`SELECT e.status, EXISTS (SELECT 1 FROM engagement_members m WHERE m.engagement_id = e.id
		AND m.user_id = ? AND m.role = 'partner') AS partner FROM engagements e WHERE e.id = ?`, u.ID, engagementID).Take(&row).Error; err != nil {
		return st, fmt.Errorf("loading engagement %d: %w", engagementID, err)
	}
	st.Status, st.Partner = row.Status, row.Partner && u.Role == auth.RolePartner
	if err := s.DB.WithContext(ctx).Raw(`SELECT r.reason, u.name AS reopened_by, r.reopened_at, coalesce(s.name, '') AS signed_by,
		r.withdrawn_signed_at AS signed_at FROM engagement_reopenings r JOIN users u ON u.id = r.reopened_by
		LEFT JOIN users s ON s.id = r.withdrawn_signed_by WHERE r.engagement_id = ? ORDER BY r.id DESC`, engagementID).
		Scan(&st.Reopenings).Error; err != nil {
		return st, fmt.Errorf("loading reopenings: %w", err)
	}
	return st, nil
}

func loadStored(ctx context.Context, db *gorm.DB, engagementID int64) (Stored, error) {
	type opinionRow struct {
		ProposedKind, Kind, KindReason, Basis, SOC3ConfirmedReason string
		ProposalReasons                                            string
		ChosenByName, SignedByName                                 string
		ChosenAt, SignedAt, ReportDate                             *time.Time
		Version                                                    int
	}
	row, err := dbx.One[opinionRow](db.WithContext(ctx), "the opinion", `SELECT o.proposed_kind, o.kind, o.kind_reason, o.basis, o.soc3_confirmed_reason,
		o.proposal_reasons::text AS proposal_reasons, coalesce(c.name, '') AS chosen_by_name, coalesce(s.name, '') AS signed_by_name,
		o.chosen_at, o.signed_at, o.report_date, o.version
		FROM opinions o LEFT JOIN users c ON c.id = o.chosen_by LEFT JOIN users s ON s.id = o.signed_by
		WHERE o.engagement_id = ?`, engagementID)
	if errors.Is(err, apperr.ErrNotFound) { // nothing proposed or chosen yet
		return Stored{}, nil
	}
	if err != nil {
		return Stored{}, fmt.Errorf("loading the opinion of engagement %d: %w", engagementID, err)
	}
	st := Stored{ProposedKind: Kind(row.ProposedKind), Kind: Kind(row.Kind), KindReason: row.KindReason, Basis: row.Basis,
		SOC3Reason: row.SOC3ConfirmedReason, ChosenByName: row.ChosenByName, ChosenAt: row.ChosenAt, SignedByName: row.SignedByName,
		SignedAt: row.SignedAt, ReportDate: row.ReportDate, Version: row.Version}
	_ = json.Unmarshal([]byte(row.ProposalReasons), &st.Reasons)
	return st, nil
}

// evidence adds the team facts (review notes, independence) to what the report data gives.
func (s *Service) evidence(ctx context.Context, db *gorm.DB, engagementID int64) (Evidence, error) {
	ev, err := s.Evidence(ctx, engagementID)
	if err != nil {
		return ev, err
	}
	var row struct {
		OpenNotes   int
		Unconfirmed string
		HasPartner  bool
	}
	err = db.WithContext(ctx).Raw(`SELECT
		(SELECT count(*) FROM review_notes WHERE engagement_id = @id AND cleared_at IS NULL) AS open_notes,
		coalesce((SELECT string_agg(u.name, '|' ORDER BY u.name) FROM engagement_members m JOIN users u ON u.id = m.user_id
			WHERE m.engagement_id = @id AND m.role <> 'client_contact' AND m.independence_confirmed_at IS NULL), '') AS unconfirmed,
		EXISTS (SELECT 1 FROM engagement_members WHERE engagement_id = @id AND role = 'partner') AS has_partner`,
		map[string]any{"id": engagementID}).Scan(&row).Error
	if err != nil {
		return ev, fmt.Errorf("loading team facts of engagement %d: %w", engagementID, err)
	}
	ev.OpenReviewNotes, ev.HasPartner = row.OpenNotes, row.HasPartner
	if s.Boilerplate != nil {
		if ev.UnacknowledgedBoilerplate, err = s.Boilerplate(ctx, engagementID); err != nil {
			return ev, fmt.Errorf("loading boilerplate warnings of engagement %d: %w", engagementID, err)
		}
	}
	if row.Unconfirmed != "" {
		ev.UnconfirmedIndependence = strings.Split(row.Unconfirmed, "|")
	}
	return ev, nil
}

// ChoiceInput is the partner's choice as typed.
type ChoiceInput struct {
	Kind       string
	Reason     string // why the choice differs from the proposal
	Basis      string // basis paragraph(s) of a modified opinion
	SOC3Reason string // confirmation of a SOC 3 with a modified opinion
	Version    int
}

// isEngagementPartner: u is a firm partner and the engagement's partner.
func isEngagementPartner(tx *gorm.DB, u auth.User, engagementID int64) (bool, error) {
	if u.Role != auth.RolePartner {
		return false, nil
	}
	var ok bool
	err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM engagement_members WHERE engagement_id = ? AND user_id = ? AND role = 'partner')`,
		engagementID, u.ID).Row().Scan(&ok)
	return ok, err
}

// lockEngagement takes the engagement row lock and returns its status and client.
func lockEngagement(tx *gorm.DB, engagementID int64) (status lifecycle.Status, clientID int64, err error) {
	row, err := dbx.One[struct {
		Status   lifecycle.Status
		ClientID int64
	}](tx, fmt.Sprintf("engagement %d", engagementID), `SELECT status, client_id FROM engagements WHERE id = ? FOR UPDATE`, engagementID)
	return row.Status, row.ClientID, err
}

// Choose records the partner's choice of opinion kind, the reason when it differs from the
// proposal, the basis paragraphs of a modified opinion and, for a modified opinion, the explicit
// confirmation that the SOC 3 is issued with it. The proposal is kept beside the choice.
func (s *Service) Choose(ctx context.Context, u auth.User, engagementID int64, in ChoiceInput) error {
	in.Reason, in.Basis, in.SOC3Reason = strings.TrimSpace(in.Reason), strings.TrimSpace(in.Basis), strings.TrimSpace(in.SOC3Reason)
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		status, clientID, err := lockEngagement(tx, engagementID)
		if err != nil {
			return err
		}
		if status.Locked() {
			return apperr.ErrLocked
		}
		if ok, err := isEngagementPartner(tx, u, engagementID); err != nil {
			return err
		} else if !ok {
			return ErrNotPartner
		}
		ev, err := s.evidence(ctx, tx, engagementID)
		if err != nil {
			return err
		}
		p := Propose(ev)
		kind := Kind(in.Kind)
		v := apperr.Validation{}
		if !kind.Valid() {
			v.Add("kind", "Choose the kind of opinion.")
		}
		if kind.Valid() && kind != p.Kind && in.Reason == "" {
			v.Add("reason", fmt.Sprintf("Attest proposes a %s; say why you choose a %s.", strings.ToLower(p.Kind.Label()), strings.ToLower(kind.Label())))
		}
		if kind.Modified() && in.Basis == "" {
			v.Add("basis", "Write the basis paragraph that the report prints before a "+strings.ToLower(kind.Label())+".")
		}
		if kind.Modified() && in.SOC3Reason == "" {
			v.Add("soc3_reason", "A SOC 3 is general-use and is rarely issued with a modified opinion: confirm it and give your reason.")
		}
		if err := v.Err(); err != nil {
			return err
		}
		before, err := loadStored(ctx, tx, engagementID)
		if err != nil {
			return err
		}
		// in.Version is the version the partner's form showed (0: none chosen yet). Another save
		// since then — another tab, another partner after a change of team — is not overwritten.
		if before.Version != in.Version {
			at := s.Clock.Now()
			if before.ChosenAt != nil {
				at = *before.ChosenAt
			}
			return &apperr.ConflictError{Entity: "opinion", Current: before, UpdatedAt: at}
		}
		if !kind.Modified() {
			in.Basis, in.SOC3Reason = "", ""
		}
		if kind == p.Kind {
			in.Reason = ""
		}
		reasons, _ := json.Marshal(p.Reasons)
		now := s.Clock.Now()
		if err := tx.Exec(`INSERT INTO opinions (engagement_id, proposed_kind, proposal_reasons, kind, kind_reason, basis,
				soc3_confirmed_reason, chosen_by, chosen_at, updated_at)
			VALUES (@id, @pk, @pr, @k, @r, @b, @s3, @u, @now, @now)
			ON CONFLICT (engagement_id) DO UPDATE SET proposed_kind = @pk, proposal_reasons = @pr, kind = @k, kind_reason = @r,
				basis = @b, soc3_confirmed_reason = @s3, chosen_by = @u, chosen_at = @now, updated_at = @now, version = opinions.version + 1`,
			map[string]any{"id": engagementID, "pk": string(p.Kind), "pr": string(reasons), "k": string(kind), "r": in.Reason,
				"b": in.Basis, "s3": in.SOC3Reason, "u": u.ID, "now": now}).Error; err != nil {
			return fmt.Errorf("saving the opinion of engagement %d: %w", engagementID, err)
		}
		return audit.Record(ctx, tx, u.Actor(), audit.Event{Action: "opinion.choose", EntityType: "opinion", EntityID: engagementID,
			EngagementID: engagementID, ClientID: clientID,
			Before: map[string]any{"kind": before.Kind, "basis": before.Basis},
			After: map[string]any{"proposed": p.Kind, "proposal_reasons": p.Reasons, "kind": kind, "reason": in.Reason,
				"basis": in.Basis, "soc3_reason": in.SOC3Reason}})
	})
}

// SignInput is what the partner enters to sign.
type SignInput struct {
	Password   string
	Code       string
	ReportDate string // YYYY-MM-DD
	IP         string
}

// Sign records the partner's signature: only the engagement's partner, only with password and
// TOTP code re-entered (throttled like sign-in), only when every gate holds and an opinion is
// chosen. It records the report date, moves the engagement to signed and locks it.
func (s *Service) Sign(ctx context.Context, u auth.User, engagementID int64, in SignInput) error {
	if ok, err := isEngagementPartner(s.DB.WithContext(ctx), u, engagementID); err != nil {
		return fmt.Errorf("checking the engagement partner: %w", err)
	} else if !ok {
		return ErrNotPartner
	}
	v := apperr.Validation{}
	date, perr := time.Parse("2006-01-02", strings.TrimSpace(in.ReportDate))
	if perr != nil {
		v.Add("report_date", "Enter the report date, e.g. 2026-08-15.")
	}
	if strings.TrimSpace(in.Password) == "" {
		v.Add("password", "Enter your password.")
	}
	if strings.TrimSpace(in.Code) == "" {
		v.Add("code", "Enter the 6-digit code from your authenticator app.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.Identity.ConfirmPassword(ctx, u.ID, in.Password, in.IP); err != nil {
		if errors.Is(err, auth.ErrInvalidCredentials) {
			return apperr.Validation{"password": "That password is not right. Wrong attempts count towards the sign-in limit."}
		}
		return err
	}
	if err := s.Identity.VerifyMFA(ctx, u, in.Code, in.IP); err != nil {
		if errors.Is(err, auth.ErrInvalidMFACode) {
			return apperr.Validation{"code": "That code is not right, or was already used. Wait for the next code and try again."}
		}
		return err
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		status, clientID, err := lockEngagement(tx, engagementID)
		if err != nil {
			return err
		}
		if status.Locked() {
			return apperr.ErrLocked
		}
		ev, err := s.evidence(ctx, tx, engagementID)
		if err != nil {
			return err
		}
		var missing []string
		for _, g := range Unmet(Gates(ev)) {
			missing = append(missing, g.Label+" ("+strings.Join(g.Problems, "; ")+")")
		}
		stored, err := loadStored(ctx, tx, engagementID)
		if err != nil {
			return err
		}
		if !stored.Kind.Valid() {
			missing = append(missing, "the opinion kind chosen by the partner")
		}
		var periodEnd time.Time
		if err := tx.Raw(`SELECT coalesce(period_end, as_of_date) FROM engagements WHERE id = ?`, engagementID).Row().Scan(&periodEnd); err != nil {
			return fmt.Errorf("loading the period of engagement %d: %w", engagementID, err)
		}
		if date.Before(periodEnd) {
			return apperr.Validation{"report_date": "The report date cannot be before the end of the period (" + periodEnd.Format("2006-01-02") + ")."}
		}
		if len(missing) > 0 {
			return &apperr.Transition{From: string(status), To: "signed", Missing: missing}
		}
		now := s.Clock.Now()
		if err := tx.Exec(`UPDATE opinions SET signed_by = ?, signed_at = ?, report_date = ?, version = version + 1, updated_at = ?
			WHERE engagement_id = ?`, u.ID, now, date, now, engagementID).Error; err != nil {
			return fmt.Errorf("signing the opinion of engagement %d: %w", engagementID, err)
		}
		if err := tx.Exec(`UPDATE engagements SET status = 'signed', locked_at = ?, report_date = ?, version = version + 1, updated_at = ?
			WHERE id = ?`, now, date, now, engagementID).Error; err != nil {
			return fmt.Errorf("locking engagement %d: %w", engagementID, err)
		}
		if err := audit.Record(ctx, tx, u.Actor(), audit.Event{Action: "opinion.sign", EntityType: "opinion", EntityID: engagementID,
			EngagementID: engagementID, ClientID: clientID, Before: map[string]any{"status": status},
			After: map[string]any{"status": "signed", "kind": stored.Kind, "report_date": date.Format("2006-01-02")}}); err != nil {
			return err
		}
		// The signature anchors the trail: a signed checkpoint of its head, in the same transaction.
		_, err = audit.WriteCheckpointTx(ctx, tx, s.AuditSigner, "engagement.sign")
		return err
	})
}

// Reopen withdraws the signature of a signed (or issued) engagement, with a reason: the
// engagement returns to review and unlocks, and any issued report versions are withdrawn. Only a
// partner of the firm on the engagement's team reopens; never after the documentation
// completion date (then only addenda may be added).
func (s *Service) Reopen(ctx context.Context, u auth.User, engagementID int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return apperr.Validation{"reason": "Say why the engagement is reopened: the reason is kept with the withdrawn signature."}
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		status, clientID, err := lockEngagement(tx, engagementID)
		if err != nil {
			return err
		}
		if ok, err := isEngagementPartner(tx, u, engagementID); err != nil {
			return err
		} else if !ok {
			return ErrNotPartner
		}
		if status != lifecycle.Signed && status != lifecycle.Issued {
			return &apperr.Transition{From: string(status), To: "review", Missing: []string{"a signed opinion to withdraw (the engagement is not signed)"}}
		}
		var released *time.Time
		if err := tx.Raw(`SELECT released_at FROM engagements WHERE id = ?`, engagementID).Row().Scan(&released); err != nil {
			return fmt.Errorf("loading engagement %d: %w", engagementID, err)
		}
		if released != nil && !s.Clock.Now().Before(DocumentationCompletion(*released)) {
			return &apperr.Transition{From: string(status), To: "review", Missing: []string{
				"a date before the documentation completion date (" + DocumentationCompletion(*released).Format("2006-01-02") +
					"): after it the file cannot change; add a dated addendum instead"}}
		}
		stored, err := loadStored(ctx, tx, engagementID)
		if err != nil {
			return err
		}
		var signedBy *int64
		_ = tx.Raw(`SELECT signed_by FROM opinions WHERE engagement_id = ?`, engagementID).Row().Scan(&signedBy)
		now := s.Clock.Now()
		if err := tx.Exec(`INSERT INTO engagement_reopenings (engagement_id, reason, reopened_by, reopened_at, withdrawn_signed_by,
			withdrawn_signed_at, withdrawn_report_date) VALUES (?, ?, ?, ?, ?, ?, ?)`, engagementID, reason, u.ID, now, signedBy,
			stored.SignedAt, stored.ReportDate).Error; err != nil {
			return fmt.Errorf("recording the reopening of engagement %d: %w", engagementID, err)
		}
		if err := tx.Exec(`UPDATE opinions SET signed_by = NULL, signed_at = NULL, version = version + 1, updated_at = ? WHERE engagement_id = ?`,
			now, engagementID).Error; err != nil {
			return fmt.Errorf("withdrawing the signature of engagement %d: %w", engagementID, err)
		}
		if err := tx.Exec(`UPDATE engagements SET status = 'review', locked_at = NULL, released_at = NULL, version = version + 1, updated_at = ?
			WHERE id = ?`, now, engagementID).Error; err != nil {
			return fmt.Errorf("reopening engagement %d: %w", engagementID, err)
		}
		withdrawn := int64(0)
		if s.Reports != nil {
			if withdrawn, err = s.Reports.WithdrawCurrent(ctx, tx, u.Actor(), engagementID, reason); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, u.Actor(), audit.Event{Action: "engagement.reopen", EntityType: "engagement", EntityID: engagementID,
			EngagementID: engagementID, ClientID: clientID,
			Before: map[string]any{"status": status, "signed_at": stored.SignedAt, "kind": stored.Kind},
			After:  map[string]any{"status": "review", "reason": reason, "reports_withdrawn": withdrawn}})
	})
}

// DocumentationCompletion is the date the engagement file must be final: release + 60 days.
func DocumentationCompletion(released time.Time) time.Time { return released.AddDate(0, 0, 60) }

// RetentionEnd is how long the file is kept: release + 5 years.
func RetentionEnd(released time.Time) time.Time { return released.AddDate(5, 0, 0) }

// EvidenceSource reads an engagement's report data (report.Service).
type EvidenceSource interface {
	LoadEvidence(ctx context.Context, engagementID int64) (Evidence, error)
}

// NewService wires the opinion to the sign-in checks and the reports.
func NewService(db *gorm.DB, clk clock.Clock, id Identity, reports interface {
	Withdrawer
	EvidenceSource
}) *Service {
	return &Service{DB: db, Clock: clk, Identity: id, Reports: reports, Evidence: reports.LoadEvidence}
}
