package popcount

import (
	"flag"
	"math/bits"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// randomLanes draws n random bits.
func randomLanes(r *rand.Rand, n int) []bool {
	v := make([]bool, n)
	for i := range v {
		v[i] = r.Intn(2) == 1
	}
	return v
}

// wantCount is the plain popcount of a (with xnor, of the agreeing lanes).
func wantCount(a, b []bool, xnor bool) int {
	n := 0
	for i := range a {
		if (xnor && a[i] == b[i]) || (!xnor && a[i]) {
			n++
		}
	}
	return n
}

// TestEvalAllWidths: the planned tree counts right for every width 1..300,
// with and without XNOR, on edge and random inputs.
func TestEvalAllWidths(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for n := 1; n <= 300; n++ {
		for _, xnor := range []bool{false, true} {
			tr, err := Plan(Options{N: n, XNOR: xnor})
			if err != nil {
				t.Fatal(err)
			}
			cases := [][2][]bool{
				{make([]bool, n), make([]bool, n)},
				{allOnes(n), make([]bool, n)},
			}
			for k := 0; k < 40; k++ {
				cases = append(cases, [2][]bool{randomLanes(r, n), randomLanes(r, n)})
			}
			for _, c := range cases {
				got, err := tr.Eval(c[0], c[1])
				if err != nil {
					t.Fatal(err)
				}
				if want := wantCount(c[0], c[1], xnor); got != want {
					t.Fatalf("%s: count %d, want %d", tr.Name(), got, want)
				}
			}
			checkWiring(t, tr)
		}
	}
}

func allOnes(n int) []bool {
	v := make([]bool, n)
	for i := range v {
		v[i] = true
	}
	return v
}

// checkWiring: every bit of every level is read exactly once, counters have
// at most six LUT inputs, and the adder takes at most two bits per column
// (three in the lowest).
func checkWiring(t *testing.T, tr *Tree) {
	t.Helper()
	prev := []int{tr.N}
	if tr.Terms != nil {
		prev = make([]int, len(tr.Terms))
		for c, ts := range tr.Terms {
			prev[c] = len(ts)
		}
	}
	for i, lv := range tr.Levels {
		used := map[Sig]int{}
		for _, c := range lv.Counters {
			in := len(c.In)
			if c.Fold {
				in *= 2
			}
			if in > 6 || len(c.Out) > bits.Len(uint(len(c.In))) {
				t.Fatalf("%s level %d: counter %d inputs %d outputs", tr.Name(), i+1, in, len(c.Out))
			}
			for _, s := range c.In {
				used[s]++
			}
		}
		for _, p := range lv.Passes {
			used[p.From]++
		}
		n := 0
		for c, h := range prev {
			for k := 0; k < h; k++ {
				if used[Sig{Level: i, Col: c, Index: k}] != 1 {
					t.Fatalf("%s level %d: bit %d of column %d read %d times", tr.Name(), i+1, k, c, used[Sig{Level: i, Col: c, Index: k}])
				}
				n++
			}
		}
		if n != len(used) {
			t.Fatalf("%s level %d: reads bits that do not exist", tr.Name(), i+1)
		}
		prev = lv.Heights
	}
	if !tr.done(prev) {
		t.Fatalf("%s: final columns %v do not fit the adder", tr.Name(), prev)
	}
}

// TestPipelineLatency: registers every P stages, none after the last.
func TestPipelineLatency(t *testing.T) {
	for _, c := range []struct {
		opts           Options
		stages, lat, d int
	}{
		{Options{N: 64, XNOR: true}, 5, 0, 5},
		{Options{N: 64, XNOR: true, PipelineEvery: 1}, 5, 4, 1},
		{Options{N: 64, XNOR: true, PipelineEvery: 2}, 5, 2, 2},
		{Options{N: 64, XNOR: true, PipelineEvery: 5}, 5, 0, 5},
		{Options{N: 6}, 1, 0, 1},
		{Options{N: 6, PipelineEvery: 1}, 1, 0, 1},
		{Options{N: 256, PipelineEvery: 3}, 7, 2, 3},
	} {
		tr, err := Plan(c.opts)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Stages() != c.stages || tr.Latency() != c.lat || tr.Depth() != c.d {
			t.Errorf("%s: stages %d latency %d depth %d, want %d %d %d", tr.Name(), tr.Stages(), tr.Latency(), tr.Depth(), c.stages, c.lat, c.d)
		}
	}
}

func TestOptionsErrors(t *testing.T) {
	for _, o := range []Options{{N: 0}, {N: MaxN + 1}, {N: 4, PipelineEvery: -1}} {
		if _, err := Plan(o); err == nil || !strings.HasPrefix(err.Error(), "popcount: ") {
			t.Errorf("%+v: err = %v", o, err)
		}
		if _, _, err := Reference(o); err == nil {
			t.Errorf("%+v: Reference accepted", o)
		}
	}
}

// TestDeterministic: the same options give the same bytes.
func TestDeterministic(t *testing.T) {
	for _, o := range []Options{{N: 100, XNOR: true, PipelineEvery: 2}, {N: 256}} {
		_, a, err := Compressor(o)
		if err != nil {
			t.Fatal(err)
		}
		_, b, _ := Compressor(o)
		if a != b {
			t.Errorf("%s: two generations differ", o.Name())
		}
	}
}

// TestGolden compares small modules with testdata/*.v (go test -update
// rewrites them; review the diff).
func TestGolden(t *testing.T) {
	for _, o := range []Options{{N: 6}, {N: 9, XNOR: true}, {N: 16, PipelineEvery: 1}} {
		for _, gen := range []func(Options) (string, string, error){Compressor, Reference} {
			name, v, err := gen(o)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name+".v")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(v), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if string(want) != v {
				t.Errorf("%s differs from %s (go test -update rewrites it)", name, path)
			}
		}
	}
}
