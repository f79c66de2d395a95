package main

import (
	"fmt"
	"image"
	"io"
	"runtime"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
	"github.com/urfave/cli/v2"
	"golang.org/x/image/draw"
)

// predictReport is what `qnn predict --json` prints.
type predictReport struct {
	Model  string         `json:"model"`
	Images []imagePredict `json:"images"`
}

// imagePredict is one image's prediction.
type imagePredict struct {
	File    string  `json:"file"`
	Class   int     `json:"class"`
	Name    string  `json:"name"` // the class's name, if the model's data set is known, else the number
	Scores  []int64 `json:"scores"`
	Resized bool    `json:"resized"` // scaled to the model's input size (--resize)
}

func predictCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "predict",
		Usage:     "classify PNG or JPEG images with a netlist",
		ArgsUsage: "IMAGE...",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Usage: "netlist `FILE` (required)"},
			&cli.BoolFlag{Name: "resize", Usage: "scale images whose size differs from the model's input (area averaging for whole factors, else Catmull-Rom)"},
			&cli.BoolFlag{Name: "json", Usage: jsonFlagUsage},
		},
		Action: func(c *cli.Context) error {
			model := c.String("model")
			switch {
			case model == "":
				return userErrf("predict: --model is required (a netlist file)")
			case !c.Args().Present():
				return userErrf("predict: no images (usage: qnn predict --model FILE IMAGE...)")
			}
			n, err := loadModel(e.log, model, predictUse)
			if err != nil {
				return err
			}
			r, err := predict(n, model, c.Args().Slice(), c.Bool("resize"))
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, r)
			}
			return writePredictText(e.stdout, r)
		},
	}
}

// predict reads every image at the model's input shape and classifies
// them all.
func predict(n *netlist.Network, model string, files []string, resize bool) (*predictReport, error) {
	in := n.InputLayer().Shape
	pixels := make([]byte, 0, len(files)*in.Size())
	r := &predictReport{Model: model}
	for _, f := range files {
		pix, resized, err := readPredictImage(f, in, resize)
		if err != nil {
			return nil, err
		}
		pixels = append(pixels, pix...)
		r.Images = append(r.Images, imagePredict{File: f, Resized: resized})
	}
	fast, err := netlist.NewFast(n)
	if err != nil {
		return nil, err
	}
	res, err := fast.Eval(pixels, len(files), runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, err
	}
	names := modelClassNames(n)
	for i, x := range res {
		r.Images[i].Class, r.Images[i].Scores = x.Class, x.Scores
		r.Images[i].Name = fmt.Sprint(x.Class)
		if x.Class < len(names) {
			r.Images[i].Name = names[x.Class]
		}
	}
	return r, nil
}

// readPredictImage reads an image file as the model's input: the model's
// channels (a colour image becomes its luma for a 1-channel model, a gray
// one is repeated for a 3-channel model) at the model's size; another size
// is an error naming the file unless resize, which scales by area
// averaging when both sides shrink by the same whole factor (what train,
// eval and sim do with --input-size) and with Catmull-Rom otherwise.
func readPredictImage(path string, in netlist.Shape, resize bool) ([]byte, bool, error) {
	if in.C != 1 && in.C != 3 {
		return nil, false, userErrf("predict: the model reads %d-channel images; PNG and JPEG images give 1 or 3", in.C)
	}
	img, err := dataset.DecodeImage(path)
	if err != nil {
		return nil, false, userErr(err)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == in.W && h == in.H {
		pix, err := dataset.ImageBytes(img, in.C)
		return pix, false, err
	}
	if !resize {
		return nil, false, userErrf("predict: %s: %dx%d pixels (width x height), but the model reads %dx%d images (pass --resize to scale it)",
			path, w, h, in.W, in.H)
	}
	if w%in.W == 0 && h%in.H == 0 && w/in.W == h/in.H && in.H == in.W {
		pix, err := dataset.ImageBytes(img, in.C)
		if err != nil {
			return nil, false, err
		}
		small, err := dataset.DownsampleChannels(pix, 1, dataset.Shape{C: in.C, H: h, W: w}, in.H)
		return small, true, err
	}
	dst := image.NewRGBA(image.Rect(0, 0, in.W, in.H))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	pix, err := dataset.ImageBytes(dst, in.C)
	return pix, true, err
}

// modelClassNames are the class names of the data set the model was
// trained on (its "dataset" metadata), if that data set can be described
// (an image folder still in place) and has as many classes as the model
// scores; nil otherwise.
func modelClassNames(n *netlist.Network) []string {
	name := n.Meta["dataset"]
	if name == "" {
		return nil
	}
	info, err := dataset.DescribeDataSet(name)
	if err != nil || len(info.ClassNames) != n.OutputLayer().Classes {
		return nil
	}
	return info.ClassNames
}

func writePredictText(w io.Writer, r *predictReport) error {
	for _, p := range r.Images {
		note := ""
		if p.Resized {
			note = " (resized)"
		}
		if _, err := fmt.Fprintf(w, "%s: %s (class %d)%s scores %v\n", p.File, p.Name, p.Class, note, p.Scores); err != nil {
			return err
		}
	}
	return nil
}
