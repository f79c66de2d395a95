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
	return &cli.IntFlag{Name: "input-size", Value: dataset.Rows,
		Usage: "downsample the 28x28 images to `N`xN (N divides 28, e.g. 7 or 14) by area averaging before binarization"}
}

// inputSizeValue reads --input-size as a train.Config.InputSize: 0 for 28
// (so that a run with --input-size 28 is the run without it), an error
// naming the flag for a size that does not divide 28.
func inputSizeValue(c *cli.Context, cmd string) (int, error) {
	n := c.Int("input-size")
	if err := dataset.CheckSize(n); err != nil {
		return 0, fmt.Errorf("%s: --input-size %d: must divide %d (one of %v)", cmd, n, dataset.Rows, dataset.Sizes)
	}
	if n == dataset.Rows {
		return 0, nil
	}
	return n, nil
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
// 1xNxN with N dividing 28); anything else is a user error naming the file
// and the shape.
func modelInputSize(cmd, file string, in *netlist.Input, datasetName string) (int, error) {
	n, err := dataset.InputSize(in.Shape.C, in.Shape.H, in.Shape.W)
	if err != nil {
		return 0, userErrf("%s: %s: layer 0 %q: shape: the model takes %v images, which cannot be made from %s's (1,%d,%d) images (want (1,N,N) with N one of %v)",
			cmd, file, in.Name, in.Shape, datasetName, dataset.Rows, dataset.Cols, dataset.Sizes)
	}
	return n, nil
}
