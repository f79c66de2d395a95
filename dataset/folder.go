package dataset

import (
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // decoders for LoadImageFolder and ReadImage
	_ "image/png"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// Image folders (images:DIR):
//
//	DIR/train/<class>/*.png|*.jpg|*.jpeg   the training images (the last
//	                                        tenth validates, train.Split)
//	DIR/test/<class>/*                     the test images
//
// The classes are the subdirectories of DIR/train in sorted (byte) order,
// label 0 first; DIR/test may lack a class but not have one DIR/train
// lacks. Files in a class directory are taken in sorted order, and the
// classes are interleaved: image 0 is the first file of class 0, image 1
// the first of class 1, ..., then the second file of every class, so that
// the validation tenth holds every class. Hidden entries (".name") are
// ignored; anything else that is not a .png, .jpg or .jpeg file is an
// error. Every image of both splits must have the same width and height.
// If every image of both splits is grayscale (8/16-bit gray, or a palette
// of grays), the set has one channel (C=1, the gray value); otherwise C=3
// (red, green, blue; 16-bit samples keep their high byte, transparent
// pixels are composited over black).
const (
	maxFolderClasses = 256     // labels are bytes
	maxImagePixels   = 1 << 24 // per image, checked before decoding
)

// folder is the scan of an image folder: its classes, shape and files.
type folder struct {
	dir     string
	classes []string
	shape   Shape
	files   map[string][]labeled // per split, in image order
}

type labeled struct {
	path  string
	label byte
}

func isImageFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

// listDir returns the non-hidden entries of dir, sorted.
func listDir(dir string) ([]os.DirEntry, error) {
	ents, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	return slices.DeleteFunc(ents, func(e os.DirEntry) bool { return strings.HasPrefix(e.Name(), ".") }), nil
}

// scanFolder lists both splits of an image folder and reads every
// image's header (size and colour model).
func scanFolder(dir string) (*folder, error) {
	ents, err := listDir(filepath.Join(dir, Train))
	if err != nil {
		return nil, fmt.Errorf("%w (an image folder needs DIR/train/<class>/ and DIR/test/<class>/)", err)
	}
	f := &folder{dir: dir, files: map[string][]labeled{}}
	for _, e := range ents {
		if !e.IsDir() {
			return nil, fmt.Errorf("dataset: %s: not a class directory (DIR/train holds one directory per class)", filepath.Join(dir, Train, e.Name()))
		}
		f.classes = append(f.classes, e.Name())
	}
	switch {
	case len(f.classes) == 0:
		return nil, fmt.Errorf("dataset: %s: no class directories", filepath.Join(dir, Train))
	case len(f.classes) > maxFolderClasses:
		return nil, fmt.Errorf("dataset: %s: %d classes, at most %d", filepath.Join(dir, Train), len(f.classes), maxFolderClasses)
	}
	for _, split := range []string{Train, Test} {
		if f.files[split], err = f.listSplit(split); err != nil {
			return nil, err
		}
	}
	if f.shape, err = f.probe(); err != nil {
		return nil, err
	}
	return f, nil
}

// listSplit lists a split's images, classes interleaved.
func (f *folder) listSplit(split string) ([]labeled, error) {
	root := filepath.Join(f.dir, split)
	ents, err := listDir(root)
	if err != nil {
		return nil, err
	}
	perClass := make([][]string, len(f.classes))
	for _, e := range ents {
		label := slices.Index(f.classes, e.Name())
		if label < 0 || !e.IsDir() {
			return nil, fmt.Errorf("dataset: %s: not one of the classes of %s (%s)", filepath.Join(root, e.Name()),
				filepath.Join(f.dir, Train), strings.Join(f.classes, ", "))
		}
		files, err := listDir(filepath.Join(root, e.Name()))
		if err != nil {
			return nil, err
		}
		for _, file := range files {
			p := filepath.Join(root, e.Name(), file.Name())
			if file.IsDir() || !isImageFile(file.Name()) {
				return nil, fmt.Errorf("dataset: %s: not a .png, .jpg or .jpeg file", p)
			}
			perClass[label] = append(perClass[label], p)
		}
	}
	var out []labeled
	for k := 0; ; k++ {
		added := false
		for label, files := range perClass {
			if k < len(files) {
				out = append(out, labeled{files[k], byte(label)})
				added = true
			}
		}
		if !added {
			break
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("dataset: %s: no images", root)
	}
	return out, nil
}

// probe reads every image's header: all must have the first one's size;
// C is 1 if all are grayscale, else 3.
func (f *folder) probe() (Shape, error) {
	var s Shape
	gray := true
	for _, split := range []string{Train, Test} {
		for _, l := range f.files[split] {
			cfg, err := decodeConfig(l.path)
			if err != nil {
				return s, err
			}
			if s.H == 0 {
				s.H, s.W = cfg.Height, cfg.Width
			} else if cfg.Height != s.H || cfg.Width != s.W {
				first := f.files[Train][0].path
				return s, fmt.Errorf("dataset: %s: %dx%d pixels (width x height), but %s is %dx%d: all images must have the same size",
					l.path, cfg.Width, cfg.Height, first, s.W, s.H)
			}
			gray = gray && isGray(cfg.ColorModel)
		}
	}
	s.C = 3
	if gray {
		s.C = 1
	}
	if total := int64(len(f.files[Train])+len(f.files[Test])) * int64(s.Size()); total > MaxIDXBytes {
		return s, fmt.Errorf("dataset: %s: the images need %d bytes, more than the %d-byte limit", f.dir, total, int64(MaxIDXBytes))
	}
	return s, nil
}

// decodeConfig reads an image file's header, refusing empty or huge
// images before anything is decoded.
func decodeConfig(path string) (image.Config, error) {
	r, err := os.Open(path)
	if err != nil {
		return image.Config{}, fmt.Errorf("dataset: %w", err)
	}
	defer r.Close()
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return cfg, fmt.Errorf("dataset: %s: not a PNG or JPEG image: %v", path, err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return cfg, fmt.Errorf("dataset: %s: %dx%d pixels: want 1 to %d pixels", path, cfg.Width, cfg.Height, maxImagePixels)
	}
	return cfg, nil
}

// isGray reports whether a colour model holds only grays.
func isGray(m color.Model) bool {
	switch m {
	case color.GrayModel, color.Gray16Model:
		return true
	}
	if p, ok := m.(color.Palette); ok {
		for _, c := range p {
			r, g, b, _ := c.RGBA()
			if r != g || g != b {
				return false
			}
		}
		return true
	}
	return false
}

// LoadImageFolder reads a split of the image folder dir (see above).
func LoadImageFolder(dir, split string) (*Set, error) {
	if err := checkSplit(split); err != nil {
		return nil, err
	}
	name := ImagesPrefix + dir
	f, err := scanFolder(dir)
	if err != nil {
		return nil, err
	}
	infoCache.Store(name, Info{f.shape, f.classes})
	files := f.files[split]
	s := &Set{Name: name, Split: split, N: len(files), C: f.shape.C, Rows: f.shape.H, Cols: f.shape.W,
		Pixels: make([]byte, len(files)*f.shape.Size()), Labels: make([]byte, len(files)), ClassNames: f.classes,
		Files: make([]string, len(files))}
	for i, l := range files {
		s.Files[i] = l.path
	}
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				s.Labels[i] = files[i].label
				errs[i] = readImageInto(s.Image(i), files[i].path, f.shape)
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}
