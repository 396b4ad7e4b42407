package db

import (
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgtype"
	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/apperr"
)

// One runs query through gorm's Raw and scans its single row into a T (a row struct, or a
// single column into a basic type), or returns apperr.ErrNotFound when there is no row. what
// names the row for other errors ("control 12"). It is the one way to load one row: no
// `ID == 0` checks, no sql.ErrNoRows, no gorm.ErrRecordNotFound outside this file. Add
// FOR UPDATE to query (inside a transaction) to lock the row.
func One[T any](tx *gorm.DB, what, query string, args ...any) (T, error) {
	var out T
	err := tx.Raw(query, args...).Take(&out).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return out, apperr.ErrNotFound
	}
	if err != nil {
		return out, fmt.Errorf("loading %s: %w", what, err)
	}
	return out, nil
}

// First is One for gorm's ORM single-row loads (`dbx.First[User](tx.Where("lower(email) = ?",
// e))`, with clause.Locking on q to lock): the row, or apperr.ErrNotFound when there is none.
// A single bytea column needs a row struct (gorm takes a []byte destination for many rows).
func First[T any](q *gorm.DB, what string, conds ...any) (T, error) {
	var out T
	err := q.First(&out, conds...).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return out, apperr.ErrNotFound
	}
	if err != nil {
		return out, fmt.Errorf("loading %s: %w", what, err)
	}
	return out, nil
}

// IntArray is a PostgreSQL integer[] as a Go slice, scanned and sent natively like TextArray.
type IntArray []int

// Scan reads an integer[] (NULL becomes an empty slice).
func (a *IntArray) Scan(src any) error {
	var out []int
	if err := typeMap.SQLScanner(&out).Scan(src); err != nil {
		return fmt.Errorf("scanning integer[]: %w", err)
	}
	if out == nil {
		out = []int{}
	}
	*a = out
	return nil
}

// Value sends the slice as an integer[] literal.
func (a IntArray) Value() (driver.Value, error) {
	s := []int(a)
	if s == nil {
		s = []int{}
	}
	buf, err := typeMap.Encode(pgtype.Int8ArrayOID, pgtype.TextFormatCode, s, nil)
	if err != nil {
		return nil, fmt.Errorf("encoding integer[]: %w", err)
	}
	return string(buf), nil
}

// TextArray is a PostgreSQL text[] as a Go slice, scanned and sent natively through pgx's
// types: no array_to_json round trip when reading, no jsonb_array_elements_text when writing.
// Use it as a row struct field or as a query parameter (`= ANY(?)`, `VALUES (?)`).
type TextArray []string

var typeMap = pgtype.NewMap()

// Scan reads a text[] (NULL becomes an empty slice).
func (a *TextArray) Scan(src any) error {
	var out []string
	if err := typeMap.SQLScanner(&out).Scan(src); err != nil {
		return fmt.Errorf("scanning text[]: %w", err)
	}
	if out == nil {
		out = []string{}
	}
	*a = out
	return nil
}

// Value sends the slice as a text[] literal (gorm would otherwise expand a plain slice into a
// list of parameters).
func (a TextArray) Value() (driver.Value, error) {
	s := []string(a)
	if s == nil {
		s = []string{}
	}
	buf, err := typeMap.Encode(pgtype.TextArrayOID, pgtype.TextFormatCode, s, nil)
	if err != nil {
		return nil, fmt.Errorf("encoding text[]: %w", err)
	}
	return string(buf), nil
}

// Select runs query and scans each row into a T through fields, which names the destination of
// each column in order. It is for the lists that read hundreds of rows on a page: gorm's
// reflective Scan costs about 4 µs and 30 allocations a row more (issue #19, docs/performance.md).
func Select[T any](tx *gorm.DB, query string, args []any, fields func(*T) []any) ([]T, error) {
	rows, err := tx.Raw(query, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var row T
		if err := rows.Scan(fields(&row)...); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, rows.Err()
}
