package train

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qnn-dev/qnn/netlist"
)

// TestBNStatsMeasure (only with QNN_BNSTATS_CKPT set to an MNIST
// checkpoint) reports the validation accuracy and the test accuracy of
// the export (netlist.Eval on the 10,000 test images) of the checkpoint's
// current and best models with their running batch-norm statistics and
// with statistics recomputed on N training images, for each N in
// QNN_BNSTATS_N (comma-separated; default 5000,10000,50000). A
// measurement, not a test: docs/training.md ("Batch-norm statistics").
func TestBNStatsMeasure(t *testing.T) {
	path := os.Getenv("QNN_BNSTATS_CKPT")
	if path == "" {
		t.Skip("QNN_BNSTATS_CKPT not set")
	}
	ns := []int{5000, 10000, 50000}
	if s := os.Getenv("QNN_BNSTATS_N"); s != "" {
		ns = ns[:0]
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			ns = append(ns, n)
		}
	}
	full, _ := loadMNIST(t)
	trainSet, val, err := Split(full, 0)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Resume(path, trainSet, val)
	if err != nil {
		t.Fatal(err)
	}
	best, _, bestEpoch := tr.Best()
	for _, m := range []struct {
		name  string
		model *Model
	}{{"current (epoch " + strconv.Itoa(tr.epoch) + ")", tr.model}, {"best (epoch " + strconv.Itoa(bestEpoch) + ")", best}} {
		measureBN(t, m.name+" running", m.model, tr)
		for _, n := range ns {
			start := time.Now()
			p := m.model.preciseBN(trainSet, n, tr.x)
			t.Logf("recomputing on %d images: %v", n, time.Since(start).Round(time.Millisecond))
			measureBN(t, m.name+" N="+strconv.Itoa(n), p, tr)
		}
	}
}

func measureBN(t *testing.T, name string, m *Model, tr *Trainer) {
	t.Helper()
	_, te := loadMNIST(t)
	inf := m.Inference()
	n, err := inf.Export(tr.cfg.Name(), configMeta(&tr.cfg))
	if err != nil {
		t.Fatal(err)
	}
	res, err := netlist.Eval(n, te.Pixels, te.N)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := inf.Predict(te.Pixels, te.N)
	ok, dis := 0, 0
	for i, r := range res {
		if r.Class == int(te.Labels[i]) {
			ok++
		}
		if r.Class != want[i] {
			dis++
		}
	}
	t.Logf("%-28s val %.2f%%  test %.2f%% (netlist.Eval, %d images)  disagreements %d",
		name, 100*Accuracy(inf, tr.val), 100*float64(ok)/float64(te.N), te.N, dis)
}
