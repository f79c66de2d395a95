package flow

import (
	"bytes"
	"image/color"

	"github.com/qnn-dev/qnn/train"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

var (
	colorBar       = color.RGBA{R: 0x4c, G: 0x78, B: 0xa8, A: 0xff}
	colorHighlight = color.RGBA{R: 0xe4, G: 0x57, B: 0x1c, A: 0xff}
	colorSecond    = color.RGBA{R: 0x9c, G: 0xb8, B: 0xd6, A: 0xff}
)

// png renders plots side by side, each w x h.
func png(w, h vg.Length, plots ...*plot.Plot) ([]byte, error) {
	img := vgimg.NewWith(vgimg.UseWH(w*vg.Length(len(plots)), h), vgimg.UseDPI(96))
	dc := draw.New(img)
	tiles := plot.Align([][]*plot.Plot{plots}, draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Millimeter * 4}, dc)
	for i, p := range plots {
		p.Draw(tiles[0][i])
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// TrainingPlot draws the loss and the accuracies per epoch as a PNG
// (the report's training curves and `qnn train --plot`).
func TrainingPlot(h []train.EpochStats) ([]byte, error) {
	loss, tacc, vacc := make(plotter.XYs, len(h)), make(plotter.XYs, len(h)), make(plotter.XYs, len(h))
	for i, s := range h {
		x := float64(s.Epoch)
		loss[i] = plotter.XY{X: x, Y: s.Loss}
		tacc[i] = plotter.XY{X: x, Y: 100 * s.TrainAcc}
		vacc[i] = plotter.XY{X: x, Y: 100 * s.ValAcc}
	}
	pl, pa := plot.New(), plot.New()
	pl.Title.Text, pl.X.Label.Text, pl.Y.Label.Text = "training loss", "epoch", "loss"
	pa.Title.Text, pa.X.Label.Text, pa.Y.Label.Text = "accuracy", "epoch", "%"
	if err := plotutil.AddLinePoints(pl, "train loss", loss); err != nil {
		return nil, err
	}
	pl.Legend.Top = true
	if err := plotutil.AddLinePoints(pa, "train (running)", tacc, "validation", vacc); err != nil {
		return nil, err
	}
	return png(11*vg.Centimeter, 8*vg.Centimeter, pl, pa)
}

// barPlot draws one bar per name, the highlighted ones in another color;
// second, if not nil, is drawn as a second bar beside each.
func barPlot(title, ylabel string, names []string, values, second []float64, highlight []bool, legend [2]string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text, p.Y.Label.Text = title, ylabel
	w := vg.Points(18)
	base, hi := make(plotter.Values, len(values)), make(plotter.Values, len(values))
	for i, v := range values {
		if i < len(highlight) && highlight[i] {
			hi[i] = v
		} else {
			base[i] = v
		}
	}
	b1, err := plotter.NewBarChart(base, w)
	if err != nil {
		return nil, err
	}
	b1.Color, b1.LineStyle.Width = colorBar, 0
	b2, err := plotter.NewBarChart(hi, w)
	if err != nil {
		return nil, err
	}
	b2.Color, b2.LineStyle.Width = colorHighlight, 0
	if second != nil {
		b1.Offset, b2.Offset = -w/2, -w/2
	}
	p.Add(b1, b2)
	if legend[0] != "" {
		p.Legend.Add(legend[0], b1)
	}
	if second != nil {
		b3, err := plotter.NewBarChart(plotter.Values(second), w)
		if err != nil {
			return nil, err
		}
		b3.Color, b3.LineStyle.Width, b3.Offset = colorSecond, 0, w/2
		p.Add(b3)
		p.Legend.Add(legend[1], b3)
	}
	p.Legend.Top = true
	p.NominalX(names...)
	p.Y.Min = 0
	return p, nil
}
