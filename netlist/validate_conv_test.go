package netlist

import (
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// docConvNet returns the convolutional example of docs/netlist-format.md:
// input, conv0, act0, pool0, fc1, scores.
func docConvNet(t testing.TB) *Network { return docExample(t, "## A convolutional example") }

// docExample reads the first JSON block after heading in
// docs/netlist-format.md.
func docExample(t testing.TB, heading string) *Network {
	t.Helper()
	doc, err := os.ReadFile("../docs/netlist-format.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	s = s[strings.Index(s, heading):]
	i := strings.Index(s, "```json\n")
	j := i + strings.Index(s[i:], "\n```\n")
	n, err := Read(strings.NewReader(s[i+len("```json\n") : j+1]))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// wantProblem requires Validate(n) to report a problem at the layer and
// field whose message contains want, naming the layer's op.
func wantProblem(t *testing.T, n *Network, layer int, field, want string) {
	t.Helper()
	err := Validate(n)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate = %v, want a *ValidationError", err)
	}
	for _, p := range ve.Problems {
		if p.Layer == layer && p.Field == field && strings.Contains(p.Msg, want) {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("Error() is not one line: %q", err.Error())
			}
			if layer < len(n.Layers) && n.Layers[layer] != nil && p.Op != n.Layers[layer].Op() {
				t.Errorf("problem names op %q, want %q", p.Op, n.Layers[layer].Op())
			}
			return
		}
	}
	t.Fatalf("no problem at layer %d field %q containing %q; got:\n%s", layer, field, want, ve.Detail())
}

// TestValidateConvErrors breaks the documented conv network in one way per
// case and checks that Validate names the layer, op and field.
func TestValidateConvErrors(t *testing.T) {
	conv := func(n *Network) *Conv2D { return n.Layers[1].(*Conv2D) }
	pool := func(n *Network) *MaxPool { return n.Layers[3].(*MaxPool) }
	tests := []struct {
		name   string
		break_ func(n *Network)
		layer  int
		field  string
		want   string
	}{
		{"kernel too large", func(n *Network) { conv(n).KH = 65 }, 1, "kernel", "outside 1..64"},
		{"kernel does not fit", func(n *Network) {
			c := conv(n)
			c.KH, c.Weights = 5, make([]int8, 2*5*2)
			for i := range c.Weights {
				c.Weights[i] = 1
			}
		}, 1, "kernel", "does not fit the padded 3x4 input"},
		{"stride", func(n *Network) { conv(n).Stride = 0 }, 1, "stride", "stride 0 is outside"},
		{"pad as large as the kernel", func(n *Network) { conv(n).Pad.Left = 2 }, 1, "pad", "smaller than the 2x2 kernel"},
		{"negative pad", func(n *Network) { conv(n).Pad.Bottom = -1 }, 1, "pad", "must be >= 0"},
		{"bipolar pad value 0", func(n *Network) { conv(n).PadValue = 0 }, 1, "pad_value", "pad with -1 or +1, not 0"},
		{"pad value without padding", func(n *Network) { conv(n).Pad = Padding{} }, 1, "pad_value", "takes no pad value"},
		{"in_channels", func(n *Network) { conv(n).InC = 2 }, 1, "in_channels", "takes 2 channels"},
		{"weights count", func(n *Network) { c := conv(n); c.Weights = c.Weights[:7] }, 1, "weights", "out_channels*kernel_h*kernel_w*in_channels = 2*2*2*1 = 8"},
		{"weight value", func(n *Network) { conv(n).Weights[5] = 0 }, 1, "weights", "row 1 column 1: weight 0 is not a 1-bit value"},
		{"acc overflow", func(n *Network) { conv(n).AccBits = 3 }, 1, "acc_bits", "accumulator range [-4, 4] overflows 3 signed bits"},
		{"threshold channels", func(n *Network) { n.Layers[2].(*Threshold).Channels = 3 }, 2, "channels", `the conv2d layer "conv0" has 2 outputs`},
		{"pool window", func(n *Network) { pool(n).K = 3 }, 3, "kernel", "3x3 window does not fit the 2x3 input"},
		{"pool stride", func(n *Network) { pool(n).Stride = 0 }, 3, "stride", "stride 0 is outside"},
		{"pool after conv", func(n *Network) { n.Layers = append(n.Layers[:2], n.Layers[3:]...) }, 2, "op", `a maxpool layer must follow a threshold or maxpool layer, not "conv2d"`},
		{"pool after input", func(n *Network) { n.Layers = append(n.Layers[:1], n.Layers[3:]...) }, 1, "op", `not "input"`},
		{"conv after conv", func(n *Network) {
			c2 := *conv(n)
			c2.Name, c2.InC, c2.Pad, c2.PadValue = "conv1", 2, Padding{}, 0
			c2.Weights = make([]int8, 2*2*2*2)
			n.Layers = append(n.Layers[:2], append([]Layer{&c2}, n.Layers[2:]...)...)
		}, 2, "op", `a conv2d layer must follow an input, threshold, maxpool, embedding or lstm layer, not "conv2d"`},
		{"dense after pool flattens", func(n *Network) { n.Layers[4].(*Dense).In = 5 }, 4, "in", "produces (2,1,2) = 4"},
		{"output classes of a conv", func(n *Network) {
			n.Layers = append(n.Layers[:2], &Output{Name: "scores", Classes: 2, ScoreBits: 8})
		}, 2, "classes", `have 2 classes but the conv2d layer "conv0" has 12 outputs`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := docConvNet(t)
			tc.break_(n)
			wantProblem(t, n, tc.layer, tc.field, tc.want)
		})
	}
}

// TestConvOutputAllowed: an output layer may follow a convolution directly
// (one class per element), with the score range checked per channel.
func TestConvOutputAllowed(t *testing.T) {
	n := docConvNet(t)
	n.Layers = append(n.Layers[:2], &Output{Name: "scores", Classes: 12, ScoreBits: 4})
	if err := Validate(n); err != nil {
		t.Fatal(err)
	}
	n.Layers[2].(*Output).ScoreBits = 3
	if err := Validate(n); err == nil || !strings.Contains(err.Error(), "score range [-4, 4] overflows 3 signed bits") {
		t.Fatalf("Validate = %v, want a score overflow", err)
	}
}

// TestFileVersions: dense networks are written as version 1, networks with a
// conv2d or maxpool as version 2, and a version-1 file may not use them.
func TestFileVersions(t *testing.T) {
	if v := FileVersion(randomNet(t, 1, smallCfg)); v != 1 {
		t.Errorf("dense network: version %d, want 1", v)
	}
	n := docConvNet(t)
	enc := string(Marshal(n))
	if !strings.Contains(enc, `"version": 2,`) {
		t.Fatalf("conv network not written as version 2:\n%s", enc[:80])
	}
	_, err := Unmarshal([]byte(strings.Replace(enc, `"version": 2,`, `"version": 1,`, 1)))
	if err == nil || !strings.Contains(err.Error(), `layer 1 "conv0": op: "conv2d" needs file version 2 or later, the file declares version 1`) {
		t.Fatalf("Unmarshal = %v, want a version error naming conv0", err)
	}
}

// TestConvRoundTrip: random conv networks survive Marshal and Read exactly.
func TestConvRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 40; i++ {
		n, desc, err := convTestNetwork(rng)
		if err != nil {
			t.Fatal(err)
		}
		enc := Marshal(n)
		m, err := Read(strings.NewReader(string(enc)))
		if err != nil {
			t.Fatalf("network %d (%s): %v", i, desc, err)
		}
		if got := Marshal(m); string(got) != string(enc) {
			t.Fatalf("network %d (%s): re-encoding differs", i, desc)
		}
	}
}
