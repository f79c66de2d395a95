package popcount

import (
	"fmt"
	"testing"
	"time"
)

// TestVerilatorLint: trees and references pass verilator --lint-only -Wall
// with no waivers.
func TestVerilatorLint(t *testing.T) {
	requireTool(t, "verilator")
	for _, n := range []int{1, 2, 3, 6, 7, 36, 64, 100, 256} {
		for _, xnor := range []bool{false, true} {
			for _, p := range []int{0, 1, 2} {
				o := Options{N: n, XNOR: xnor, PipelineEvery: p}
				gens := map[string]func(Options) (string, string, error){"tree": Compressor}
				if p == 0 {
					gens["ref"] = Reference
				}
				for kind, gen := range gens {
					t.Run(fmt.Sprintf("%s_%s", kind, o.Name()), func(t *testing.T) {
						name, v, err := gen(o)
						if err != nil {
							t.Fatal(err)
						}
						dir := t.TempDir()
						f := writeModule(t, dir, name, v)
						if out, err := run(t, dir, time.Minute, "verilator", "--lint-only", "-Wall", "--top-module", name, f); err != nil {
							t.Fatalf("%v\n%s", err, tail(out, 20))
						}
					})
				}
			}
		}
	}
}
