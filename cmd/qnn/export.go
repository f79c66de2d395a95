package main

import (
	"fmt"
	"io"

	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/qonnx"
	"github.com/urfave/cli/v2"
)

// exportReport is what `qnn export --json` prints.
type exportReport struct {
	Model  string `json:"model"`
	Output string `json:"output"`
	Format string `json:"format"`
	Nodes  int    `json:"nodes"`
	Bytes  int    `json:"bytes"`
}

func exportCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "export a netlist as QONNX (Quant/BipolarQuant weights, MultiThreshold activations) for FINN and hls4ml",
		ArgsUsage: "MODEL.json",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "qonnx", Usage: "output `FORMAT`: qonnx (MultiThreshold activations, FINN) or qonnx-quant (1-bit activations as Add + BipolarQuant, no MultiThreshold)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "ONNX `FILE` to write (required; must not exist unless --force)"},
			&cli.BoolFlag{Name: "force", Usage: "replace an existing FILE"},
			&cli.BoolFlag{Name: "json", Usage: jsonFlagUsage},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return userErrf("export: takes one argument, the netlist file (got %d)", c.NArg())
			}
			model, out := c.Args().First(), c.String("output")
			format := c.String("format")
			if format != "qonnx" && format != "qonnx-quant" {
				return userErrf("export: --format: unknown format %q (want qonnx or qonnx-quant)", format)
			}
			if out == "" {
				return userErrf("export: -o FILE is required (the ONNX file to write)")
			}
			if err := checkNewFile("export", out, c.Bool("force")); err != nil {
				return err
			}
			n, err := loadModel(e.log, model, exportUse)
			if err != nil {
				return err
			}
			g, ints, err := qonnx.Export(n, qonnx.ExportOptions{QuantActivations: format == "qonnx-quant"})
			if err != nil {
				return userErr(fmt.Errorf("export: %s: %w", model, err))
			}
			data, err := qonnx.Encode(g, ints)
			if err != nil {
				return err
			}
			if err := netlist.WriteFileAtomic(out, data); err != nil {
				return userErr(err)
			}
			r := &exportReport{Model: model, Output: out, Format: format, Nodes: len(g.Nodes), Bytes: len(data)}
			if c.Bool("json") {
				return writeJSON(e.stdout, r)
			}
			return writeExportText(e.stdout, r)
		},
	}
}

func writeExportText(w io.Writer, r *exportReport) error {
	_, err := fmt.Fprintf(w, "exported %s -> %s (%s, %d nodes, %d bytes)\n", r.Model, r.Output, r.Format, r.Nodes, r.Bytes)
	return err
}
