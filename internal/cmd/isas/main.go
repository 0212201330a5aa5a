// Command isas prints the ISAs this CPU and build can run, best first, for the Makefile.
package main

import (
	"fmt"
	"strings"

	"github.com/simdnn/simdnn/dispatch"
)

func main() {
	supported := dispatch.DetectedCPU().Supported
	names := make([]string, len(supported))
	for i, isa := range supported {
		names[i] = string(isa)
	}
	fmt.Println(strings.Join(names, " "))
}
