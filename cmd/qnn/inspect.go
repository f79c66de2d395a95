package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/qnn-dev/qnn/netlist"
	"github.com/urfave/cli/v2"
)

// inspectReport is what `qnn inspect --json` prints.
type inspectReport struct {
	Model  string            `json:"model"` // the file as given
	Name   string            `json:"name"`
	Meta   map[string]string `json:"meta"`
	Layers []layerReport     `json:"layers"`
	Totals inspectTotals     `json:"totals"` // per token for a sequence model
	// Sequence is set for a sequence model only.
	Sequence *sequenceReport `json:"sequence,omitempty"`
}

// sequenceReport describes a sequence model's ends: the tokens it reads
// and the scale of its scores.
type sequenceReport struct {
	Vocab      int     `json:"vocab"` // tokens 0..Vocab-1
	LSTMLayers int     `json:"lstm_layers"`
	LogitScale float64 `json:"logit_scale"` // 0: not declared (no perplexity)
}

type layerReport struct {
	Index      int    `json:"index"`
	Op         string `json:"op"`
	Name       string `json:"name"`
	Shape      [3]int `json:"shape"` // output (C, H, W)
	Bits       int    `json:"bits"`
	Detail     string `json:"detail"`
	ParamBits  int64  `json:"param_bits"`
	MACs       int64  `json:"macs"`
	BinaryMACs int64  `json:"binary_macs"`
}

type inspectTotals struct {
	ParamBits  int64   `json:"param_bits"`
	ParamKiB   float64 `json:"param_kib"`
	MACs       int64   `json:"macs_per_frame"`
	BinaryMACs int64   `json:"binary_macs_per_frame"`
}

func inspectCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "summarise a netlist: layers, shapes, widths, parameter bits and MACs",
		ArgsUsage: "MODEL",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Usage: "netlist `FILE` (the same as the MODEL argument, as in eval and gen)"},
			&cli.BoolFlag{Name: "json", Usage: jsonFlagUsage},
		},
		Action: func(c *cli.Context) error {
			path := c.String("model")
			switch {
			case path != "" && c.NArg() > 0:
				return userErrf("inspect: give the model either as --model FILE or as the MODEL argument, not both")
			case path != "":
			case c.NArg() == 0:
				return userErrf("inspect: missing MODEL argument (a netlist file)")
			case c.NArg() == 1:
				path = c.Args().First()
			default:
				return userErrf("inspect: takes one MODEL argument, got %d: %q", c.NArg(), c.Args().Slice())
			}
			n, err := loadModel(e.log, path, inspectUse)
			if err != nil {
				return err
			}
			r, err := newInspectReport(path, n)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, r)
			}
			return writeInspectText(e.stdout, r)
		},
	}
}

func newInspectReport(path string, n *netlist.Network) (*inspectReport, error) {
	stats, err := netlist.Stats(n)
	if err != nil {
		return nil, err
	}
	r := &inspectReport{Model: path, Name: n.Name, Meta: n.Meta, Layers: []layerReport{}}
	if r.Meta == nil {
		r.Meta = map[string]string{}
	}
	for _, s := range stats {
		r.Layers = append(r.Layers, layerReport{
			Index: s.Index, Op: s.Op, Name: s.Name,
			Shape: [3]int{s.Out.C, s.Out.H, s.Out.W}, Bits: s.Bits, Detail: s.Detail,
			ParamBits: s.ParamBits, MACs: s.MACs, BinaryMACs: s.BinaryMACs,
		})
		r.Totals.ParamBits += s.ParamBits
		r.Totals.MACs += s.MACs
		r.Totals.BinaryMACs += s.BinaryMACs
	}
	r.Totals.ParamKiB = float64(r.Totals.ParamBits) / 8 / 1024
	if e := n.EmbeddingLayer(); e != nil {
		r.Sequence = &sequenceReport{Vocab: e.Vocab, LogitScale: n.OutputLayer().LogitScale}
		for _, l := range n.Layers {
			if _, ok := l.(*netlist.LSTM); ok {
				r.Sequence.LSTMLayers++
			}
		}
	}
	return r, nil
}

// inputText is inspect's line on what a sequence model reads; "" for an
// image model, whose input layer's row says it.
func (r *inspectReport) inputText() string {
	sq := r.Sequence
	if sq == nil {
		return ""
	}
	scale := "no logit_scale: no perplexity"
	if sq.LogitScale != 0 {
		scale = "logit scale " + strconv.FormatFloat(sq.LogitScale, 'g', -1, 64)
	}
	layers := "layers"
	if sq.LSTMLayers == 1 {
		layers = "layer"
	}
	return fmt.Sprintf("input: tokens 0..%d, one at a time (a sequence model: %d lstm %s; %s)\n", sq.Vocab-1, sq.LSTMLayers, layers, scale)
}

func writeInspectText(w io.Writer, r *inspectReport) error {
	fmt.Fprintf(w, "model: %s\nfile:  %s\n%s", r.Name, r.Model, r.inputText())
	if len(r.Meta) > 0 {
		fmt.Fprintln(w, "meta:")
		for _, k := range slices.Sorted(maps.Keys(r.Meta)) {
			fmt.Fprintf(w, "  %s: %s\n", k, r.Meta[k])
		}
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tOP\tNAME\tOUTPUT\tBITS\tDETAIL\tPARAM BITS\tMACS\tBINARY MACS")
	for _, l := range r.Layers {
		shape := netlist.Shape{C: l.Shape[0], H: l.Shape[1], W: l.Shape[2]}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%v\t%d\t%s\t%d\t%d\t%d\n",
			l.Index, l.Op, l.Name, shape, l.Bits, l.Detail, l.ParamBits, l.MACs, l.BinaryMACs)
	}
	fmt.Fprintf(tw, "\ttotal\t\t\t\t\t%d\t%d\t%d\n", r.Totals.ParamBits, r.Totals.MACs, r.Totals.BinaryMACs)
	if err := tw.Flush(); err != nil {
		return err
	}
	per := "frame"
	if r.Sequence != nil {
		per = "token"
	}
	_, err := fmt.Fprintf(w, "\nparameter bits:        %d (%.2f KiB)\nMACs per %s:        %d\nbinary MACs per %[3]s: %[5]d\n",
		r.Totals.ParamBits, r.Totals.ParamKiB, per, r.Totals.MACs, r.Totals.BinaryMACs)
	return err
}
