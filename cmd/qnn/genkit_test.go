package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/rtlgen"
)

const trainedModel = "../../testdata/tfc-w1a1.json" // names the mnist data set

// TestGenKitImages: the kit's images are the first --tb-images test images
// of the data set the model names (or --dataset), else pseudo-random.
func TestGenKitImages(t *testing.T) {
	set, err := dataset.Load("mnist", "test", "")
	if err != nil {
		t.Skip(err)
	}
	dir := filepath.Join(t.TempDir(), "d")
	if _, stderr, code := runQNN(t, "gen", "--model", trainedModel, "-o", dir, "--target-cycles", "256", "--tb-images", "3"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	stim := readLines(t, filepath.Join(dir, "tb", "stimulus.mem"))
	if len(stim) != 3*98 {
		t.Fatalf("%d stimulus beats, want 3 frames x 98", len(stim))
	}
	// Beat 0 of frame 1 is pixels 0..7 of test image 1.
	if want := rtlgen.HexBytes(set.Image(1)[:8]); stim[98] != want {
		t.Errorf("frame 1 beat 0 %s, want %s (test image 1)", stim[98], want)
	}
	if got := len(readLines(t, filepath.Join(dir, "tb", "expected.mem"))); got != 3 {
		t.Errorf("%d expected beats, want 3", got)
	}
	readme, _ := os.ReadFile(filepath.Join(dir, "tb", "README.md"))
	if !strings.Contains(string(readme), "the first 3 mnist test images") {
		t.Errorf("the kit README does not name the images")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", trainedModel, "--dataset", "random", "--tb-images", "2"}, "2 pseudo-random images"},
		{[]string{"--model", testModel, "--tb-images", "5"}, "5 pseudo-random images"}, // names no data set
	} {
		d := filepath.Join(t.TempDir(), "d")
		if _, stderr, code := runQNN(t, append([]string{"gen", "-o", d}, c.args...)...); code != exitOK {
			t.Fatalf("%v: exit %d: %s", c.args, code, stderr)
		}
		readme, _ := os.ReadFile(filepath.Join(d, "tb", "README.md"))
		if !strings.Contains(string(readme), c.want) {
			t.Errorf("%v: the kit README lacks %q", c.args, c.want)
		}
	}
}

func TestGenKitErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	for _, c := range []struct {
		args  []string
		wants []string
	}{
		{[]string{"--model", testModel, "--tb-images", "0"}, []string{"--tb-images must be 1..10000"}},
		{[]string{"--model", testModel, "--tb-images", "100000000"}, []string{"--tb-images must be 1..10000"}},
		{[]string{"--model", testModel, "--dataset", "cifar"}, []string{"--dataset", "cifar"}},
	} {
		stdout, stderr, code := runQNN(t, append([]string{"gen", "-o", dir}, c.args...)...)
		checkUserError(t, stdout, stderr, code, c.wants...)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("a failed gen left %s behind", dir)
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(data))
}
