package flow

import (
	"errors"
	"fmt"
	"slices"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/sim"
	"github.com/qnn-dev/qnn/verilator"
)

// design loads (once) the generated design's plan.
func (r *runner) design() (*hw.Plan, error) {
	if r.plan != nil {
		return r.plan, nil
	}
	d, err := verilator.LoadDesign(r.path(DesignDir))
	if err != nil {
		return nil, asUser(fmt.Errorf("flow: %w (use --from gen)", err))
	}
	r.plan = d.Plan
	return d.Plan, nil
}

// runSim runs the whole test set through the cycle-accurate simulator and
// requires every frame's class and scores to equal netlist.Eval's.
func (r *runner) runSim() ([]string, error) {
	p, err := r.design()
	if err != nil {
		return nil, err
	}
	test, err := r.testSet(p.Net)
	if err != nil {
		return nil, err
	}
	pixels := test.Images()
	want, err := netlist.Eval(p.Net, pixels, test.N)
	if err != nil {
		return nil, err
	}
	res, err := sim.Run(p, pixels, test.N, sim.Config{})
	if err != nil {
		return nil, err
	}
	s := &SimResult{Frames: test.N, Cycles: res.Cycles, CyclesPerFrame: res.CyclesPerFrame,
		PlanCyclesPerFrame: p.CyclesPerFrame, FirstLatency: res.FirstLatency, PlanLatency: p.Latency}
	for f := range test.N {
		if res.Classes[f] != want[f].Class {
			s.Disagreements++
		}
		if res.Classes[f] != want[f].Class || !slices.Equal(res.Scores[f], want[f].Scores) {
			return nil, fmt.Errorf("flow: sim: frame %d: the simulator gives class %d scores %v but netlist.Eval gives class %d scores %v",
				f, res.Classes[f], res.Scores[f], want[f].Class, want[f].Scores)
		}
	}
	s.Correct, s.Accuracy = accuracy(res.Classes, test.Labels)
	for _, l := range res.Layers {
		s.Layers = append(s.Layers, SimLayer{Name: l.Name, Busy: l.Busy, StallIn: l.StallIn, StallOut: l.StallOut})
	}
	if spatial(p) {
		s.Stages = simStages(res)
	}
	if err := r.writeClasses(ClassesDir+"/sim.txt", res.Classes); err != nil {
		return nil, err
	}
	r.rep.Sim = s
	return []string{ClassesDir + "/sim.txt"}, nil
}

func (r *runner) cosimSkip() string {
	if r.cfg.CosimImages == 0 {
		return "--cosim-images 0"
	}
	return ""
}

func (r *runner) cosimInputs() (string, error) {
	var h hasher
	h.addJSON("cosim", struct {
		Dataset, Simulator string
		Images             int
	}{r.cfg.Train.Dataset, r.cfg.Simulator, r.cfg.CosimImages})
	if err := h.addFiles(r.cfg.Dir, DesignDir); err != nil {
		return "", err
	}
	return h.sum(), nil
}

// cosimResetSeed fixes Verilator's random initial values, so that flow
// runs are reproducible.
const cosimResetSeed = 1

// runCosim co-simulates the first CosimImages test images: the RTL must
// match the cycle-accurate simulator handshake for handshake.
func (r *runner) runCosim() ([]string, error) {
	p, err := r.design()
	if err != nil {
		return nil, err
	}
	test, err := r.testSet(p.Net)
	if err != nil {
		return nil, err
	}
	n := min(r.cfg.CosimImages, test.N)
	d := &verilator.Design{Dir: r.path(DesignDir), Plan: p}
	opt := verilator.Options{Simulator: r.cfg.Simulator, Seed: 1, ResetSeed: cosimResetSeed, QuickBuild: r.cfg.QuickBuild}
	r.progress("cosim: building and running %s on %d images", r.cfg.Simulator, n)
	rep, err := verilator.Cosim(r.ctx, d, test.Images()[:n*test.ImageSize()], n, opt)
	var mm *verilator.Mismatch
	switch {
	case r.ctx.Err() != nil:
		return nil, r.interrupted(StageCosim, "the stages before cosim are kept; run the same command again to continue")
	case errors.As(err, &mm):
		return nil, fmt.Errorf("flow: cosim: %s differs from qnn sim: %w", r.cfg.Simulator, mm)
	case errors.Is(err, verilator.ErrNoTool):
		return nil, asUser(fmt.Errorf("flow: cosim: %w (install it with scripts/setup.sh, or use --cosim-images 0)", err))
	case err != nil:
		return nil, err
	}
	c := &CosimResult{Simulator: rep.Simulator, Frames: rep.Frames, Beats: rep.Beats, Cycles: rep.Cycles, Match: true,
		BuildSeconds: rep.BuildSeconds, BuildCached: rep.Cached, RunSeconds: rep.RunSeconds, CyclesPerSecond: rep.CyclesPerSecond}
	c.Correct, c.Accuracy = accuracy(rep.Sim.Classes, test.Labels)
	if simClasses, err := r.readClasses(ClassesDir + "/sim.txt"); err == nil {
		c.Disagreements = disagreements(simClasses[:min(n, len(simClasses))], rep.Sim.Classes)
	}
	if err := r.writeClasses(ClassesDir+"/rtl.txt", rep.Sim.Classes); err != nil {
		return nil, err
	}
	r.rep.Cosim = c
	return []string{ClassesDir + "/rtl.txt"}, nil
}
