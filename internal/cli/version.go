package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/coach-dev/coach/voice"
)

// commit is set by the Makefile (-ldflags -X) where the build has no VCS
// stamp (GOFLAGS=-buildvcs=false, a worktree).
var commit string

// version says which coach this is: the module version, the commit it was
// built from (with "+changes" for a dirty tree) and the voice pack inside.
func version() string {
	v, built := "(devel)", "unknown commit"
	if commit != "" {
		built = "commit " + commit
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		var rev, dirty string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+changes"
				}
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			built = "commit " + rev + dirty
		}
	}
	pack := "voice pack unreadable"
	if m, err := voice.DefaultManifest(); err == nil {
		pack = fmt.Sprintf("voice pack: %d prompts at %d Hz, %s", len(m.Clips), m.Rate, m.Voice)
	}
	return fmt.Sprintf("coach %s (%s; %s)", v, built, pack)
}
