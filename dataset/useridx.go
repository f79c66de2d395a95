package dataset

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// maxUserChannels bounds the channel dimension of a user's 4-D IDX images.
const maxUserChannels = 1024

// idxPaths returns the images and labels files of a split of an idx:
// specification: idx:DIR (MNIST's file names, .gz or plain, in DIR) or
// idx:TRAIN_IMAGES,TRAIN_LABELS,TEST_IMAGES,TEST_LABELS.
func idxPaths(spec, split string) ([2]string, error) {
	body := strings.TrimPrefix(spec, IDXPrefix)
	parts := strings.Split(body, ",")
	switch {
	case body == "":
		return [2]string{}, fmt.Errorf("dataset: %q: want idx:DIR or idx:TRAIN_IMAGES,TRAIN_LABELS,TEST_IMAGES,TEST_LABELS", spec)
	case len(parts) == 4:
		for _, p := range parts {
			if p == "" {
				return [2]string{}, fmt.Errorf("dataset: %q: an empty file name (want idx:TRAIN_IMAGES,TRAIN_LABELS,TEST_IMAGES,TEST_LABELS)", spec)
			}
		}
		if split == Test {
			return [2]string{parts[2], parts[3]}, nil
		}
		return [2]string{parts[0], parts[1]}, nil
	case len(parts) != 1:
		return [2]string{}, fmt.Errorf("dataset: %q: %d files, want idx:DIR or four files idx:TRAIN_IMAGES,TRAIN_LABELS,TEST_IMAGES,TEST_LABELS", spec, len(parts))
	}
	return [2]string{}, nil // a directory: resolved by idxFiles
}

// idxFiles resolves idxPaths, looking the files up in the directory of an
// idx:DIR specification.
func idxFiles(spec, split string) ([2]string, error) {
	if err := checkSplit(split); err != nil {
		return [2]string{}, err
	}
	p, err := idxPaths(spec, split)
	if err != nil || p[0] != "" {
		return p, err
	}
	dir := strings.TrimPrefix(spec, IDXPrefix)
	for i, kind := range []string{Images, Labels} {
		base, _ := FileName(split, kind)
		if p[i], err = findFile(dir, base); err != nil {
			return p, err
		}
	}
	return p, nil
}

// idxImageShape turns IDX image dimensions [N H W] or [N H W C] into N and
// the image shape.
func idxImageShape(path string, dims []int) (int, Shape, error) {
	switch {
	case len(dims) == 3 && dims[1] > 0 && dims[2] > 0:
		return dims[0], Shape{1, dims[1], dims[2]}, nil
	case len(dims) == 4 && dims[1] > 0 && dims[2] > 0 && dims[3] > 0 && dims[3] <= maxUserChannels:
		return dims[0], Shape{dims[3], dims[1], dims[2]}, nil
	}
	return 0, Shape{}, fmt.Errorf("dataset: %s: images must have dims [N H W] or [N H W C] (channel-fastest, C <= %d), got %v",
		path, maxUserChannels, dims)
}

// loadUserIDX loads a split of an idx: specification: images [N H W] (one
// channel) or [N H W C], labels [N] with values 0..255; the classes are
// 0..K-1 with K one more than the largest label of both splits. The two
// splits must have the same image shape.
func loadUserIDX(spec, split string) (*Set, error) {
	info, err := DescribeDataSet(spec)
	if err != nil {
		return nil, err
	}
	p, err := idxFiles(spec, split)
	if err != nil {
		return nil, err
	}
	var (
		wg           sync.WaitGroup
		images, labs *IDX
		errI, errL   error
	)
	wg.Go(func() { images, errI = readFile("", split, Images, p[0], false) })
	wg.Go(func() { labs, errL = readFile("", split, Labels, p[1], false) })
	wg.Wait()
	if errI != nil {
		return nil, errI
	}
	if errL != nil {
		return nil, errL
	}
	n, shape, err := idxImageShape(p[0], images.Dims)
	if err != nil {
		return nil, err
	}
	if shape != info.Shape {
		return nil, fmt.Errorf("dataset: %s: images are %v but the %s split's are %v (C,H,W)", p[0], shape, otherSplit(split), info.Shape)
	}
	if err := checkLabels(p[1], labs, n, p[0], len(info.ClassNames)); err != nil {
		return nil, err
	}
	return &Set{Name: spec, Split: split, N: n, C: shape.C, Rows: shape.H, Cols: shape.W,
		Pixels: images.Data, Labels: labs.Data, ClassNames: info.ClassNames}, nil
}

func otherSplit(split string) string {
	if split == Train {
		return Test
	}
	return Train
}

// checkLabels checks a labels file: 1-D, n labels, each below classes.
func checkLabels(path string, labs *IDX, n int, imagesPath string, classes int) error {
	if len(labs.Dims) != 1 {
		return fmt.Errorf("dataset: %s: labels must have dims [N], got %v", path, labs.Dims)
	}
	if labs.Dims[0] != n {
		return fmt.Errorf("dataset: %s has %d labels but %s has %d images", path, labs.Dims[0], imagesPath, n)
	}
	for i, l := range labs.Data {
		if int(l) >= classes {
			return fmt.Errorf("dataset: %s: label %d at index %d is out of range 0..%d", path, l, i, classes-1)
		}
	}
	return nil
}

// probeIDX reads the image headers and the labels of both splits of an
// idx: specification: the shape (the same in both) and the classes.
func probeIDX(spec string) (Info, error) {
	var shapes [2]Shape
	maxLabel := 0
	for i, split := range []string{Train, Test} {
		p, err := idxFiles(spec, split)
		if err != nil {
			return Info{}, err
		}
		dims, err := readIDXDims(p[0])
		if err != nil {
			return Info{}, err
		}
		if _, shapes[i], err = idxImageShape(p[0], dims); err != nil {
			return Info{}, err
		}
		labs, err := readFile("", split, Labels, p[1], false)
		if err != nil {
			return Info{}, err
		}
		for _, l := range labs.Data {
			maxLabel = max(maxLabel, int(l))
		}
	}
	if shapes[0] != shapes[1] {
		p, _ := idxFiles(spec, Test)
		return Info{}, fmt.Errorf("dataset: %s: test images are %v but the training images are %v (C,H,W)", p[0], shapes[1], shapes[0])
	}
	names := make([]string, maxLabel+1)
	for i := range names {
		names[i] = fmt.Sprint(i)
	}
	return Info{shapes[0], names}, nil
}

// readIDXDims reads only the header of an IDX file (plain or gzip).
func readIDXDims(path string) ([]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	src, _, err := decompressed(f)
	if err != nil {
		return nil, fmt.Errorf("dataset: %s: %w", path, err)
	}
	var hdr [4]byte
	if _, err := io.ReadFull(src, hdr[:]); err != nil || hdr[0] != 0 || hdr[1] != 0 || hdr[2] != TypeUnsignedByte || hdr[3] == 0 {
		return nil, fmt.Errorf("dataset: %s: not an unsigned-byte IDX file (bad header)", path)
	}
	b := make([]byte, 4*int(hdr[3]))
	if _, err := io.ReadFull(src, b); err != nil {
		return nil, fmt.Errorf("dataset: %s: truncated IDX header", path)
	}
	dims := make([]int, hdr[3])
	for i := range dims {
		dims[i] = int(b[4*i])<<24 | int(b[4*i+1])<<16 | int(b[4*i+2])<<8 | int(b[4*i+3])
	}
	return dims, nil
}
