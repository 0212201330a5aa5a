//go:build race

package keras

// raceEnabled: the race detector makes sync.Pool drop buffers at random, so the
// allocation tests cannot hold.
const raceEnabled = true
