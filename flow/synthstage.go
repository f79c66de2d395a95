package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/qnn-dev/qnn/rtlgen"
	"github.com/qnn-dev/qnn/synth"
)

func (r *runner) synthSkip() string {
	if r.cfg.SynthTarget == "" {
		return "--target none"
	}
	return ""
}

func (r *runner) synthInputs() (string, error) {
	var h hasher
	h.add("target", []byte(r.cfg.SynthTarget))
	if err := h.addFiles(r.cfg.Dir, DesignDir+"/"+rtlgen.RTLDir, DesignDir+"/"+rtlgen.MemDir); err != nil {
		return "", err
	}
	return h.sum(), nil
}

// synthNetlist is the flattened netlist package synth writes to its
// output directory; runSynth reads it for the per-layer counts, then
// removes it (it is large).
const synthNetlist = "netlist.json"

// runSynth runs Yosys on the design and attributes the flattened cells to
// the top's instances (one per MVTU, the binarizer and the argmax).
func (r *runner) runSynth() ([]string, error) {
	if _, err := exec.LookPath("yosys"); err != nil {
		return nil, userErrorf("flow: synth: yosys not found on PATH; install it with scripts/setup.sh, or use --target none")
	}
	opt := synth.Options{Dir: r.path(DesignDir), Top: rtlgen.DefaultTop, Target: synth.Target(r.cfg.SynthTarget),
		OutDir: r.path(SynthDir)}
	r.progress("synth: yosys %s on %s (a minute or more)", synthFlow(r.cfg.SynthTarget), opt.Dir)
	rep, err := synth.Run(r.ctx, opt)
	if r.ctx.Err() != nil {
		return nil, r.interrupted(StageSynth, "run the same command again to continue")
	}
	if err != nil {
		if errors.Is(err, synth.ErrDesign) {
			return nil, err
		}
		return nil, fmt.Errorf("%w (the report has every other stage; see %s)", err, r.path(SynthDir))
	}
	s := &SynthResult{Target: string(rep.Target), Yosys: rep.Yosys, Seconds: rep.YosysSeconds, Depth: rep.Depth,
		Warnings: len(rep.Warnings), Total: resourcesOf(rep.Total), Report: SynthDir + "/report.md"}
	nl := r.path(SynthDir + "/" + synthNetlist)
	if inst, err := instanceResources(nl); err == nil {
		s.Instances = inst
	} else {
		r.progress("synth: no per-layer breakdown: %v", err)
	}
	os.Remove(nl)
	r.rep.Synth = s
	return []string{SynthDir + "/report.json", SynthDir + "/report.md"}, nil
}

// resourcesOf keeps the counts the report shows.
func resourcesOf(x synth.Resources) Resources {
	return Resources{LUT: x.LUT, FF: x.FF, Carry: x.Carry, MuxF: x.MuxF7 + x.MuxF8, BRAM36: x.BRAM36(),
		RAM4K: x.RAM4K, LUTRAM: x.LUTRAM, DSP: x.DSP}
}

// instanceResources counts the cells of a flattened Yosys netlist per
// top-level instance: flatten names a cell of instance u_x "u_x.cell" or
// "$flatten\u_x.cell". Cells of the top itself count under "".
func instanceResources(path string) (map[string]Resources, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var nl struct {
		Modules map[string]struct {
			Cells map[string]struct {
				Type string `json:"type"`
			} `json:"cells"`
		} `json:"modules"`
	}
	if err := json.NewDecoder(f).Decode(&nl); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	top, ok := nl.Modules[rtlgen.DefaultTop]
	if !ok {
		return nil, fmt.Errorf("%s: no module %s", path, rtlgen.DefaultTop)
	}
	out := map[string]Resources{}
	for name, c := range top.Cells {
		inst := synth.TopInstance(name)
		res := out[inst]
		res.addCell(c.Type)
		out[inst] = res
	}
	return out, nil
}

// addCell counts one primitive (the classes package synth reports).
func (x *Resources) addCell(typ string) {
	switch {
	case typ == "INV" || typ == "SB_LUT4" || (len(typ) == 4 && strings.HasPrefix(typ, "LUT")):
		x.LUT++
	case strings.HasPrefix(typ, "FD") || strings.HasPrefix(typ, "SB_DFF"):
		x.FF++
	case strings.HasPrefix(typ, "CARRY") || typ == "SB_CARRY":
		x.Carry++
	case typ == "MUXF7" || typ == "MUXF8":
		x.MuxF++
	case strings.HasPrefix(typ, "RAMB36"):
		x.BRAM36++
	case strings.HasPrefix(typ, "RAMB18"):
		x.BRAM36 += 0.5
	case strings.HasPrefix(typ, "SB_RAM40"):
		x.RAM4K++
	case strings.HasPrefix(typ, "RAM") || strings.HasPrefix(typ, "SRL"):
		x.LUTRAM++
	case strings.HasPrefix(typ, "DSP48") || typ == "SB_MAC16":
		x.DSP++
	}
}
