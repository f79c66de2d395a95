package hw

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/qnn-dev/qnn/netlist"
)

// PlanFile is the name of the plan in a design directory.
const PlanFile = "plan.json"

// Marshal encodes the plan as indented JSON (the plan.json form).
func (p *Plan) Marshal() []byte {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		panic("hw: encoding plan: " + err.Error()) // plain structs of numbers and strings
	}
	return append(data, '\n')
}

// Save writes p to dir/plan.json atomically.
func Save(dir string, p *Plan) error {
	if err := netlist.WriteFileAtomic(filepath.Join(dir, PlanFile), p.Marshal()); err != nil {
		return fmt.Errorf("hw: %w", err)
	}
	return nil
}

// Load reads the plan at planPath (version 1 or 2) and rebuilds it from n
// and the folding (the lstm stage's and the MVTUs') and InPix the file
// records. It fails if the file records another
// netlist ("plan does not match its netlist") or if the rebuilt plan
// differs from the saved one (a plan written by another qnn version).
func Load(planPath string, n *netlist.Network) (*Plan, error) {
	var saved Plan
	if err := decodeJSONFile(planPath, maxPlanFile, false, &saved); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("hw: %w", err)
		}
		return nil, fmt.Errorf("hw: %s: %w", planPath, err)
	}
	if saved.Version < 1 || saved.Version > PlanVersion {
		return nil, fmt.Errorf("hw: %s: plan version %d, this qnn reads versions 1 to %d", planPath, saved.Version, PlanVersion)
	}
	if sum := NetlistSHA256(n); saved.NetlistSHA256 != sum {
		return nil, fmt.Errorf("hw: %s: plan does not match its netlist (plan records netlist sha256 %.12s..., the netlist is %.12s...)",
			planPath, saved.NetlistSHA256, sum)
	}
	folds := []Fold{} // never nil: nil would select auto folding
	for _, s := range saved.Stages {
		if s.Kind == StageLSTM && s.LSTM != nil {
			folds = append(folds, Fold{PE: s.LSTM.PE, SIMD: s.LSTM.SIMD})
		}
	}
	for i, l := range saved.Layers {
		if l == nil {
			return nil, fmt.Errorf("hw: %s: layer %d is null", planPath, i)
		}
		folds = append(folds, Fold{PE: l.PE, SIMD: l.SIMD})
	}
	if saved.Input.InPix < 1 && saved.Input.Tokens == 0 {
		return nil, fmt.Errorf("hw: %s: input InPix %d must be at least 1", planPath, saved.Input.InPix)
	}
	p, err := NewPlan(n, Options{Folds: folds, InPix: saved.Input.InPix, Popcount: saved.Popcount, PipelineEvery: saved.PipelineEvery, Target: saved.Target,
		AllLogits: saved.Input.Tokens > 0 && !saved.Output.TopScore})
	if err != nil {
		return nil, fmt.Errorf("hw: %s: %w", planPath, trimHW(err))
	}
	if rebuilt, file := p.Marshal(), saved.Marshal(); !bytes.Equal(rebuilt, file) {
		return nil, fmt.Errorf("hw: %s: the saved plan differs from the plan rebuilt from its netlist and folding at %s (edited by hand, or written by another qnn version)",
			planPath, firstDiff(file, rebuilt))
	}
	return p, nil
}

// trimHW drops the "hw: " prefix of an error about to be wrapped again.
func trimHW(err error) error {
	return &prefixless{err}
}

type prefixless struct{ err error }

func (p *prefixless) Error() string {
	s := p.err.Error()
	if len(s) > 4 && s[:4] == "hw: " {
		return s[4:]
	}
	return s
}
func (p *prefixless) Unwrap() error { return p.err }
