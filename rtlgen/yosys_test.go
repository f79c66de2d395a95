package rtlgen

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needYosys skips the test when yosys is missing, except under CI, where
// it fails.
func needYosys(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("yosys"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("yosys not installed (run scripts/setup.sh)")
		}
		t.Skip("yosys not installed (run scripts/setup.sh)")
	}
}

// TestGeneratedYosysCheck: every golden design (dense ones with and
// without pipelined compressor trees, lane-product trees, k-bit kinds)
// passes Yosys `proc; check -assert` at RTL level, elaborated from its
// top: no latches, no multiple drivers, no combinational loops.
func TestGeneratedYosysCheck(t *testing.T) {
	needYosys(t)
	for _, d := range goldenDesigns(t) {
		t.Run(d.name, func(t *testing.T) {
			files, err := Files(d.p, Options{Version: "yosys-check"})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			var rtl []string
			for name, src := range files {
				if !strings.HasPrefix(name, RTLDir+"/") && !strings.HasPrefix(name, MemDir+"/") {
					continue
				}
				dst := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(dst, src, 0o644); err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(name, RTLDir+"/") {
					rtl = append(rtl, name)
				}
			}
			script := "read_verilog " + strings.Join(rtl, " ") + "; hierarchy -top " + DefaultTop + "; proc; check -assert"
			cmd := exec.Command("yosys", "-q", "-p", script)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("yosys: %v\n%s", err, lastLines(string(out), 20))
			}
		})
	}
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
