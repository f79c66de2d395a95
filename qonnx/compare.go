package qonnx

import (
	"fmt"

	"github.com/qnn-dev/qnn/netlist"
)

// Comparison is the outcome of running a graph (Predict) and a netlist
// (netlist.Eval) on the same images.
type Comparison struct {
	Images         int   `json:"images"`
	ExecuteCorrect int   `json:"execute_correct"`
	NetlistCorrect int   `json:"netlist_correct"`
	Differ         []int `json:"differ"` // indices of images where the classes differ
	// ExecuteClasses and NetlistClasses are the predicted classes.
	ExecuteClasses []int `json:"-"`
	NetlistClasses []int `json:"-"`
}

// Compare predicts count images (netlist order, pixels 0..255, the graph
// fed pixel/div) with g and with n and counts agreements and correct labels
// (labels may be nil).
func Compare(g *Graph, n *netlist.Network, pixels, labels []byte, count int, div float64) (*Comparison, error) {
	if div == 0 {
		div = 1
	}
	if n.InputLayer() == nil {
		return nil, fmt.Errorf("qonnx: model %q has no image input layer", n.Name)
	}
	shape := n.InputLayer().Shape
	size := shape.Size()
	if len(pixels) < count*size {
		return nil, fmt.Errorf("qonnx: %d pixels for %d images of %d", len(pixels), count, size)
	}
	res, err := netlist.Eval(n, pixels[:count*size], count)
	if err != nil {
		return nil, fmt.Errorf("qonnx: %w", err)
	}
	prog, err := Compile(g)
	if err != nil {
		return nil, err
	}
	c := &Comparison{Images: count, Differ: []int{}}
	for i := 0; i < count; i++ {
		x, err := ImageTensor(pixels[i*size:(i+1)*size], shape)
		if err != nil {
			return nil, err
		}
		if len(g.Inputs) != 1 || numel(g.Inputs[0].Shape) != len(x.Data) {
			return nil, fmt.Errorf("qonnx: graph input %v does not take a %v image", g.Inputs[0].Shape, shape)
		}
		x.Shape = g.Inputs[0].Shape
		for j := range x.Data {
			x.Data[j] /= div
		}
		p, _, err := prog.Predict(x)
		if err != nil {
			return nil, err
		}
		c.ExecuteClasses = append(c.ExecuteClasses, p)
		c.NetlistClasses = append(c.NetlistClasses, res[i].Class)
		if p != res[i].Class {
			c.Differ = append(c.Differ, i)
		}
		if labels != nil {
			if p == int(labels[i]) {
				c.ExecuteCorrect++
			}
			if res[i].Class == int(labels[i]) {
				c.NetlistCorrect++
			}
		}
	}
	return c, nil
}
