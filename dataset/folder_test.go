package dataset

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// grayPNG writes a w x h gray PNG whose pixel (x,y) is v+x+10*y.
func grayPNG(t *testing.T, path string, w, h int, v byte) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetGray(x, y, color.Gray{v + byte(x+10*y)})
		}
	}
	writeImage(t, path, img)
}

func writeImage(t *testing.T, path string, img image.Image) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	var buf bytes.Buffer
	var err error
	if strings.HasSuffix(path, ".jpg") {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 100})
	} else {
		err = png.Encode(&buf, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// grayFolder: train has classes ant (3 images), cat (1), dog (2); test
// has cat and dog. Image values: ant 0, 50, 100; cat 150; dog 200, 220.
func grayFolder(t *testing.T) string {
	dir := t.TempDir()
	for class, vs := range map[string][]byte{"ant": {0, 50, 100}, "cat": {150}, "dog": {200, 220}} {
		for i, v := range vs {
			grayPNG(t, filepath.Join(dir, "train", class, string(rune('a'+i))+".png"), 4, 3, v)
		}
	}
	grayPNG(t, filepath.Join(dir, "test", "dog", "x.png"), 4, 3, 7)
	grayPNG(t, filepath.Join(dir, "test", "cat", "y.PNG"), 4, 3, 9)
	writeFile(t, filepath.Join(dir, "test", "cat"), ".DS_Store", []byte("ignored"))
	return dir
}

func TestImageFolderGray(t *testing.T) {
	dir := grayFolder(t)
	name := ImagesPrefix + dir
	info, err := DescribeDataSet(name)
	if err != nil {
		t.Fatal(err)
	}
	if info.Shape != (Shape{1, 3, 4}) || !slices.Equal(info.ClassNames, []string{"ant", "cat", "dog"}) {
		t.Fatalf("info %+v", info)
	}
	s, err := Load(name, Train, "")
	if err != nil {
		t.Fatal(err)
	}
	// Interleaved: ant/a, cat/a, dog/a, ant/b, dog/b, ant/c.
	wantLabels, wantFirst := []byte{0, 1, 2, 0, 2, 0}, []byte{0, 150, 200, 50, 220, 100}
	if s.N != 6 || s.Shape() != info.Shape || !bytes.Equal(s.Labels, wantLabels) || s.Name != name || s.NumClasses() != 3 {
		t.Fatalf("N %d shape %v labels %v", s.N, s.Shape(), s.Labels)
	}
	for i, v := range wantFirst {
		img := s.Image(i)
		for y := range 3 {
			for x := range 4 {
				if got := img[y*4+x]; got != v+byte(x+10*y) {
					t.Fatalf("image %d pixel (%d,%d) = %d, want %d", i, x, y, got, v+byte(x+10*y))
				}
			}
		}
	}
	test, err := Load(name, Test, "")
	if err != nil {
		t.Fatal(err)
	}
	if test.N != 2 || !bytes.Equal(test.Labels, []byte{1, 2}) || test.Image(0)[0] != 9 {
		t.Fatalf("test: N %d labels %v", test.N, test.Labels)
	}
	if _, err := Load(name, Test, "/elsewhere"); err == nil || !strings.Contains(err.Error(), "does not apply") {
		t.Errorf("a data directory with images:DIR: %v", err)
	}
}

// TestImageFolderColor: one colour image makes the set RGB; gray images
// are then read as three equal channels, and a JPEG decodes too.
func TestImageFolderColor(t *testing.T) {
	dir := grayFolder(t)
	rgb := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	for i := range rgb.Pix {
		rgb.Pix[i] = 255
	}
	rgb.SetNRGBA(1, 2, color.NRGBA{10, 20, 30, 255})
	writeImage(t, filepath.Join(dir, "test", "ant", "rgb.png"), rgb)
	writeImage(t, filepath.Join(dir, "test", "ant", "z.jpg"), rgb)
	s, err := LoadImageFolder(dir, Test)
	if err != nil {
		t.Fatal(err)
	}
	if s.C != 3 || s.N != 4 || !bytes.Equal(s.Labels, []byte{0, 1, 2, 0}) {
		t.Fatalf("C %d N %d labels %v", s.C, s.N, s.Labels)
	}
	if got := s.Image(0)[(2*4+1)*3:][:3]; !bytes.Equal(got, []byte{10, 20, 30}) {
		t.Errorf("rgb.png pixel (1,2) = %v, want [10 20 30]", got)
	}
	if got := s.Image(1)[(1*4+2)*3:][:3]; !bytes.Equal(got, []byte{21, 21, 21}) { // cat y.PNG: 9+2+10
		t.Errorf("gray pixel as RGB = %v, want [21 21 21]", got)
	}
	if s.Image(3)[0] < 250 { // the JPEG of a white image
		t.Errorf("JPEG pixel 0 = %d, want about 255", s.Image(3)[0])
	}
	train, err := LoadImageFolder(dir, Train)
	if err != nil || train.C != 3 {
		t.Fatalf("the training split of a colour folder: %v, C %d", err, train.C)
	}
}

func TestImageFolderErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  []string
	}{
		{"size", func(t *testing.T, dir string) { grayPNG(t, filepath.Join(dir, "test", "dog", "big.png"), 5, 3, 0) },
			[]string{filepath.Join("test", "dog", "big.png"), "5x3", "all images must have the same size"}},
		{"not an image", func(t *testing.T, dir string) { writeFile(t, filepath.Join(dir, "train", "cat"), "notes.txt", nil) },
			[]string{filepath.Join("train", "cat", "notes.txt"), "not a .png, .jpg or .jpeg file"}},
		{"corrupt", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "train", "cat"), "b.png", []byte("garbage"))
		},
			[]string{filepath.Join("train", "cat", "b.png"), "not a PNG or JPEG image"}},
		{"unknown test class", func(t *testing.T, dir string) { grayPNG(t, filepath.Join(dir, "test", "eel", "e.png"), 4, 3, 0) },
			[]string{filepath.Join("test", "eel"), "not one of the classes", "ant, cat, dog"}},
		{"file in train", func(t *testing.T, dir string) { grayPNG(t, filepath.Join(dir, "train", "x.png"), 4, 3, 0) },
			[]string{filepath.Join("train", "x.png"), "not a class directory"}},
		{"no test", func(t *testing.T, dir string) { os.RemoveAll(filepath.Join(dir, "test")) },
			[]string{"test", "no such file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := grayFolder(t)
			tc.setup(t, dir)
			_, err := LoadImageFolder(dir, Train)
			checkOneLine(t, err, tc.want...)
		})
	}
	_, err := LoadImageFolder(t.TempDir(), Train)
	checkOneLine(t, err, "train", "an image folder needs DIR/train/<class>/")
}

// TestUserIDX: your own IDX files load without the official checksums,
// in a directory with MNIST's names or as four named files, with one
// channel ([N H W]) or several ([N H W C]); the classes come from the
// labels.
func TestUserIDX(t *testing.T) {
	dir := t.TempDir()
	pix := func(n, size int) []byte {
		b := make([]byte, n*size)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}
	writeFile(t, dir, "train-images-idx3-ubyte", encodeIDX([]int{4, 5, 6}, pix(4, 30)))
	writeFile(t, dir, "train-labels-idx1-ubyte", encodeIDX([]int{4}, []byte{0, 1, 2, 1}))
	writeFile(t, dir, "t10k-images-idx3-ubyte", encodeIDX([]int{2, 5, 6}, pix(2, 30)))
	writeFile(t, dir, "t10k-labels-idx1-ubyte", encodeIDX([]int{2}, []byte{4, 0}))
	s, err := Load(IDXPrefix+dir, Train, "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Shape() != (Shape{1, 5, 6}) || s.N != 4 || s.NumClasses() != 5 || !bytes.Equal(s.Pixels, pix(4, 30)) {
		t.Fatalf("shape %v N %d classes %d", s.Shape(), s.N, s.NumClasses())
	}
	// The official names still verify: these files are not MNIST.
	if _, err := Load(MNIST, Train, dir); err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Errorf("mnist with a user's files: %v", err)
	}

	rgb := filepath.Join(dir, "rgb")
	os.Mkdir(rgb, 0o755)
	files := []string{
		writeFile(t, rgb, "a", encodeIDX([]int{3, 2, 2, 3}, pix(3, 12))), writeFile(t, rgb, "b", encodeIDX([]int{3}, []byte{0, 1, 1})),
		writeFile(t, rgb, "c", encodeIDX([]int{1, 2, 2, 3}, pix(1, 12))), writeFile(t, rgb, "d", encodeIDX([]int{1}, []byte{1})),
	}
	spec := IDXPrefix + strings.Join(files, ",")
	s, err = Load(spec, Test, "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Shape() != (Shape{3, 2, 2}) || s.N != 1 || s.NumClasses() != 2 || s.Name != spec {
		t.Fatalf("shape %v N %d classes %d", s.Shape(), s.N, s.NumClasses())
	}

	// (A new spec: descriptions are cached per spec within a process.)
	files[2] = writeFile(t, rgb, "c2", encodeIDX([]int{1, 2, 2}, pix(1, 4)))
	_, err = Load(IDXPrefix+strings.Join(files, ","), Train, "")
	if err == nil || !strings.Contains(err.Error(), "test images are (1,2,2) but the training images are (3,2,2)") {
		t.Errorf("splits of different shapes: %v", err)
	}
	for _, bad := range []string{"idx:", "idx:a,b", "idx:a,,c,d", "images:", "cifar"} {
		if err := CheckName(bad); err == nil {
			t.Errorf("CheckName(%q): no error", bad)
		}
	}
}
