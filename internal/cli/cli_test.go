package cli

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
)

func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, &out, &errb, func(string) string { return "" })
	return code, out.String(), errb.String()
}

func TestHelpListsEveryCommand(t *testing.T) {
	code, out, _ := run("--help")
	assert.Equal(t, 0, code)
	for name := range commands {
		assert.Contains(t, out, "  "+name+" ", "help lists %s", name)
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for name := range commands {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(name, "--help")
			assert.Equal(t, 0, code, "attest %s --help exits 0", name)
			assert.Contains(t, out+errOut, "Usage: attest "+name)
		})
	}
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	code, _, errOut := run("frobnicate")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `unknown command "frobnicate"`)
}

func TestInvalidConfigurationNamesTheVariable(t *testing.T) {
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"serve"}, &out, &errb, func(k string) string {
		if k == "ATTEST_SESSION_IDLE" {
			return "soon"
		}
		return ""
	})
	assert.Equal(t, 1, code)
	assert.Contains(t, errb.String(), "ATTEST_SESSION_IDLE")
}
