package train

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/qnn-dev/qnn/dataset"
)

// Config describes a training run. Zero values are not defaults: start from
// DefaultConfig and override fields.
type Config struct {
	Dataset string // "mnist", "fashion", "cifar10" or your own: images:DIR, idx:... (dataset.CheckName)
	Arch    string // "tfc", "sfc", "lfc", "mlp4096", "cnv", "cnv28", "lenet" or "custom"
	Hidden  []int  // hidden dense layer widths
	// Layers is the layer string of a convolutional model (grammar in
	// ParseLayers); "" for an MLP. Its dense widths must equal Hidden plus
	// the output layer. Left out of JSON when empty (MLP hashes unchanged).
	Layers    string `json:",omitempty"`
	WBits     int    // weight width: 1 (sign), 2 or 4 (symmetric uniform)
	ABits     int    // hidden activation width: 1 (sign), 2 or 4 (uniform on [0,1])
	InputBits int    // 1: binarized pixels (pixel >= InputThreshold); 8: raw pixels
	// InputThreshold binarizes pixels for InputBits == 1.
	InputThreshold int
	// InputSize is the side of the images the model reads: the data set's
	// 28x28 images are downsampled to InputSize x InputSize by area
	// averaging (dataset.Downsample) before binarization. It must divide
	// 28; 0 means 28 (no downsampling). Left out of JSON when 0, so the
	// configuration hashes of runs without it do not change.
	InputSize int `json:",omitempty"`

	Epochs  int
	Batch   int
	LR      float64 // learning rate of the first epoch
	LRFinal float64 // learning rate of the last epoch (exponential decay)
	Seed    uint64
	Limit   int // use only the first Limit training images (0: all)
	// DropIn and Drop are dropout probabilities on the input and on the
	// hidden activations (0: none).
	DropIn, Drop float64
	// Augment is the largest random shift, in pixels, applied to every
	// training image (horizontally and vertically, independently and
	// uniformly in [-Augment, Augment]) before it is encoded; 0: none.
	Augment int
	// Flip mirrors every training image horizontally with probability 1/2
	// (after the shift); off by default, on for CIFAR-style training.
	Flip bool `json:",omitempty"`

	Loss      string // "hinge" (squared hinge) or "xent" (softmax cross-entropy)
	Optimizer string // "adam" or "shift-adamax" (shift-based AdaMax)
	GBits     int    // quantize activation gradients to GBits bits (0: off)
	ShiftBN   bool   // shift-based batch norm
	Threads   int    // goroutines for matrix products (0: GOMAXPROCS)
}

// Architectures maps an architecture name to its hidden layer widths.
var Architectures = map[string][]int{
	"tfc":     {64, 64, 64},
	"sfc":     {256, 256, 256},
	"lfc":     {1024, 1024, 1024},
	"mlp4096": {4096, 4096, 4096},
}

// Batch-norm constants of the recipe.
const (
	bnEps      = 1e-4
	bnMomentum = 0.1
)

// DefaultBNStats is the number of training images on which the
// convolutional architectures lenet and cnv recompute their batch-norm
// statistics every epoch (Trainer.SetBNStats); the others, cnv28 among
// them (its measured schedule), keep the running averages (0). Measured in
// docs/training.md ("Batch-norm statistics").
func DefaultBNStats(arch string) int {
	if _, ok := ConvArchitectures[arch]; ok && arch != "cnv28" {
		return defaultBNStats
	}
	return 0
}

const defaultBNStats = 10000

// DefaultConfig returns the default configuration (and schedule) for an
// architecture name.
func DefaultConfig(arch string) (Config, error) {
	if layers, ok := ConvArchitectures[arch]; ok {
		return defaultConvConfig(arch, layers)
	}
	h, ok := Architectures[arch]
	if !ok {
		return Config{}, fmt.Errorf("train: unknown architecture %q (want tfc, sfc, lfc, mlp4096, cnv, cnv28 or lenet)", arch)
	}
	c := Config{
		Dataset: "mnist", Arch: arch, Hidden: slices.Clone(h),
		WBits: 1, ABits: 1, InputBits: 1, InputThreshold: 128,
		Epochs: 20, Batch: 100, LR: 3e-3, LRFinal: 3e-5, Seed: 1,
		Loss: "hinge", Optimizer: "adam",
	}
	// The schedules and their measured curves are in docs/training.md.
	switch arch {
	case "tfc": // 94.7% test in 20 epochs, 7 s
		c.LR, c.LRFinal = 2e-2, 1e-4
	case "sfc": // 60 epochs of about 1.3 s
		c.Epochs, c.LR, c.LRFinal, c.Augment = 60, 1e-2, 1e-5, 1
	case "lfc", "mlp4096":
		// The 20-minute schedule: 60 epochs of about 9 s on 2 quiet cores.
		// Without augmentation LFC overfits (validation flat at 98.0%).
		c.Epochs, c.LR, c.LRFinal, c.Augment = 60, 3e-3, 3e-6, 1
	}
	return c, nil
}

// defaultConvConfig is DefaultConfig for a convolutional architecture.
func defaultConvConfig(arch, layers string) (Config, error) {
	st, err := ParseLayers(layers)
	if err != nil {
		return Config{}, err
	}
	c := Config{
		Dataset: "mnist", Arch: arch, Layers: layers, Hidden: slices.Clone(st.Dense[:len(st.Dense)-1]),
		WBits: 1, ABits: 1, InputBits: 1, InputThreshold: 128,
		Epochs: 20, Batch: 100, LR: 1e-2, LRFinal: 1e-5, Seed: 1, Augment: 1,
		Loss: "hinge", Optimizer: "adam",
	}
	if arch == "cnv28" {
		// The measured 99.47% run (docs/training-results.md): 8-bit pixels
		// into the first convolution, as CNV's, 2e-2 to 1e-4 over 20
		// epochs, no shifts, the batch norms' running averages.
		c.InputBits, c.Augment, c.LR, c.LRFinal = 8, 0, 2e-2, 1e-4
	}
	if arch == "cnv" {
		// 8-bit pixels into the first convolution and horizontal flips
		// only: with 4-pixel pad-and-crop as well (the usual CIFAR-10
		// augmentation) 40 epochs underfit (train and test 77-78%). 64
		// epochs (about 88 s each on 2 AVX-512 cores, 94 minutes) gave
		// 80.50%, 36 gave 79.01%; docs/training-results.md.
		c.Dataset, c.InputBits, c.Augment, c.Flip = dataset.CIFAR10, 8, 0, true
		c.Epochs, c.Batch, c.LR, c.LRFinal = 64, 100, 5e-3, 5e-6
	}
	return c, nil
}

// Stack returns the parsed layer string of a convolutional configuration
// (the zero Stack for an MLP).
func (c *Config) Stack() (Stack, error) {
	if c.Layers == "" {
		return Stack{}, nil
	}
	return ParseLayers(c.Layers)
}

// ParseHidden parses a comma-separated list of hidden layer widths.
func ParseHidden(s string) ([]int, error) {
	var h []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 || n > 1<<16 {
			return nil, fmt.Errorf("train: hidden layer width %q is not an integer in 1..65536", f)
		}
		h = append(h, n)
	}
	return h, nil
}

// MaxLR bounds the learning rates Validate accepts: Adam's steps are about
// the learning rate, and weights are clipped to [-1, 1], so anything above
// is no schedule but noise (and Inf poisons every weight).
const MaxLR = 10

// Validate checks the configuration.
func (c *Config) Validate() error {
	check := func(ok bool, format string, args ...any) error {
		if ok {
			return nil
		}
		return fmt.Errorf("train: "+format, args...)
	}
	for _, err := range []error{
		wrap(dataset.CheckName(c.Dataset)),
		check(len(c.Hidden) > 0, "need at least one hidden layer"),
		check(c.WBits == 1 || c.WBits == 2 || c.WBits == 4, "weight bits %d (want 1, 2 or 4)", c.WBits),
		check(c.ABits == 1 || c.ABits == 2 || c.ABits == 4, "activation bits %d (want 1, 2 or 4)", c.ABits),
		check(c.InputBits == 1 || c.InputBits == 8, "input bits %d (want 1 or 8)", c.InputBits),
		check(c.InputThreshold >= 0 && c.InputThreshold <= 256, "input threshold %d (want 0..256)", c.InputThreshold),
		c.checkInputSize(),
		check(c.Epochs > 0, "epochs must be positive, got %d", c.Epochs),
		check(c.Batch >= 2 && c.Batch <= 65536, "batch size %d (want 2..65536)", c.Batch),
		check(c.LR > 0 && c.LRFinal > 0, "learning rates must be positive (lr %g, lr-final %g)", c.LR, c.LRFinal),
		check(c.LR <= MaxLR && c.LRFinal <= MaxLR, "learning rates must be at most %g (lr %g, lr-final %g)", float64(MaxLR), c.LR, c.LRFinal),
		check(c.Limit >= 0, "limit must not be negative, got %d", c.Limit),
		check(c.DropIn >= 0 && c.DropIn < 1 && c.Drop >= 0 && c.Drop < 1, "dropout must be in [0, 1)"),
		check(c.Augment >= 0 && c.Augment <= 4, "augment shift %d (want 0..4 pixels)", c.Augment),
		check(c.Loss == "hinge" || c.Loss == "xent", "unknown loss %q (want hinge or xent)", c.Loss),
		check(c.Optimizer == "adam" || c.Optimizer == "shift-adamax", "unknown optimizer %q (want adam or shift-adamax)", c.Optimizer),
		check(c.GBits == 0 || (c.GBits >= 2 && c.GBits <= 16), "gradient bits %d (want 0 or 2..16)", c.GBits),
		check(c.Threads >= 0, "threads must not be negative"),
	} {
		if err != nil {
			return err
		}
	}
	return c.validateLayers()
}

// validateLayers checks a convolutional configuration's layer string
// against Hidden and the input shape.
func (c *Config) validateLayers() error {
	if c.Layers == "" {
		return nil
	}
	st, err := ParseLayers(c.Layers)
	if err != nil {
		return err
	}
	if !slices.Equal(st.Dense[:len(st.Dense)-1], c.Hidden) {
		return fmt.Errorf("train: hidden widths %v differ from the layer string's dense layers %v", c.Hidden, st.Dense[:len(st.Dense)-1])
	}
	_, _, err = st.plan(c.InputShape())
	return err
}

// wrap prefixes a dataset error with the package name.
func wrap(err error) error {
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

// checkInputSize checks that the data set's images can be downsampled to
// InputSize (0: not downsampled).
func (c *Config) checkInputSize() error {
	g := c.dataShape()
	if c.InputSize == 0 || g.CheckSize(c.InputSize) == nil {
		return nil
	}
	return fmt.Errorf("train: input size %d does not divide %d (want one of %v)", c.InputSize, g.H, g.Sizes())
}

// dataShape is the shape of the data set's images ((1,28,28) for an
// unknown name, which Validate reports).
func (c *Config) dataShape() dataset.Shape {
	g, err := dataset.Geometry(c.Dataset)
	if err != nil {
		return dataset.Shape{C: 1, H: dataset.Rows, W: dataset.Cols}
	}
	return g
}

// classes is the number of classes of the data set (10 for the built-in
// ones; an unreadable user data set is reported when it is loaded).
func (c *Config) classes() int {
	if in, err := dataset.DescribeDataSet(c.Dataset); err == nil && len(in.ClassNames) > 0 {
		return len(in.ClassNames)
	}
	return dataset.Classes
}

// InputSide is the side of the model's square input images: InputSize, or
// the data set's side (28 for MNIST) when it is 0.
func (c *Config) InputSide() int {
	if c.InputSize == 0 {
		return c.dataShape().H
	}
	return c.InputSize
}

// InputShape is the shape of the model's input images: the data set's
// (which may be rectangular for your own images) when InputSize is 0,
// else its channels at InputSize x InputSize.
func (c *Config) InputShape() dataset.Shape {
	if c.InputSize == 0 {
		return c.dataShape()
	}
	return dataset.Shape{C: c.dataShape().C, H: c.InputSize, W: c.InputSize}
}

// inputPixels is the number of bytes of one input image (C*H*W).
func (c *Config) inputPixels() int { return c.InputShape().Size() }

// inputChannels is the number of channels of the input images.
func (c *Config) inputChannels() int { return c.InputShape().C }

// threads is the number of goroutines for matrix products.
func (c *Config) threads() int {
	if c.Threads > 0 {
		return c.Threads
	}
	return runtime.GOMAXPROCS(0)
}

// LRAt is the learning rate of epoch e (0-based): exponential decay from LR
// to LRFinal over the run.
func (c *Config) LRAt(e int) float64 {
	if c.Epochs <= 1 {
		return c.LR
	}
	f := float64(e) / float64(c.Epochs-1)
	return c.LR * pow(c.LRFinal/c.LR, f)
}

// Name is a short model name such as "lfc-w1a1".
func (c *Config) Name() string {
	return fmt.Sprintf("%s-w%da%d", c.Arch, c.WBits, c.ABits)
}
