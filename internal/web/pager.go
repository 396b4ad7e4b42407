package web

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/templates"
)

// Long lists show pageSize rows a page: the request list of a large engagement has thousands.
const pageSize = 100

// pageParam is the 1-based page the request asks for (?page=N); anything else is page 1.
func pageParam(c echo.Context) int {
	n, err := strconv.Atoi(c.QueryParam("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// pager describes page (1-based) of a list that fetched shown rows, and whether more follow;
// the links keep the request's other query parameters.
func pager(c echo.Context, page, shown int, more bool) templates.PagerView {
	v := templates.PagerView{Page: page, From: (page-1)*pageSize + 1, To: (page-1)*pageSize + shown}
	link := func(p int) string {
		q := c.Request().URL.Query()
		if p == 1 {
			q.Del("page")
		} else {
			q.Set("page", strconv.Itoa(p))
		}
		if enc := q.Encode(); enc != "" {
			return c.Request().URL.Path + "?" + enc
		}
		return c.Request().URL.Path
	}
	if page > 1 {
		v.PrevURL = link(page - 1)
	}
	if more {
		v.NextURL = link(page + 1)
	}
	return v
}
