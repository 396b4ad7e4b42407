package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
)

// MFAIssuer is the name authenticator apps show next to the account.
const MFAIssuer = "Attest"

// RecoveryCodeCount is how many single-use recovery codes an enrolment issues.
const RecoveryCodeCount = 10

// ErrInvalidMFACode covers a wrong, stale or reused code alike.
var ErrInvalidMFACode = errors.New("invalid authentication code")

var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// MFASetup is what the enrolment page shows: the secret as text and as a QR code.
type MFASetup struct {
	Secret    string
	QRDataURI string // data:image/png;base64,…
}

// BeginMFAEnrolment returns u's pending TOTP secret, creating and storing one if u has none. The
// secret only counts once ConfirmMFAEnrolment has seen a code made from it.
func (s *Service) BeginMFAEnrolment(ctx context.Context, u User) (MFASetup, error) {
	if u.MFAEnabled() {
		return MFASetup{}, apperr.Validation{"code": "Two-step verification is already on for this account."}
	}
	secret := u.MFASecret
	if secret == "" {
		key, err := totp.Generate(totp.GenerateOpts{Issuer: MFAIssuer, AccountName: u.Email})
		if err != nil {
			return MFASetup{}, fmt.Errorf("generating TOTP secret: %w", err)
		}
		secret = key.Secret()
		res := s.DB.WithContext(ctx).Model(&User{}).Where("id = ? AND mfa_enabled_at IS NULL", u.ID).Update("mfa_secret", secret)
		if res.Error != nil {
			return MFASetup{}, fmt.Errorf("storing pending TOTP secret of user %d: %w", u.ID, res.Error)
		}
	}
	return mfaSetup(u.Email, secret)
}

func mfaSetup(email, secret string) (MFASetup, error) {
	key, err := otp.NewKeyFromURL(fmt.Sprintf("otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=6&period=30",
		MFAIssuer, email, secret, MFAIssuer))
	if err != nil {
		return MFASetup{}, fmt.Errorf("building TOTP key: %w", err)
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return MFASetup{}, fmt.Errorf("drawing QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return MFASetup{}, fmt.Errorf("encoding QR code: %w", err)
	}
	return MFASetup{Secret: secret, QRDataURI: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// ConfirmMFAEnrolment checks a code made from u's pending secret and turns MFA on. It returns
// the recovery codes, which exist in clear text only in this return value.
func (s *Service) ConfirmMFAEnrolment(ctx context.Context, u User, code, ip string) ([]string, error) {
	key := "mfa:" + u.Email
	attempt, err := s.beginAttempt(ctx, key, ip)
	if err != nil {
		return nil, err
	}
	if u.MFASecret == "" || u.MFAEnabled() || !s.validTOTP(normalizeCode(code), u.MFASecret) {
		return nil, ErrInvalidMFACode
	}
	if err := s.attemptSucceeded(ctx, attempt); err != nil {
		return nil, err
	}
	return s.EnableMFA(ctx, u.Actor(), u.ID, u.MFASecret)
}

// EnableMFA turns MFA on for userID with secret, replaces the recovery codes and audits it. The
// demo seed calls it directly with the documented demo secrets.
func (s *Service) EnableMFA(ctx context.Context, actor audit.Actor, userID int64, secret string) ([]string, error) {
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		c, err := newRecoveryCode()
		if err != nil {
			return nil, err
		}
		codes[i] = c
	}
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.Clock.Now()
		res := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{
			"mfa_secret": secret, "mfa_enabled_at": now, "updated_at": now, "version": gorm.Expr("version + 1")})
		if res.Error != nil {
			return fmt.Errorf("enabling MFA of user %d: %w", userID, res.Error)
		}
		if res.RowsAffected == 0 {
			return apperr.ErrNotFound
		}
		if err := tx.Exec(`DELETE FROM recovery_codes WHERE user_id = ?`, userID).Error; err != nil {
			return fmt.Errorf("replacing recovery codes of user %d: %w", userID, err)
		}
		for _, c := range codes {
			if err := tx.Exec(`INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)`, userID, hashRecoveryCode(c)).Error; err != nil {
				return fmt.Errorf("storing recovery code: %w", err)
			}
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "user.mfa_enable", EntityType: "user", EntityID: userID,
			After: map[string]any{"mfa": true, "recovery_codes": len(codes)}})
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// VerifyMFA checks the second step of a sign-in: a TOTP code, or a recovery code (which is used
// up and audited). Failures count towards the same throttle as passwords, under their own key.
func (s *Service) VerifyMFA(ctx context.Context, u User, code, ip string) error {
	key := "mfa:" + u.Email
	attempt, err := s.beginAttempt(ctx, key, ip)
	if err != nil {
		return err
	}
	code = normalizeCode(code)
	ok := false
	if u.MFAEnabled() && code != "" {
		if isDigits(code) {
			if ok, err = s.useTOTP(ctx, u, code); err != nil {
				return err
			}
		} else {
			used, err := s.useRecoveryCode(ctx, u, code)
			if err != nil {
				return err
			}
			ok = used
		}
	}
	if !ok {
		return ErrInvalidMFACode
	}
	return s.attemptSucceeded(ctx, attempt)
}

// RemainingRecoveryCodes counts u's unused recovery codes (the account page shows it).
func (s *Service) RemainingRecoveryCodes(ctx context.Context, userID int64) (int64, error) {
	var n int64
	err := s.DB.WithContext(ctx).Table("recovery_codes").Where("user_id = ? AND used_at IS NULL", userID).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("counting recovery codes of user %d: %w", userID, err)
	}
	return n, nil
}

func (s *Service) useRecoveryCode(ctx context.Context, u User, code string) (bool, error) {
	used := false
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE recovery_codes SET used_at = ? WHERE id = (
			SELECT id FROM recovery_codes WHERE user_id = ? AND code_hash = ? AND used_at IS NULL LIMIT 1)`,
			s.Clock.Now(), u.ID, hashRecoveryCode(code))
		if res.Error != nil {
			return fmt.Errorf("using recovery code of user %d: %w", u.ID, res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		used = true
		var left int64
		if err := tx.Table("recovery_codes").Where("user_id = ? AND used_at IS NULL", u.ID).Count(&left).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, u.Actor(), audit.Event{Action: "user.mfa_recovery_code_used", EntityType: "user", EntityID: u.ID,
			After: map[string]any{"recovery_codes_left": left}})
	})
	return used, err
}

func (s *Service) validTOTP(code, secret string) bool {
	ok, err := totp.ValidateCustom(code, secret, s.Clock.Now(), totpOpts)
	return err == nil && ok
}

// useTOTP accepts a code once: it must match a time step within the allowed skew that is later
// than the step of the user's previous sign-in (RFC 6238 §5.2), recorded atomically.
func (s *Service) useTOTP(ctx context.Context, u User, code string) (bool, error) {
	step, ok := totpStep(code, u.MFASecret, s.Clock.Now())
	if !ok {
		return false, nil
	}
	res := s.DB.WithContext(ctx).Exec(`UPDATE users SET mfa_last_step = ? WHERE id = ? AND mfa_last_step < ?`, step, u.ID, step)
	if res.Error != nil {
		return false, fmt.Errorf("recording the MFA step of user %d: %w", u.ID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// totpStep returns the time step whose code matches, trying the skew window around now.
func totpStep(code, secret string, now time.Time) (int64, bool) {
	period := int64(totpOpts.Period)
	for skew := -int64(totpOpts.Skew); skew <= int64(totpOpts.Skew); skew++ {
		step := now.Unix()/period + skew
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*period, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// normalizeCode drops the spaces and dashes people type and ignores case.
func normalizeCode(code string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(strings.TrimSpace(code)))
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// newRecoveryCode returns ten random base32 characters (50 bits) shown as xxxxx-xxxxx.
func newRecoveryCode() (string, error) {
	b := make([]byte, 7)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	s := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))[:10]
	return s[:5] + "-" + s[5:], nil
}

// hashRecoveryCode: the codes are random with 50 bits, so a plain SHA-256 suffices (unlike
// passwords, they cannot be guessed from a dictionary) and lookups stay a single indexed query.
func hashRecoveryCode(code string) []byte {
	sum := sha256.Sum256([]byte(normalizeCode(code)))
	return sum[:]
}
