package synth

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestNextpnrArgs checks nextpnr-ice40's command line per device: the
// device flag, its default package, the clock and seed defaults.
func TestNextpnrArgs(t *testing.T) {
	out := filepath.FromSlash("/d/synth")
	tests := []struct {
		name string
		opt  Options
		want []string
	}{
		{"hx8k default", Options{Target: ICE40}, []string{"--hx8k", "--package", "ct256", "--freq", "12", "--seed", "1"}},
		{"up5k", Options{Target: ICE40, Device: "up5k", FreqMHz: 24.5, Seed: 3}, []string{"--up5k", "--package", "sg48", "--freq", "24.5", "--seed", "3"}},
		{"hx8k other package", Options{Target: ICE40, Device: "hx8k", Package: "cb132", FreqMHz: 60}, []string{"--hx8k", "--package", "cb132", "--freq", "60", "--seed", "1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opt
			o.OutDir = out
			if err := o.setupDevice(); err != nil {
				t.Fatal(err)
			}
			want := []string{tc.want[0], tc.want[1], tc.want[2],
				"--json", filepath.Join(out, "netlist.json"), "--report", filepath.Join(out, "nextpnr-report.json"),
				tc.want[3], tc.want[4], tc.want[5], tc.want[6],
				"--pcf-allow-unconstrained", "--timing-allow-fail", "-l", filepath.Join(out, "nextpnr.log")}
			if diff := cmp.Diff(want, nextpnrArgs(&o)); diff != "" {
				t.Errorf("nextpnr args mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestScriptSynthICE40 checks the synth_ice40 line: -dsp on up5k only,
// -dffe_min_ce_use when set.
func TestScriptSynthICE40(t *testing.T) {
	tests := []struct {
		opt  Options
		want string
	}{
		{Options{Top: "t", Target: ICE40, Device: "hx8k"}, "synth_ice40 -top t -noflatten\n"},
		{Options{Top: "t", Target: ICE40, Device: "up5k"}, "synth_ice40 -top t -noflatten -dsp\n"},
		{Options{Top: "t", Target: ICE40, Device: "hx8k", MinCEUse: 8}, "synth_ice40 -top t -noflatten -dffe_min_ce_use 8\n"},
		{Options{Top: "t", Target: ICE40, Device: "up5k", ABC9: true, MinCEUse: 4}, "synth_ice40 -top t -noflatten -abc9 -dsp -dffe_min_ce_use 4\n"},
	}
	for _, tc := range tests {
		if s := tc.opt.script(); !strings.Contains(s, "\n"+tc.want) {
			t.Errorf("%+v: script lacks %q:\n%s", tc.opt, tc.want, s)
		}
	}
}
