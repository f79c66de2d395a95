package synth

import "strings"

// TopInstance is the top-level instance of a cell of a flattened Yosys
// netlist: flatten names a cell of instance u_x "u_x.cell" or
// "$flatten\u_x.cell". It is "" for a cell of the top module itself.
func TopInstance(cell string) string {
	s := strings.TrimPrefix(cell, `$flatten\`)
	s = strings.TrimPrefix(s, `\`)
	if s == cell && strings.HasPrefix(cell, "$") {
		return "" // a cell of the top itself
	}
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return ""
	}
	return s[:i]
}
