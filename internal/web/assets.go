package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/static"
)

// assetIndex maps each static file to a short hash of its content. Pages link to
// /static/<file>?v=<hash>, so the files can be cached for a year and still change on deploy.
type assetIndex map[string]string

func newAssetIndex() (assetIndex, error) {
	idx := assetIndex{}
	err := fs.WalkDir(static.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static.FS, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		idx[path] = hex.EncodeToString(sum[:])[:12]
		return nil
	})
	return idx, err
}

func (a assetIndex) url(name string) string {
	if v, ok := a[name]; ok {
		return "/static/" + name + "?v=" + v
	}
	return "/static/" + name
}

func (s *Server) serveStatic(c echo.Context) error {
	name := strings.TrimPrefix(c.Param("*"), "/")
	if _, ok := s.assets[name]; !ok {
		return echo.ErrNotFound
	}
	if c.QueryParam("v") == s.assets[name] {
		c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Response().Header().Set("Cache-Control", "public, max-age=300")
	}
	http.FileServer(http.FS(static.FS)).ServeHTTP(c.Response(), withPath(c.Request(), "/"+name))
	return nil
}

func withPath(r *http.Request, path string) *http.Request {
	r2 := r.Clone(r.Context())
	r2.URL.Path = path
	return r2
}
