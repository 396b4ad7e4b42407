package firm

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/clock"
	"github.com/attest-soc/attest/internal/db/dbtest"
)

func TestUpdateClientDetectsAStaleVersion(t *testing.T) {
	s := &Service{DB: dbtest.New(t), Clock: &clock.Fixed{T: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}}
	ctx := context.Background()
	c, err := s.CreateClient(ctx, audit.System, ClientInput{Name: " Northwind Ledger "})
	require.NoError(t, err)
	assert.Equal(t, "Northwind Ledger", c.Name)
	_, err = s.CreateClient(ctx, audit.System, ClientInput{Name: "NORTHWIND LEDGER"})
	v, _ := apperr.AsValidation(err)
	assert.Contains(t, v["name"], "already has this name")

	saved, err := s.UpdateClient(ctx, audit.System, c.ID, 1, ClientInput{Name: "Northwind Ledger", LegalName: "Northwind Ledger, Inc."})
	require.NoError(t, err)
	assert.Equal(t, 2, saved.Version)

	_, err = s.UpdateClient(ctx, audit.System, c.ID, 1, ClientInput{Name: "Northwind"})
	conflict, ok := apperr.AsConflict(err)
	require.True(t, ok, "got %v", err)
	assert.Equal(t, "Northwind Ledger, Inc.", conflict.Current.(Client).LegalName)
	got, err := s.GetClient(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, "Northwind Ledger", got.Name, "nothing changed")

	_, err = s.UpdateClient(ctx, audit.System, 999999, 1, ClientInput{Name: "Nobody"})
	assert.ErrorIs(t, err, apperr.ErrNotFound)
}

func TestSettingsValidateTheLogo(t *testing.T) {
	in := SettingsInput{FirmName: "Harbor & Vale CPAs LLP", City: "Portland", State: "Oregon", Logo: []byte("GIF89a....")}
	v, _ := in.Validate()
	assert.Contains(t, v["logo"], "PNG or JPEG")
	in.Logo = append([]byte("\xff\xd8\xff\xe0"), make([]byte, 100)...)
	v, contentType := in.Validate()
	assert.Empty(t, v)
	assert.Equal(t, "image/jpeg", contentType)
}
