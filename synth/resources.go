package synth

import (
	"sort"
	"strconv"
	"strings"
)

// Resources counts the cells of a module or design after technology
// mapping.
type Resources struct {
	// LUT is the logic LUTs: LUT1..LUT6 (xc7, INV counted as LUT1) or
	// SB_LUT4 (ice40). LUTBySize[k] is those with k inputs (SB_LUT4 is 4).
	LUT       int         `json:"lut"`
	LUTBySize map[int]int `json:"lut_by_size,omitempty"`
	// FF is the flip-flops (FD*, SB_DFF*).
	FF int `json:"ff"`
	// Carry is the carry cells (CARRY4, CARRY8, SB_CARRY).
	Carry int `json:"carry"`
	// MuxF7 and MuxF8 are the xc7 wide multiplexers.
	MuxF7 int `json:"muxf7"`
	MuxF8 int `json:"muxf8"`
	// RAMB18 and RAMB36 are xc7 block RAMs; RAM4K is iCE40's SB_RAM40_4K.
	RAMB18 int `json:"ramb18"`
	RAMB36 int `json:"ramb36"`
	RAM4K  int `json:"ram4k"`
	// LUTRAM is the LUTs used as distributed RAM or shift registers (RAM32M
	// is 4, RAM64X1D 2, SRL16E 1, ...), counted apart from LUT.
	LUTRAM int `json:"lutram"`
	// DSP is DSP48E1 (xc7) or SB_MAC16 (ice40) cells.
	DSP int `json:"dsp"`
	// Latch is latch cells; a design with any is refused.
	Latch int `json:"latch,omitempty"`
	// Other is every other primitive by type (BUFG, SB_IO, GND, ...).
	Other map[string]int `json:"other,omitempty"`
}

// BRAM36 is the xc7 block RAM in RAMB36 units (a RAMB18 is half).
func (r Resources) BRAM36() float64 {
	return float64(r.RAMB36) + float64(r.RAMB18)/2
}

// add adds n cells of primitive type typ.
func (r *Resources) add(typ string, n int) {
	if k, ok := lutSize(typ); ok {
		r.LUT += n
		if r.LUTBySize == nil {
			r.LUTBySize = map[int]int{}
		}
		r.LUTBySize[k] += n
		return
	}
	if w, ok := lutRAMWeight(typ); ok {
		r.LUTRAM += w * n
		return
	}
	switch {
	case strings.HasPrefix(typ, "FD"), strings.HasPrefix(typ, "SB_DFF"):
		r.FF += n
	case typ == "CARRY4" || typ == "CARRY8" || typ == "SB_CARRY":
		r.Carry += n
	case typ == "MUXF7":
		r.MuxF7 += n
	case typ == "MUXF8":
		r.MuxF8 += n
	case strings.HasPrefix(typ, "RAMB18"):
		r.RAMB18 += n
	case strings.HasPrefix(typ, "RAMB36"):
		r.RAMB36 += n
	case strings.HasPrefix(typ, "SB_RAM40_4K"), strings.HasPrefix(typ, "SB_SPRAM256KA"):
		r.RAM4K += n
	case strings.HasPrefix(typ, "DSP48"), typ == "SB_MAC16":
		r.DSP += n
	case isLatch(typ):
		r.Latch += n
	default:
		if r.Other == nil {
			r.Other = map[string]int{}
		}
		r.Other[typ] += n
	}
}

// addAll adds o times n (n instances of a module).
func (r *Resources) addAll(o Resources, n int) {
	r.LUT += o.LUT * n
	for k, v := range o.LUTBySize {
		if r.LUTBySize == nil {
			r.LUTBySize = map[int]int{}
		}
		r.LUTBySize[k] += v * n
	}
	r.FF += o.FF * n
	r.Carry += o.Carry * n
	r.MuxF7 += o.MuxF7 * n
	r.MuxF8 += o.MuxF8 * n
	r.RAMB18 += o.RAMB18 * n
	r.RAMB36 += o.RAMB36 * n
	r.RAM4K += o.RAM4K * n
	r.LUTRAM += o.LUTRAM * n
	r.DSP += o.DSP * n
	r.Latch += o.Latch * n
	for k, v := range o.Other {
		if r.Other == nil {
			r.Other = map[string]int{}
		}
		r.Other[k] += v * n
	}
}

// lutSize is the inputs of a logic LUT primitive.
func lutSize(typ string) (int, bool) {
	switch typ {
	case "INV":
		return 1, true
	case "SB_LUT4":
		return 4, true
	}
	if len(typ) == 4 && strings.HasPrefix(typ, "LUT") {
		k, err := strconv.Atoi(typ[3:])
		return k, err == nil && k >= 1 && k <= 6
	}
	return 0, false
}

// lutRAMWeight is the LUTs of a distributed-RAM or shift-register
// primitive.
func lutRAMWeight(typ string) (int, bool) {
	w := map[string]int{
		"RAM16X1S": 1, "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "RAM256X1S": 4,
		"RAM16X1D": 2, "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1D": 4, "RAM256X1D": 8,
		"RAM32M": 4, "RAM64M": 4, "RAM32M16": 8, "RAM64M8": 8,
		"SRL16E": 1, "SRLC16E": 1, "SRLC32E": 1,
		"ROM16X1": 1, "ROM32X1": 1, "ROM64X1": 1, "ROM128X1": 2, "ROM256X1": 4,
	}[typ]
	return w, w > 0
}

// isLatch reports latch primitives (xc7 LD*, generic $dlatch and
// $_DLATCH_*; iCE40 has none, Yosys would leave a generic cell).
func isLatch(typ string) bool {
	return strings.HasPrefix(typ, "LD") || strings.HasPrefix(typ, "$dlatch") ||
		strings.HasPrefix(typ, "$_DLATCH") || strings.HasPrefix(typ, "$_SR_") ||
		strings.HasPrefix(typ, "$_DLATCHSR")
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
