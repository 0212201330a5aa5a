// Command isas prints the ISAs this CPU and build can run, best first, for the Makefile.
package main

import (
	"fmt"
	"strings"

	"github.com/simdnn/simdnn/dispatch"
)

func main() {
	names := make([]string, len(dispatch.Detected.Supported))
	for i, isa := range dispatch.Detected.Supported {
		names[i] = string(isa)
	}
	fmt.Println(strings.Join(names, " "))
}
