package synth

import (
	"encoding/json"
	"fmt"
	"strings"
)

// netlistJSON is the part of Yosys' write_json output that the depth
// analysis reads.
type netlistJSON struct {
	Modules map[string]struct {
		Ports map[string]struct {
			Direction string `json:"direction"`
			Bits      []any  `json:"bits"`
		} `json:"ports"`
		Cells map[string]struct {
			Type           string            `json:"type"`
			PortDirections map[string]string `json:"port_directions"`
			Connections    map[string][]any  `json:"connections"`
		} `json:"cells"`
	} `json:"modules"`
}

// depthCell is one cell of the flattened netlist.
type depthCell struct {
	seq    bool // registers or block RAM: paths start and end here
	weight int  // LUT levels the cell adds (1 for a LUT, 0 for carry/MUXF)
	inputs []int
}

// logicDepth is the most LUTs on any path from a module input or a
// register (or block RAM, DSP, I/O cell) output to a module output or a
// register input, in the flattened top module of a write_json netlist.
// Carry cells and MUXF7/8 add no level; a carry chain counts its first LUT.
func logicDepth(data []byte, top string) (int, error) {
	var n netlistJSON
	if err := json.Unmarshal(data, &n); err != nil {
		return 0, fmt.Errorf("synth: netlist json: %w", err)
	}
	mod, ok := n.Modules[top]
	if !ok {
		return 0, fmt.Errorf("synth: netlist json has no module %s", top)
	}
	driver := map[int]int{} // net -> index into cells
	var cells []depthCell
	var sinks []int
	for _, c := range mod.Cells {
		dc := depthCell{seq: isSequential(c.Type)}
		_, ram := lutRAMWeight(c.Type)
		if _, lut := lutSize(c.Type); lut || ram {
			dc.weight = 1
		}
		idx := len(cells)
		for port, bits := range c.Connections {
			for _, b := range bits {
				net, isNet := netID(b)
				if !isNet {
					continue
				}
				switch {
				case c.PortDirections[port] == "output":
					driver[net] = idx
				case ram && lutRAMWritePort(port):
					sinks = append(sinks, net) // written at the clock edge
				default:
					dc.inputs = append(dc.inputs, net)
					if dc.seq {
						sinks = append(sinks, net)
					}
				}
			}
		}
		cells = append(cells, dc)
	}
	for _, p := range mod.Ports {
		if p.Direction == "output" {
			for _, b := range p.Bits {
				if net, ok := netID(b); ok {
					sinks = append(sinks, net)
				}
			}
		}
	}
	d := depthWalker{cells: cells, driver: driver, memo: map[int]int{}, onStack: map[int]bool{}}
	best := 0
	for _, s := range sinks {
		v, err := d.net(s)
		if err != nil {
			return 0, err
		}
		best = max(best, v)
	}
	return best, nil
}

type depthWalker struct {
	cells   []depthCell
	driver  map[int]int
	memo    map[int]int
	onStack map[int]bool
}

// net is the LUT depth at a net.
func (d *depthWalker) net(net int) (int, error) {
	if v, ok := d.memo[net]; ok {
		return v, nil
	}
	ci, ok := d.driver[net]
	if !ok || d.cells[ci].seq {
		return 0, nil // module input, constant or register output
	}
	if d.onStack[net] {
		return 0, fmt.Errorf("synth: combinational loop through net %d", net)
	}
	d.onStack[net] = true
	c := d.cells[ci]
	in := 0
	for _, x := range c.inputs {
		v, err := d.net(x)
		if err != nil {
			return 0, err
		}
		in = max(in, v)
	}
	d.onStack[net] = false
	d.memo[net] = in + c.weight
	return in + c.weight, nil
}

// lutRAMWritePort reports the write-side ports of a LUT RAM or SRL cell
// (data, write enable, clock): paths end there. Its outputs depend
// combinationally on the read address ports only, so a read-modify-write
// through LUT RAM (a pool's accumulators) is no loop.
func lutRAMWritePort(port string) bool {
	return port == "D" || strings.HasPrefix(port, "DI") || port == "WE" || port == "CE" || strings.HasSuffix(port, "CLK")
}

// netID is a write_json bit: a net number, or a constant string.
func netID(b any) (int, bool) {
	f, ok := b.(float64)
	return int(f), ok
}

// isSequential reports cells where timing paths start and end: flip-flops,
// latches, block RAM, DSPs, I/O and clock buffers.
func isSequential(typ string) bool {
	for _, p := range []string{"FD", "SB_DFF", "RAMB", "SB_RAM", "SB_SPRAM", "DSP48", "SB_MAC16",
		"SB_IO", "SB_GB", "IBUF", "OBUF", "BUFG", "IOBUF"} {
		if strings.HasPrefix(typ, p) {
			return true
		}
	}
	return isLatch(typ)
}
