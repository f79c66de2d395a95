package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/qnn-dev/qnn/dataset"
	"github.com/qnn-dev/qnn/netlist"
)

// colorClasses are the classes of the synthetic image folder: images
// dominated by red, green or blue.
var colorClasses = []string{"blue", "green", "red"}

// colorImage is a w x h image of class k (an index into colorClasses):
// that channel bright, the others dark, with noise.
func colorImage(rng *rand.Rand, k, w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			var c [3]uint8
			for ch := range c {
				c[ch] = uint8(rng.IntN(90))
			}
			c[2-k] = uint8(160 + rng.IntN(96)) // blue is channel 2, red channel 0
			img.SetNRGBA(x, y, color.NRGBA{c[0], c[1], c[2], 255})
		}
	}
	return img
}

func savePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// colorFolder writes an image folder of 8x6 (width x height) colour
// images: per class 40 training and 5 test images.
func colorFolder(t *testing.T) string {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 6))
	for k, class := range colorClasses {
		for i := range 40 {
			savePNG(t, filepath.Join(dir, "train", class, fmt.Sprintf("%03d.png", i)), colorImage(rng, k, 8, 6))
		}
		for i := range 5 {
			savePNG(t, filepath.Join(dir, "test", class, fmt.Sprintf("t%d.png", i)), colorImage(rng, k, 8, 6))
		}
	}
	return dir
}

// TestOwnImages: train on an image folder (3 classes, RGB, rectangular,
// with augmentation), eval with
// --predictions (one CSV row per image, as netlist.Eval scores it), and
// predict on the same files (the same classes, named after the folders).
func TestOwnImages(t *testing.T) {
	dir := colorFolder(t)
	spec := "images:" + dir
	out := t.TempDir()
	model := filepath.Join(out, "own.json")
	stdout, stderr, code := runQNN(t, "train", "--dataset", spec, "--hidden", "32", "--epochs", "4", "--batch", "12",
		"--input-bits", "8", "--augment", "1", "--quiet", "--out", model, "--json")
	if code != exitOK {
		t.Fatalf("train: exit code %d: %s", code, stderr)
	}
	var tr trainReport
	decodeOneObject(t, stdout, &tr)
	n, err := netlist.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	if in := n.InputLayer().Shape; in != (netlist.Shape{C: 3, H: 6, W: 8}) || n.OutputLayer().Classes != 3 || tr.TestImages != 15 {
		t.Fatalf("model input %v, %d classes, %d test images", in, n.OutputLayer().Classes, tr.TestImages)
	}

	preds := filepath.Join(out, "p.csv")
	stdout, stderr, code = runQNN(t, "eval", "--model", model, "--dataset", spec, "--predictions", preds, "--json")
	if code != exitOK {
		t.Fatalf("eval: exit code %d: %s", code, stderr)
	}
	var er evalReport
	decodeOneObject(t, stdout, &er)
	rows := readCSV(t, preds)
	if want := []string{"index", "label", "predicted", "score_0", "score_1", "score_2", "file"}; !slices.Equal(rows[0], want) {
		t.Fatalf("header %v, want %v", rows[0], want)
	}
	rows = rows[1:]
	test, err := dataset.LoadImageFolder(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	want, err := netlist.Eval(n, test.Images(), test.N)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 15 || er.Images != 15 {
		t.Fatalf("%d rows, eval scored %d images", len(rows), er.Images)
	}
	correct := 0
	for i, row := range rows {
		class := filepath.Base(filepath.Dir(row[6]))
		wantRow := []string{strconv.Itoa(i), strconv.Itoa(slices.Index(colorClasses, class)), strconv.Itoa(want[i].Class)}
		for _, s := range want[i].Scores {
			wantRow = append(wantRow, strconv.FormatInt(s, 10))
		}
		if !slices.Equal(row[:6], wantRow) {
			t.Errorf("row %d = %v, want %v", i, row[:6], wantRow)
		}
		if row[1] == row[2] {
			correct++
		}
	}
	if correct != er.Correct || er.Accuracy < 0.9 {
		t.Errorf("CSV: %d correct, eval: %d (accuracy %v)", correct, er.Correct, er.Accuracy)
	}

	files := []string{rows[0][6], rows[4][6], rows[8][6]}
	stdout, stderr, code = runQNN(t, append([]string{"predict", "--model", model, "--json"}, files...)...)
	if code != exitOK {
		t.Fatalf("predict: exit code %d: %s", code, stderr)
	}
	var pr predictReport
	decodeOneObject(t, stdout, &pr)
	for i, p := range pr.Images {
		r := rows[[]int{0, 4, 8}[i]]
		if p.File != files[i] || strconv.Itoa(p.Class) != r[2] || p.Name != colorClasses[p.Class] || p.Resized {
			t.Errorf("predict %s: class %d %q, eval predicted %s", p.File, p.Class, p.Name, r[2])
		}
	}
	stdout, _, code = runQNN(t, "predict", "--model", model, files[0])
	if code != exitOK || !strings.HasPrefix(stdout, files[0]+": "+colorClasses[pr.Images[0].Class]+" (class ") {
		t.Errorf("predict text: exit %d, %q", code, stdout)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestPredictSizes: another size is an error naming the file unless
// --resize; a 2x nearest-neighbour enlargement resized by area averaging
// is the original image, so it is classified alike; a gray image feeds a
// colour model as three equal channels.
func TestPredictSizes(t *testing.T) {
	n, err := netlist.Random(rand.New(rand.NewPCG(3, 3)), netlist.RandomConfig{Input: netlist.Shape{C: 3, H: 8, W: 8}, InputBits: 8, Hidden: []int{16}, Classes: 4})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	model := filepath.Join(dir, "m.json")
	if err := netlist.Save(model, n); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	small := colorImage(rng, 1, 8, 8)
	big := image.NewNRGBA(image.Rect(0, 0, 16, 16))
	for y := range 16 {
		for x := range 16 {
			big.Set(x, y, small.At(x/2, y/2))
		}
	}
	gray := image.NewGray(image.Rect(0, 0, 8, 8))
	rgbOfGray := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(rng.IntN(256))
		v := gray.Pix[i]
		rgbOfGray.SetNRGBA(i%8, i/8, color.NRGBA{v, v, v, 255})
	}
	paths := map[string]image.Image{"small.png": small, "big.png": big, "gray.png": gray, "rgbgray.png": rgbOfGray, "odd.png": image.NewNRGBA(image.Rect(0, 0, 9, 7))}
	for name, img := range paths {
		savePNG(t, filepath.Join(dir, name), img)
	}
	p := func(name string) string { return filepath.Join(dir, name) }

	stdout, stderr, code := runQNN(t, "predict", "--model", model, p("small.png"), p("big.png"))
	checkUserError(t, stdout, stderr, code, p("big.png"), "16x16 pixels", "8x8", "--resize")

	stdout, stderr, code = runQNN(t, "predict", "--model", model, "--resize", "--json", p("small.png"), p("big.png"), p("gray.png"), p("rgbgray.png"), p("odd.png"))
	if code != exitOK {
		t.Fatalf("predict --resize: exit %d: %s", code, stderr)
	}
	var pr predictReport
	decodeOneObject(t, stdout, &pr)
	im := pr.Images
	if !slices.Equal(im[0].Scores, im[1].Scores) || im[0].Resized || !im[1].Resized || !im[4].Resized {
		t.Errorf("small %v (resized %v) vs big %v (resized %v)", im[0].Scores, im[0].Resized, im[1].Scores, im[1].Resized)
	}
	if !slices.Equal(im[2].Scores, im[3].Scores) {
		t.Errorf("gray image %v vs the same as RGB %v", im[2].Scores, im[3].Scores)
	}

	stdout, stderr, code = runQNN(t, "predict", "--model", model, p("nothere.png"))
	checkUserError(t, stdout, stderr, code, p("nothere.png"))
	stdout, stderr, code = runQNN(t, "predict", "--model", model)
	checkUserError(t, stdout, stderr, code, "no images")
	stdout, stderr, code = runQNN(t, "eval", "--model", model, "--dataset", "images:"+dir, "--predictions", filepath.Join(dir, "no", "such", "dir", "p.csv"))
	checkUserError(t, stdout, stderr, code, "--predictions", "cannot write")
}

// idxFile encodes an unsigned-byte IDX file.
func idxFile(dims []int, data []byte) []byte {
	b := []byte{0, 0, 8, byte(len(dims))}
	for _, d := range dims {
		b = append(b, byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
	}
	return append(b, data...)
}

// TestEvalUserIDX: eval reads your own IDX files (4-D, 3 channels) given
// one by one, and --predictions has no file column for them.
func TestEvalUserIDX(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	n, err := netlist.Random(rng, netlist.RandomConfig{Input: netlist.Shape{C: 3, H: 4, W: 4}, InputBits: 8, Hidden: []int{8}, Classes: 4})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	model := filepath.Join(dir, "m.json")
	if err := netlist.Save(model, n); err != nil {
		t.Fatal(err)
	}
	const count = 6
	pix := make([]byte, count*48)
	for i := range pix {
		pix[i] = uint8(rng.IntN(256))
	}
	labels := []byte{0, 1, 2, 3, 0, 1}
	var files []string
	for _, f := range []struct {
		name string
		body []byte
	}{{"ti", idxFile([]int{count, 4, 4, 3}, pix)}, {"tl", idxFile([]int{count}, labels)},
		{"si", idxFile([]int{count, 4, 4, 3}, pix)}, {"sl", idxFile([]int{count}, labels)}} {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, f.body, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	preds := filepath.Join(dir, "p.csv")
	_, stderr, code := runQNN(t, "eval", "--model", model, "--dataset", "idx:"+strings.Join(files, ","), "--predictions", preds)
	if code != exitOK {
		t.Fatalf("eval: exit %d: %s", code, stderr)
	}
	want, err := netlist.Eval(n, pix, count)
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, preds)
	if len(rows) != count+1 || len(rows[0]) != 7 || rows[0][6] != "score_3" {
		t.Fatalf("CSV %v", rows)
	}
	for i, r := range rows[1:] {
		if r[1] != strconv.Itoa(int(labels[i])) || r[2] != strconv.Itoa(want[i].Class) || r[6] != strconv.FormatInt(want[i].Scores[3], 10) {
			t.Errorf("row %d = %v, want class %d scores %v", i, r, want[i].Class, want[i].Scores)
		}
	}
}

// TestPredictGrayModel: a 1-channel model reads a colour image as its
// luma: an RGB file whose pixels are grays scores as the gray file.
func TestPredictGrayModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	n, err := netlist.Random(rng, netlist.RandomConfig{Input: netlist.Shape{C: 1, H: 5, W: 5}, InputBits: 8, Hidden: []int{8}, Classes: 3})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	model := filepath.Join(dir, "m.json")
	if err := netlist.Save(model, n); err != nil {
		t.Fatal(err)
	}
	gray := image.NewGray(image.Rect(0, 0, 5, 5))
	rgb := image.NewNRGBA(gray.Bounds())
	for i := range gray.Pix {
		v := uint8(rng.IntN(256))
		gray.Pix[i] = v
		rgb.SetNRGBA(i%5, i/5, color.NRGBA{v, v, v, 255})
	}
	savePNG(t, filepath.Join(dir, "g.png"), gray)
	savePNG(t, filepath.Join(dir, "c.png"), rgb)
	stdout, stderr, code := runQNN(t, "predict", "--model", model, "--json", filepath.Join(dir, "g.png"), filepath.Join(dir, "c.png"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var pr predictReport
	decodeOneObject(t, stdout, &pr)
	want, err := netlist.Eval(n, gray.Pix, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pr.Images {
		if !slices.Equal(p.Scores, want[0].Scores) {
			t.Errorf("%s: scores %v, netlist.Eval on the gray pixels %v", p.File, p.Scores, want[0].Scores)
		}
	}
}
