//go:build unix

package coach

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A picture that is a named pipe is refused without opening it (opening
// would wait for a writer forever).
func TestPictureThatIsAPipe(t *testing.T) {
	path := scriptDir(t, "images/pipe.png")
	require.NoError(t, syscall.Mkfifo(filepath.Join(filepath.Dir(path), "images", "pipe.png"), 0o644))
	_, err := LoadFile(path)
	require.Error(t, err)
	assert.Contains(t, strings.Split(err.Error(), "\n"), path+`:7:12: image "images/pipe.png": is not a regular file`)
	_, err = os.Stat(path)
	require.NoError(t, err)
}
