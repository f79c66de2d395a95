package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/qnn-dev/qnn/rtlgen"
	"github.com/qnn-dev/qnn/synth"
)

// counts are Yosys' cells of one instance in the classes hw estimates:
// LUT is logic LUTs plus LUT RAM and shift registers counted in the LUT6
// sites they occupy (hw counts LUT RAM among its LUTs), LUTRAM those sites
// alone.
type counts struct {
	LUT    int     `json:"lut"`
	LUTRAM int     `json:"lutram"`
	FF     int     `json:"ff"`
	BRAM   float64 `json:"bram36"`
	DSP    int     `json:"dsp"`
}

func (c *counts) add(o counts) {
	c.LUT += o.LUT
	c.LUTRAM += o.LUTRAM
	c.FF += o.FF
	c.BRAM += o.BRAM
	c.DSP += o.DSP
}

// lutRAMSites is the LUT6 sites of each 7-series LUT RAM and shift register
// primitive (UG474: a RAM64X1D is two LUTs, RAM32M/RAM64M a quad).
var lutRAMSites = map[string]int{
	"RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "RAM256X1S": 4,
	"RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1D": 4,
	"RAM32M": 4, "RAM64M": 4, "RAM32M16": 8, "RAM64M8": 8,
	"SRL16E": 1, "SRLC16E": 1, "SRLC32E": 1,
}

// cellCounts classifies one primitive.
func cellCounts(typ string) (counts, error) {
	switch {
	case typ == "INV" || (len(typ) == 4 && strings.HasPrefix(typ, "LUT")):
		return counts{LUT: 1}, nil
	case strings.HasPrefix(typ, "FD"):
		return counts{FF: 1}, nil
	case strings.HasPrefix(typ, "RAMB36"):
		return counts{BRAM: 1}, nil
	case strings.HasPrefix(typ, "RAMB18"):
		return counts{BRAM: 0.5}, nil
	case strings.HasPrefix(typ, "DSP48"):
		return counts{DSP: 1}, nil
	case strings.HasPrefix(typ, "CARRY") || strings.HasPrefix(typ, "MUXF") || typ == "GND" || typ == "VCC" ||
		strings.HasSuffix(typ, "BUF") || strings.HasPrefix(typ, "BUFG"):
		return counts{}, nil // not estimated (carry chains and MUXF7/8 live in the LUTs' slices)
	}
	if n, ok := lutRAMSites[typ]; ok {
		return counts{LUT: n, LUTRAM: n}, nil
	}
	return counts{}, fmt.Errorf("unknown cell type %s", typ)
}

// instanceCounts counts the cells of a flattened write_json netlist per
// top-level instance of the generated top ("" for the top's own cells).
func instanceCounts(path string) (map[string]counts, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var nl struct {
		Modules map[string]struct {
			Cells map[string]struct {
				Type string `json:"type"`
			} `json:"cells"`
		} `json:"modules"`
	}
	if err := json.Unmarshal(b, &nl); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	top, ok := nl.Modules[rtlgen.DefaultTop]
	if !ok {
		return nil, fmt.Errorf("%s: no module %s", path, rtlgen.DefaultTop)
	}
	out := map[string]counts{}
	for name, c := range top.Cells {
		x, err := cellCounts(c.Type)
		if err != nil {
			return nil, fmt.Errorf("%s: cell %s: %w", path, name, err)
		}
		inst := synth.TopInstance(name)
		sum := out[inst]
		sum.add(x)
		out[inst] = sum
	}
	return out, nil
}
