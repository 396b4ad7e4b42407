// Package apperr holds the typed errors that domain functions return and the web layer maps to
// status codes and messages in one place.
package apperr

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

var (
	// ErrNotFound: the object does not exist, or the user may not know that it does.
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the user is known but the policy refuses the action.
	ErrForbidden = errors.New("forbidden")
	// ErrLocked: the engagement is signed or archived and can no longer change.
	ErrLocked = errors.New("engagement is locked")
)

// Validation lists problems by form field name; the form shows each next to its field.
type Validation map[string]string

// Error joins the field messages, in a stable order.
func (v Validation) Error() string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+v[k])
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add records msg for field unless the field already has a message.
func (v Validation) Add(field, msg string) {
	if _, ok := v[field]; !ok {
		v[field] = msg
	}
}

// Err returns v as an error, or nil when it holds no problems.
func (v Validation) Err() error {
	if len(v) == 0 {
		return nil
	}
	return v
}

// AsValidation extracts the field problems from err.
func AsValidation(err error) (Validation, bool) {
	var v Validation
	ok := errors.As(err, &v)
	return v, ok
}

// ConflictError says a save was based on a stale version. Current is the stored version, so the
// user can compare it with what they typed.
type ConflictError struct {
	Entity    string
	Current   any
	UpdatedAt time.Time
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s was changed by someone else at %s", e.Entity, e.UpdatedAt.Format("15:04"))
}

// AsConflict extracts a conflict from err.
func AsConflict(err error) (*ConflictError, bool) {
	var c *ConflictError
	ok := errors.As(err, &c)
	return c, ok
}

// Transition says a status change is not allowed yet; Missing lists what must happen first.
type Transition struct {
	From, To string
	Missing  []string
}

func (e *Transition) Error() string {
	return fmt.Sprintf("cannot move from %s to %s: %s", e.From, e.To, strings.Join(e.Missing, "; "))
}
