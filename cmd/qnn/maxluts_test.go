package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenMaxLUTs: gen --max-luts chooses a folding whose estimate fits
// (a larger budget never a slower one); a budget below every folding's
// estimate is one line naming the budget and the smallest estimate, exit 1,
// no design; --fold FILE excludes it.
func TestGenMaxLUTs(t *testing.T) {
	dir := t.TempDir()
	gen := func(budget string) (genReport, string, int) {
		out := filepath.Join(dir, "d"+budget)
		stdout, stderr, code := runQNN(t, "gen", "--model", testModel, "-o", out, "--max-luts", budget, "--json")
		var r genReport
		if code == exitOK {
			if err := json.Unmarshal([]byte(stdout), &r); err != nil {
				t.Fatalf("gen --json: %v\n%s", err, stdout)
			}
		}
		return r, stderr, code
	}
	small, stderr, code := gen("3000")
	if code != exitOK || small.Estimate.LUT > 3000 {
		t.Fatalf("--max-luts 3000: exit %d, estimate %d LUTs\n%s", code, small.Estimate.LUT, stderr)
	}
	large, stderr, code := gen("20000")
	if code != exitOK || large.Estimate.LUT > 20000 || large.CyclesPerFrame >= small.CyclesPerFrame {
		t.Fatalf("--max-luts 20000: exit %d, %d cycles, %d LUTs (3000: %d cycles)\n%s", code, large.CyclesPerFrame, large.Estimate.LUT, small.CyclesPerFrame, stderr)
	}
	_, stderr, code = gen("50")
	if code != exitUser || !strings.Contains(stderr, "fits in 50 LUTs: the smallest estimate is") || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
		t.Errorf("--max-luts 50: exit %d, stderr %q; want exit 1 and one line naming 50 and the smallest estimate", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "d50")); !os.IsNotExist(err) {
		t.Errorf("--max-luts 50 left a design directory (%v)", err)
	}
	fold := filepath.Join(dir, "fold.json")
	if err := os.WriteFile(fold, []byte(`[{"pe":1,"simd":1},{"pe":1,"simd":1},{"pe":1,"simd":1},{"pe":1,"simd":1}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = runQNN(t, "gen", "--model", testModel, "-o", filepath.Join(dir, "f"), "--fold", fold, "--max-luts", "3000")
	if code != exitUser || !strings.Contains(stderr, "--fold FILE excludes") {
		t.Errorf("--fold FILE --max-luts: exit %d, stderr %q", code, stderr)
	}
}
