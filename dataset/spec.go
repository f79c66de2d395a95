package dataset

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Your own data, named where a data set name is accepted (--dataset):
//
//	images:DIR   image folders: DIR/train/<class>/*.png|*.jpg|*.jpeg and
//	             DIR/test/<class>/* (LoadImageFolder)
//	idx:DIR      your own IDX files in DIR, named as MNIST's
//	             (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
//	             t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz])
//	idx:TRAIN_IMAGES,TRAIN_LABELS,TEST_IMAGES,TEST_LABELS
//	             the four IDX files named one by one
//
// Only the names mnist and fashion verify the official checksums; idx:
// files are your own and are checked for structure only.
const (
	ImagesPrefix = "images:"
	IDXPrefix    = "idx:"
)

// IsUserSpec reports whether name is an images: or idx: specification.
func IsUserSpec(name string) bool {
	return strings.HasPrefix(name, ImagesPrefix) || strings.HasPrefix(name, IDXPrefix)
}

// CheckName checks a data set name or specification for syntax only (no
// file is read): a built-in name (Names), images:DIR, idx:DIR or idx: with
// four comma-separated files.
func CheckName(name string) error {
	switch {
	case slices.Contains(Names, name):
		return nil
	case strings.HasPrefix(name, ImagesPrefix):
		if strings.TrimPrefix(name, ImagesPrefix) == "" {
			return fmt.Errorf("dataset: %q: want images:DIR (DIR/train/<class>/*.png ...)", name)
		}
		return nil
	case strings.HasPrefix(name, IDXPrefix):
		_, err := idxPaths(name, Train)
		return err
	}
	return fmt.Errorf("dataset: unknown data set %q (want %s, images:DIR or idx:DIR)", name, strings.Join(Names, ", "))
}

// Info is what a command needs to know of a data set before loading it.
type Info struct {
	Shape      Shape    // of every image
	ClassNames []string // label order
}

// infoCache remembers the probes of user data sets (keyed by spec), so
// that repeated questions in one process read the files once.
var infoCache sync.Map

// DescribeDataSet returns the image shape and the classes of a data set:
// from a table for the built-in ones; by reading the headers of the files
// (image sizes and colour models, IDX dimensions and labels) for images:
// and idx: specifications, so that a run learns the geometry without
// decoding every image.
func DescribeDataSet(name string) (Info, error) {
	switch name {
	case MNIST:
		return Info{Shape{1, Rows, Cols}, MNISTClassNames}, nil
	case Fashion:
		return Info{Shape{1, Rows, Cols}, FashionClassNames}, nil
	case CIFAR10:
		return Info{Shape{CIFARChannels, CIFARSide, CIFARSide}, CIFARClassNames}, nil
	}
	if err := CheckName(name); err != nil {
		return Info{}, err
	}
	if v, ok := infoCache.Load(name); ok {
		return v.(Info), nil
	}
	var (
		in  Info
		err error
	)
	if strings.HasPrefix(name, ImagesPrefix) {
		var f *folder
		if f, err = scanFolder(strings.TrimPrefix(name, ImagesPrefix)); err == nil {
			in = Info{f.shape, f.classes}
		}
	} else {
		in, err = probeIDX(name)
	}
	if err != nil {
		return Info{}, err
	}
	infoCache.Store(name, in)
	return in, nil
}

// loadUser loads a split of an images: or idx: data set.
func loadUser(name, split, dataDir string) (*Set, error) {
	if dataDir != "" {
		return nil, fmt.Errorf("dataset: %s names its own files; a data directory (%s) does not apply", name, dataDir)
	}
	if strings.HasPrefix(name, ImagesPrefix) {
		return LoadImageFolder(strings.TrimPrefix(name, ImagesPrefix), split)
	}
	return loadUserIDX(name, split)
}
