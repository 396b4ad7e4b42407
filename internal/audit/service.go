package audit

import "gorm.io/gorm"

// Service is the audit capability's entry point, built once (web.New, the CLI) and reached the
// same way from every caller. Functions that take a transaction (`tx *gorm.DB`) stay package
// functions: they run inside a caller's transaction, not on their own connection.
type Service struct {
	DB *gorm.DB
}

// NewService returns the audit service over db.
func NewService(db *gorm.DB) *Service { return &Service{DB: db} }

// WithTx returns the service bound to a caller's transaction, so its reads see (and lock with)
// the rows that transaction is changing — the way sqlc's Queries.WithTx works.
func (s *Service) WithTx(tx *gorm.DB) *Service { return &Service{DB: tx} }
