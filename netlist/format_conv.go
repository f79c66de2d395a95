package netlist

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// The file form of conv2d and maxpool (version 2).

type fileConv2D struct {
	Op          string   `json:"op"`
	Name        string   `json:"name"`
	InChannels  int      `json:"in_channels"`
	OutChannels int      `json:"out_channels"`
	Kernel      []int    `json:"kernel"` // [kh, kw], or [k] for a square kernel
	Stride      int      `json:"stride"`
	Pad         []int    `json:"pad"` // [top, bottom, left, right], or [p] on every side; absent: none
	PadValue    int64    `json:"pad_value"`
	WeightBits  int      `json:"weight_bits"`
	AccBits     int      `json:"acc_bits"`
	Weights     []string `json:"weights"` // one hex row per output channel
}

type fileMaxPool struct {
	Op     string `json:"op"`
	Name   string `json:"name"`
	Kernel int    `json:"kernel"`
	Stride int    `json:"stride"`
}

func decodeConv2D(raw json.RawMessage) (Layer, error) {
	var f fileConv2D
	if err := strictDecode(raw, &f); err != nil {
		return nil, err
	}
	l := &Conv2D{Name: f.Name, InC: f.InChannels, OutC: f.OutChannels, Stride: f.Stride,
		PadValue: f.PadValue, WeightBits: f.WeightBits, AccBits: f.AccBits}
	switch len(f.Kernel) {
	case 1:
		l.KH, l.KW = f.Kernel[0], f.Kernel[0]
	case 2:
		l.KH, l.KW = f.Kernel[0], f.Kernel[1]
	default:
		return nil, fmt.Errorf("kernel: want [kh, kw] or [k], got %d values", len(f.Kernel))
	}
	switch len(f.Pad) {
	case 0:
	case 1:
		l.Pad = Symmetric(f.Pad[0])
	case 4:
		l.Pad = Padding{Top: f.Pad[0], Bottom: f.Pad[1], Left: f.Pad[2], Right: f.Pad[3]}
	default:
		return nil, fmt.Errorf("pad: want [top, bottom, left, right] or [p], got %d values", len(f.Pad))
	}
	if l.KH <= 0 || l.KW <= 0 || l.KH > maxKernel || l.KW > maxKernel {
		return nil, fmt.Errorf("kernel: %dx%d is outside 1..%d", l.KH, l.KW, maxKernel)
	}
	if l.InC <= 0 || l.InC > 1<<16 {
		return nil, fmt.Errorf("in_channels: %d is outside 1..65536", l.InC)
	}
	w, err := decodeRows(f.Weights, f.OutChannels, l.RowLen(), f.WeightBits, "out_channels", "kernel_h*kernel_w*in_channels")
	if err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	l.Weights = w
	return l, nil
}

func decodeMaxPool(raw json.RawMessage) (Layer, error) {
	var f fileMaxPool
	if err := strictDecode(raw, &f); err != nil {
		return nil, err
	}
	return &MaxPool{Name: f.Name, K: f.Kernel, Stride: f.Stride}, nil
}

func (l *Conv2D) marshal(b *bytes.Buffer) {
	p := l.Pad
	fmt.Fprintf(b, "      \"in_channels\": %d,\n      \"out_channels\": %d,\n      \"kernel\": [%d, %d],\n      \"stride\": %d,\n",
		l.InC, l.OutC, l.KH, l.KW, l.Stride)
	fmt.Fprintf(b, "      \"pad\": [%d, %d, %d, %d],\n      \"pad_value\": %d,\n", p.Top, p.Bottom, p.Left, p.Right, l.PadValue)
	fmt.Fprintf(b, "      \"weight_bits\": %d,\n      \"acc_bits\": %d,\n      \"weights\": [\n", l.WeightBits, l.AccBits)
	for f := 0; f < l.OutC; f++ {
		fmt.Fprintf(b, "        \"%s\"%s\n", EncodeRow(l.Row(f), l.WeightBits), comma(f, l.OutC))
	}
	b.WriteString("      ]\n")
}

func (l *MaxPool) marshal(b *bytes.Buffer) {
	fmt.Fprintf(b, "      \"kernel\": %d,\n      \"stride\": %d\n", l.K, l.Stride)
}
