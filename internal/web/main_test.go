package web_test

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/attest-soc/attest/internal/web/webtest"
)

// TestMain runs the package's tests and then, when all of them ran (no -run filter), checks
// POST-redirect-GET across the route table: webtest fails any test in which a form POST
// succeeds with a page instead of a redirect, and here every POST route must have been seen
// answering some test's form POST with a redirect (or declare RendersOnSuccess, with why).
// htmx partial endpoints pass because their requests carry HX-Request: they swap a fragment
// into the page, which the browser never reloads, so there is nothing to resubmit.
func TestMain(m *testing.M) {
	code := m.Run()
	if f := flag.Lookup("test.run"); code == 0 && f != nil && f.Value.String() == "" && !testing.Short() {
		if missing := webtest.PostRoutesNeverRedirected(); len(missing) > 0 {
			fmt.Fprintln(os.Stderr, "POST-redirect-GET: no test saw these POST routes answer a successful form POST with a redirect;")
			fmt.Fprintln(os.Stderr, "add a case to TestEveryFormPostRedirects (internal/web/post_redirect_test.go):")
			for _, r := range missing {
				fmt.Fprintln(os.Stderr, "  "+r)
			}
			code = 1
		}
	}
	os.Exit(code)
}
