// Command coach is a hands-free exercise coach: it reads a voice script,
// speaks a sample-accurate session and shows it on a companion page.
package main

import (
	"os"

	"github.com/coach-dev/coach/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.Std()))
}
