package main

import (
	. "github.com/mmcloughlin/avo/build"
)

// generateSpinPause emits spinPause, the hint a polling loop gives the core on each turn.
// Without it a polling thread takes issue slots from the hyperthread beside it, which may
// be the thread it waits for (kernels' poll has the measurements).
func generateSpinPause() {
	TEXT("spinPause", NOSPLIT, "func()")
	Doc("spinPause executes PAUSE: a polling loop's turn, which yields the core's",
		"resources to its other hyperthread and saves power while it waits.")
	PAUSE()
	RET()
}
