package synth

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/qnn-dev/qnn/internal/proc"
)

// PnR is the result of placing and routing with nextpnr-ice40.
type PnR struct {
	Device  string  `json:"device"`
	Package string  `json:"package"`
	FreqMHz float64 `json:"target_mhz"`
	// Fmax is the achieved frequency per clock domain, in MHz.
	Fmax []Clock `json:"fmax"`
	// Utilization is used and available per device resource
	// (ICESTORM_LC, ICESTORM_RAM, SB_IO, ...), sorted by name.
	Utilization []Use   `json:"utilization"`
	Seconds     float64 `json:"seconds"`
}

// Clock is one clock domain's timing.
type Clock struct {
	Name        string  `json:"name"`
	AchievedMHz float64 `json:"achieved_mhz"`
	TargetMHz   float64 `json:"target_mhz"`
}

// Use is one resource's utilisation.
type Use struct {
	Resource  string `json:"resource"`
	Used      int    `json:"used"`
	Available int    `json:"available"`
}

// nextpnrReport is nextpnr's --report JSON.
type nextpnrReport struct {
	Fmax map[string]struct {
		Achieved   float64 `json:"achieved"`
		Constraint float64 `json:"constraint"`
	} `json:"fmax"`
	Utilization map[string]struct {
		Available int `json:"available"`
		Used      int `json:"used"`
	} `json:"utilization"`
}

var nextpnrStage = regexp.MustCompile(`^Info: (?:(Packing|Placing|Routing|Running|Checksum)\b.*?|.*(Program finished).*)$`)

// runNextpnr places and routes OutDir/netlist.json.
func runNextpnr(ctx context.Context, nextpnr string, o *Options) (*PnR, error) {
	if o.Progress != nil {
		o.Progress("nextpnr-ice40 place and route")
	}
	report := filepath.Join(o.OutDir, pnrReport)
	cmd := proc.Command(ctx, nextpnr, nextpnrArgs(o)...)
	cmd.Dir = o.Dir
	start := time.Now()
	out, err := runStreaming(cmd, o.Progress, nextpnrStage)
	if err != nil {
		return nil, fmt.Errorf("synth: nextpnr-ice40 failed (log %s): %w%s", filepath.Join(o.OutDir, pnrLogFile), err, lastError(out))
	}
	data, err := os.ReadFile(report)
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	p, err := parseNextpnr(data)
	if err != nil {
		return nil, err
	}
	p.Device, p.Package, p.FreqMHz = o.Device, o.Package, o.FreqMHz
	p.Seconds = time.Now().Sub(start).Seconds()
	return p, nil
}

// nextpnrArgs is nextpnr-ice40's command line: the device (--hx8k,
// --up5k) and package, the netlist and report in OutDir, the target clock,
// the seed, unconstrained pins allowed, a missed target clock allowed (the
// report gives the achieved Fmax beside the target), and the log.
func nextpnrArgs(o *Options) []string {
	return []string{"--" + o.Device, "--package", o.Package,
		"--json", filepath.Join(o.OutDir, netlistFile), "--report", filepath.Join(o.OutDir, pnrReport),
		"--freq", strconv.FormatFloat(o.FreqMHz, 'f', -1, 64), "--seed", strconv.Itoa(o.Seed),
		"--pcf-allow-unconstrained", "--timing-allow-fail", "-l", filepath.Join(o.OutDir, pnrLogFile)}
}

// parseNextpnr reads nextpnr's --report JSON.
func parseNextpnr(data []byte) (*PnR, error) {
	var r nextpnrReport
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("synth: nextpnr report: %w", err)
	}
	p := &PnR{}
	for _, name := range sortedKeys(r.Fmax) {
		f := r.Fmax[name]
		p.Fmax = append(p.Fmax, Clock{Name: name, AchievedMHz: f.Achieved, TargetMHz: f.Constraint})
	}
	for _, name := range sortedKeys(r.Utilization) {
		u := r.Utilization[name]
		p.Utilization = append(p.Utilization, Use{Resource: name, Used: u.Used, Available: u.Available})
	}
	sort.SliceStable(p.Utilization, func(i, j int) bool { return p.Utilization[i].Resource < p.Utilization[j].Resource })
	return p, nil
}
