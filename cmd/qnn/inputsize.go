package main

import (
	"fmt"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/train"
	"github.com/urfave/cli/v2"
)

// inputSizeFlag is train's and flow's --input-size.
func inputSizeFlag() cli.Flag {
	return &cli.IntFlag{Name: "input-size", DefaultText: "the data set's side, 28 for MNIST",
		Usage: "downsample the images to `N`xN (N divides the data set's side, e.g. 7 or 14 for MNIST) by area averaging before binarization"}
}

// inputSizeValue reads --input-size as a train.Config.InputSize for the
// data set named by --dataset: 0 when absent or the data set's own side
// (so that a run with --input-size 28 on MNIST is the run without it), an
// error naming the flag for a size that does not divide the side.
func inputSizeValue(c *cli.Context, cmd string) (int, error) {
	if !c.IsSet("input-size") {
		return 0, nil
	}
	n := c.Int("input-size")
	g, err := dataset.Geometry(c.String("dataset"))
	if err != nil {
		g = dataset.Shape{C: 1, H: dataset.Rows, W: dataset.Cols} // --dataset is reported elsewhere
	}
	if err := g.CheckSize(n); err != nil {
		if g.H != g.W {
			return 0, fmt.Errorf("%s: --input-size %d: the data set's images are %dx%d (height x width); only square images can be downsampled", cmd, n, g.H, g.W)
		}
		return 0, fmt.Errorf("%s: --input-size %d: must divide %d (one of %v)", cmd, n, g.H, g.Sizes())
	}
	if n == g.H {
		return 0, nil
	}
	return n, nil
}

// inputBitsValue is --input-bits: as given, else 8 (raw pixels) for
// CIFAR-10, whose colour images do not binarize usefully at a threshold,
// and 1 for the others.
func inputBitsValue(c *cli.Context) int {
	if !c.IsSet("input-bits") && c.String("dataset") == dataset.CIFAR10 {
		return 8
	}
	return c.Int("input-bits")
}

// loadResized loads a split of the configuration's data set at its input
// size; every failure is a user error.
func loadResized(cfg train.Config, split, dataDir string) (*dataset.Set, error) {
	set, err := dataset.Load(cfg.Dataset, split, dataDir)
	if err != nil {
		return nil, userErr(err)
	}
	if set, err = set.Resize(cfg.InputSide()); err != nil {
		return nil, userErr(err)
	}
	return set, nil
}

// modelInputSize is the image side a model reads (its input shape must be
// the data set's CxNxN with N dividing the data set's side); anything else
// is a user error naming the file and the shape.
func modelInputSize(cmd, file string, in *netlist.Input, datasetName string) (int, error) {
	g, err := dataset.Geometry(datasetName)
	if err != nil {
		return 0, userErr(err)
	}
	n, err := g.InputSize(in.Shape.C, in.Shape.H, in.Shape.W)
	if err != nil {
		return 0, userErrf("%s: %s: layer 0 %q: shape: the model takes %v images, which cannot be made from %s's %v images (want (%d,N,N) with N one of %v)",
			cmd, file, in.Name, in.Shape, datasetName, g, g.C, g.Sizes())
	}
	return n, nil
}
