package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/hashicorp/go-hclog"
	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/qonnx"
	"github.com/urfave/cli/v2"
)

// importReport is what `qnn import --json` prints.
type importReport struct {
	Model  string               `json:"model"`
	Output string               `json:"output"`
	Name   string               `json:"name"`
	Passes []string             `json:"passes"`
	Layers []netlist.LayerStats `json:"layers"`
	// Check compares the netlist with qonnx.Execute on a data set split
	// (with --check).
	Check *importCheck `json:"check,omitempty"`
}

type importCheck struct {
	Dataset         string  `json:"dataset"`
	Split           string  `json:"split"`
	NetlistAccuracy float64 `json:"netlist_accuracy"`
	ExecuteAccuracy float64 `json:"execute_accuracy"`
	*qonnx.Comparison
}

func importCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "import a QONNX / FINN-ONNX dense model as a netlist (exact: same predictions as the ONNX graph)",
		ArgsUsage: "MODEL.onnx",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "netlist `FILE` to write (required; must not exist unless --force)"},
			&cli.Float64Flag{Name: "pixel-divisor", Value: 1, Usage: "the graph's input is pixel/`D` (255 for the QONNX zoo's MNIST models, 1 for graphs taking 0..255)"},
			&cli.StringFlag{Name: "name", Usage: "netlist `NAME` (default: the file's base name)"},
			&cli.StringFlag{Name: "check", Usage: "compare the netlist with qonnx.Execute on data set `NAME`'s test split (mnist|fashion)"},
			&cli.StringFlag{Name: "data-dir", Usage: "`DIR` holding the data set's IDX files", DefaultText: "the installed copy"},
			&cli.BoolFlag{Name: "force", Usage: "replace an existing FILE"},
			&cli.BoolFlag{Name: "json", Usage: jsonFlagUsage},
		},
		Action: func(c *cli.Context) error {
			r, err := runImport(e.log, c)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, r)
			}
			return writeImportText(e.stdout, r)
		},
	}
}

func runImport(log hclog.Logger, c *cli.Context) (*importReport, error) {
	if c.NArg() != 1 {
		return nil, userErrf("import: takes one argument, the ONNX file (got %d)", c.NArg())
	}
	model, out := c.Args().First(), c.String("output")
	if out == "" {
		return nil, userErrf("import: -o FILE is required (the netlist to write)")
	}
	div := c.Float64("pixel-divisor")
	if !(div > 0) {
		return nil, userErrf("import: --pixel-divisor must be positive, got %g", div)
	}
	if err := checkNewFile("import", out, c.Bool("force")); err != nil {
		return nil, err
	}
	g, err := qonnx.Load(model)
	if err != nil {
		return nil, userErr(err)
	}
	name := c.String("name")
	if name == "" {
		name = baseName(model)
	}
	n, err := qonnx.Import(g, qonnx.ImportOptions{PixelDivisor: div, Name: name})
	if err != nil {
		return nil, userErr(fmt.Errorf("import: %s: %w", model, err))
	}
	r := &importReport{Model: model, Output: out, Name: n.Name}
	for _, p := range qonnx.Passes(qonnx.ImportOptions{PixelDivisor: div}) {
		r.Passes = append(r.Passes, p.Name)
	}
	r.Passes = append(r.Passes, qonnx.Streamline.Name)
	if r.Layers, err = netlist.Stats(n); err != nil {
		return nil, err
	}
	if set := c.String("check"); set != "" {
		if r.Check, err = checkImport(log, g, n, set, c.String("data-dir"), div); err != nil {
			return nil, err
		}
	}
	if err := netlist.Save(out, n); err != nil {
		return nil, userErr(err)
	}
	log.Debug("imported", "model", model, "output", out, "layers", len(n.Layers))
	return r, nil
}

// checkNewFile refuses to replace a file unless force.
func checkNewFile(cmd, path string, force bool) error {
	if _, err := os.Stat(path); err == nil && !force {
		return userErrf("%s: %s already exists (use --force to replace it)", cmd, path)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return userErrf("%s: %v", cmd, err)
	}
	return nil
}

func baseName(path string) string {
	b := path
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '/' {
			b = b[i+1:]
			break
		}
	}
	for i := len(b) - 1; i > 0; i-- {
		if b[i] == '.' {
			return b[:i]
		}
	}
	return b
}

func checkImport(log hclog.Logger, g *qonnx.Graph, n *netlist.Network, name, dir string, div float64) (*importCheck, error) {
	set, err := dataset.Load(name, dataset.Test, dir)
	if err != nil {
		return nil, userErr(err)
	}
	in := n.InputLayer().Shape
	if in.C != 1 || in.H*in.W != set.Rows*set.Cols {
		return nil, userErrf("import: --check: the model takes %v images, %s has 1x%dx%d", in, name, set.Rows, set.Cols)
	}
	cmp, err := qonnx.Compare(g, n, set.Pixels, set.Labels, set.N, div)
	if err != nil {
		return nil, err
	}
	log.Debug("checked import", "images", cmp.Images, "differ", len(cmp.Differ))
	return &importCheck{Dataset: name, Split: dataset.Test, Comparison: cmp,
		NetlistAccuracy: float64(cmp.NetlistCorrect) / float64(cmp.Images),
		ExecuteAccuracy: float64(cmp.ExecuteCorrect) / float64(cmp.Images)}, nil
}

func writeImportText(w io.Writer, r *importReport) error {
	fmt.Fprintf(w, "imported %s -> %s (%q, %d layers; passes: %v)\n", r.Model, r.Output, r.Name, len(r.Layers), r.Passes)
	if k := r.Check; k != nil {
		fmt.Fprintf(w, "%s %s, %d images: netlist %.2f%% (%d), qonnx.Execute %.2f%% (%d), %d images differ %v\n",
			k.Dataset, k.Split, k.Images, 100*k.NetlistAccuracy, k.NetlistCorrect, 100*k.ExecuteAccuracy, k.ExecuteCorrect, len(k.Differ), k.Differ)
	}
	return nil
}
