// Command attest is the Attest server and its operator commands.
package main

import "github.com/attest-soc/attest/internal/cli"

func main() { cli.Main() }
