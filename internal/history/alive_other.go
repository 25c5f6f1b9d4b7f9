//go:build !unix

package history

// processAlive cannot be checked here: running rows are closed only once
// they are stale.
func processAlive(int) bool { return true }
