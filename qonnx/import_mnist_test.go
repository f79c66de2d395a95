package qonnx

import (
	"path/filepath"
	"testing"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
)

func loadMNIST(t testing.TB) *dataset.Set {
	t.Helper()
	set, err := dataset.Load(dataset.MNIST, dataset.Test, "")
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	return set
}

// compareOnMNIST imports g and requires the netlist's prediction to equal
// Predict's on every test image (first n with -short).
func compareOnMNIST(t *testing.T, g *Graph, div float64, n int) (correct, correctExec int) {
	net, err := Import(g, ImportOptions{PixelDivisor: div})
	if err != nil {
		t.Fatal(err)
	}
	set := loadMNIST(t)
	if n > set.N {
		n = set.N
	}
	res, err := netlist.Eval(net, set.Pixels[:n*784], n)
	if err != nil {
		t.Fatal(err)
	}
	diff := 0
	prog, err := Compile(g)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		x, _ := PixelTensor(set.Image(i), g.Inputs[0].Shape, div)
		p, _, err := prog.Predict(x)
		if err != nil {
			t.Fatal(err)
		}
		if p != res[i].Class {
			diff++
			if diff < 5 {
				t.Errorf("image %d: Execute %d, netlist %d", i, p, res[i].Class)
			}
		}
		if p == int(set.Labels[i]) {
			correctExec++
		}
		if res[i].Class == int(set.Labels[i]) {
			correct++
		}
	}
	t.Logf("%d images: netlist %d correct, Execute %d correct, %d differ", n, correct, correctExec, diff)
	return correct, correctExec
}

func TestImportFixturesMNIST(t *testing.T) {
	dir := fixtureDir(t)
	n := 10000
	if testing.Short() {
		n = 500
	}
	for _, c := range []struct {
		file string
		div  float64
	}{
		{"TFC_1W1A.onnx", 255}, {"TFC_1W2A.onnx", 255}, {"finn-tfc-w1a1/model.onnx", 1},
	} {
		t.Run(c.file, func(t *testing.T) {
			g, err := Load(filepath.Join(dir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			compareOnMNIST(t, g, c.div, n)
		})
	}
}
