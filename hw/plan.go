package hw

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/qnn-dev/qnn/netlist"
	"github.com/qnn-dev/qnn/popcount"
)

// PlanVersion is the newest plan.json format version this package writes
// and reads. Version 2 added sequence models (the tokens and lstm stages);
// a plan without them is written as version 1, whose format is unchanged,
// and Load reads both.
const PlanVersion = 2

// planVersionImages is the version of a plan without sequence stages.
const planVersionImages = 1

// Kind is an MVTU's lane product kind (docs/dataflow.md "Hardware domain").
type Kind string

const (
	KindXnor Kind = "xnor" // 1-bit weight x 1-bit input: XNOR-popcount
	KindW1   Kind = "w1"   // 1-bit weight x unsigned input: w ? x : -x
	KindX1   Kind = "x1"   // k-bit weight x 1-bit input: x ? w : -w
	KindMul  Kind = "mul"  // k-bit weight x unsigned input: w * x
)

// Mode says what an MVTU does with a finished accumulator.
type Mode string

const (
	ModeThreshold Mode = "threshold" // hidden layer: fused multi-threshold activation
	ModeScore     Mode = "score"     // last layer: fused output offsets, class scores
)

// Fold is one MVTU layer's (dense or conv2d) folding: PE processing
// elements (neurons in parallel), each with SIMD lanes (synapses in
// parallel), or a sequence model's lstm layer's (PE gate rows, a multiple
// of 4, and SIMD lanes). Layer names the layer it folds; a folding whose
// entries have no names maps by position over the folded layers in stream
// order (the lstm layer first).
type Fold struct {
	PE    int    `json:"pe"`
	SIMD  int    `json:"simd"`
	Layer string `json:"layer,omitempty"`
}

// Options select a plan's folding and input stream width.
type Options struct {
	// Folds is the explicit folding, one per lstm, dense or conv2d layer,
	// keyed by Fold.Layer or (no names) in stream order; nil selects auto
	// folding with TargetCycles.
	Folds []Fold
	// TargetCycles is the auto-folding target: per layer the smallest
	// PE*SIMD with NF*SF <= TargetCycles (docs/hw-plan.md gives the
	// tie-break). <= 0 with Folds nil means PE = SIMD = 1 everywhere.
	TargetCycles int
	// NoPad refuses foldings that need padding: SIMD must divide MW and PE
	// must divide MH.
	NoPad bool
	// MaxLUTs, with Folds nil and > 0, selects the fastest auto folding
	// whose Estimate.LUT is at most MaxLUTs, searched over the foldings of
	// every target from TargetCycles up (docs/hw-plan.md "Folding"); none
	// fitting is an error naming the smallest estimate.
	MaxLUTs int `json:",omitempty"`
	// InPix is the number of 8-bit pixels per s_axis beat; 0 selects the
	// default (docs/hw-plan.md: 8, doubled while the input stream would be
	// the bottleneck).
	InPix int
	// Popcount selects the xnor layers' reduction: PopcountBehavioural (""
	// is the same) or PopcountTree, the LUT6 compressor tree of package
	// popcount (for xc7; iCE40's LUT4 fabric prefers the behavioural sum).
	Popcount Popcount
	// PipelineEvery is the compressor trees' register spacing in stages
	// (popcount.Options.PipelineEvery; 0 is combinational). Each tree's
	// latency becomes its layer's PipeDepth.
	PipelineEvery int
	// Target is the FPGA family the design is tuned for: TargetXC7 or ""
	// (a 6-input-LUT fabric: the plan picks block RAM or LUTs per ROM, as
	// its estimate counts), or TargetICE40 (ROM mapping left to the tool).
	Target string
	// AllLogits makes a sequence model's m_axis carry all V scores, as a
	// stream of beats per token (OutputStage.Stream); by default it carries
	// the predicted token and its score (OutputStage.TopScore).
	AllLogits bool `json:",omitempty"`
}

// Popcount is the reduction of an xnor PE's lane products.
type Popcount string

const (
	PopcountBehavioural Popcount = "behavioural" // a '+' tree: cheapest on LUT4 (iCE40)
	PopcountTree        Popcount = "tree"        // 6:3 compressor tree (package popcount): LUT6 (xc7)
)

// PopcountFor is the default reduction for an FPGA family: the tree for
// "xc7", behavioural otherwise.
func PopcountFor(target string) Popcount {
	if target == "xc7" {
		return PopcountTree
	}
	return PopcountBehavioural
}

// Plan is the hardware plan of one accelerator. Its JSON form is plan.json.
type Plan struct {
	Net           *netlist.Network `json:"-"`
	Version       int              // plan format version (PlanVersion)
	NetlistSHA256 string           // hex sha256 of netlist.Marshal(Net)
	Name          string           // the netlist's name
	Input         InputStage       // s_axis and the binarizer
	Layers        []*Layer         // one MVTU per dense or conv2d layer, in order (the MVTU stages' layers)
	Output        OutputStage      // argmax and m_axis
	// Stages is the pipeline in stream order: the input, then any sequence
	// of swg, mvtu, pool, dwc and fifo stages, then the output. Stage i's
	// Out is stage i+1's In. Input, Layers and Output are its input, mvtu
	// and output stages' parameters.
	Stages         []Stage
	CyclesPerFrame int       // steady state, no stalls: the largest stage Cycles (a sequence model: per token)
	Latency        int       // first input handshake to output handshake, no stalls (Plan.schedule; a sequence model: token 0's)
	Estimate       Resources // analytic estimate of the whole design
	// Popcount and PipelineEvery are the options the xnor layers were
	// built with ("" and 0: behavioural).
	Popcount      Popcount `json:",omitempty"`
	PipelineEvery int      `json:",omitempty"`
	Target        string   `json:",omitempty"` // Options.Target
}

// InputStage describes the s_axis stream and the binarizer, or for a
// sequence model (Tokens > 0) the token input (docs/lstm-hardware.md
// "Token input stage"; Shape, Bits, Threshold and InPix are then 0, Beats
// 1).
type InputStage struct {
	Name      string        // the netlist input layer's name (a sequence model: its embedding layer's)
	Shape     netlist.Shape // image shape; pixels in netlist order ((h*W+w)*C+c)
	Bits      int           // 1: binarized (pixel >= Threshold is bit 1), 8: pixels as they are
	Threshold int           // binarization threshold (Bits == 1)
	InPix     int           // 8-bit pixels per beat, pixel j at tdata[8*j +: 8]
	Beats     int           // beats per frame, ceil(Shape.Size() / InPix)
	TDataBits int           // 8 * InPix
	// DropBits is the width of the framer's dropped-frame counter
	// (frame_drops, saturating; docs/dataflow.md "Framing"), or of a
	// sequence model's count of tokens >= V (the same port).
	DropBits int
	// Pad is set when the first stage after the input is not an MVTU (a
	// conv-first network), which cannot discard a partial frame: the
	// framer (qnn_framer_pad) then makes every packet one whole frame,
	// padding an early-ended one with filler beats and discarding the
	// extra beats of a late one, and marks the frame bad; the output stage
	// suppresses the results of bad frames (docs/dataflow.md "Framing of
	// conv-first networks").
	Pad bool `json:",omitempty"`
	// Tokens is a sequence model's vocabulary V: s_axis carries one token
	// per beat, tlast on a sequence's last token; a token >= V is read as
	// token 0, sets the sticky frame_err and is counted in frame_drops
	// (DropBits, saturating). TokenBits = TDataBits = 8*ceil(clog2(V)/8) is
	// its width.
	Tokens    int `json:",omitempty"`
	TokenBits int `json:",omitempty"`
}

// DropBits is InputStage.DropBits: the dropped-frame counter saturates at
// 65535.
const DropBits = 16

// OutputStage describes the argmax stage and the m_axis stream.
type OutputStage struct {
	Name      string // the netlist output layer's name
	Classes   int    // C
	PE        int    // scores per input beat (the last MVTU's PE)
	Beats     int    // input beats per frame (the last MVTU's NF times its pixels, 1)
	ScoreBits int    // signed width of a class score
	SW        int    // score field width in tdata: 16 if ScoreBits <= 16, else 32
	TDataBits int    // 16 + Classes*SW: class in [15:0], score c at [16 + c*SW +: SW]; TopScore: 16 + SW
	// TopScore is set when m_axis carries only the predicted class and its
	// score (at [16 +: SW]): a sequence model's default, whose V logits
	// (10,000 on Penn Treebank) would make a beat of 160,016 bits
	// (Options.AllLogits keeps them all). Image plans carry every score.
	TopScore bool `json:",omitempty"`
	// Stream is set when m_axis carries every score of a token as Beats
	// beats (Options.AllLogits on a sequence model): beat b holds the PE
	// scores of classes b*PE .. b*PE+PE-1, lane p sign-extended to SW bits
	// at [p*SW +: SW] (classes >= Classes: 0), m_axis_tlast on the last;
	// no argmax. TDataBits is PE*SW.
	Stream bool `json:",omitempty"`
	// FlagDepth is the depth of the per-frame bad-flag queue from the
	// framer to the output stage when Input.Pad is set (0 otherwise): the
	// most frames that can be in flight between the first stage's taking
	// a frame's last beat and the output stage's handing its result on,
	// Plan.FramesInFlight.
	FlagDepth int `json:",omitempty"`
}

// Emitted is what the output stage hands on for a frame or token whose
// netlist scores are scores: the predicted class (netlist.Argmax: the
// first of the highest) and the scores m_axis carries, all of them or with
// TopScore the predicted class's alone. The result shares scores' storage.
func (o *OutputStage) Emitted(scores []int64) (class int, emitted []int64) {
	k := netlist.Argmax(scores)
	if o.TopScore {
		return k, scores[k : k+1]
	}
	return k, scores
}

// Mem is a ROM: Depth words of Width bits, and how it is to be built.
type Mem struct {
	Depth, Width int
	// Style is the implementation the plan chose (and the estimate
	// counts); rtlgen writes it as a synthesis attribute on the memory.
	Style MemStyle `json:",omitempty"`
}

// MemStyle is how a ROM is built.
type MemStyle string

const (
	// MemAuto leaves the choice to the synthesis tool (no attribute).
	MemAuto MemStyle = ""
	// MemBlock is block RAM: rom_style = "block" (Yosys and Vivado).
	MemBlock MemStyle = "block"
	// MemLUT is LUT logic (a 64-deep ROM is one LUT6 per output bit, the
	// distributed-ROM form): Yosys' logic_block attribute, rom_style =
	// "distributed" for other tools (Vivado).
	MemLUT MemStyle = "lut"
)

// Target FPGA families of Options.Target.
const (
	TargetXC7   = "xc7"   // Xilinx 7-series, 6-input LUTs
	TargetICE40 = "ice40" // Lattice iCE40, 4-input LUTs
)

// Bits is Depth*Width.
func (m Mem) Bits() int64 { return int64(m.Depth) * int64(m.Width) }

// NewPlan validates n and derives its hardware plan with the folding opt
// selects. Errors start with "hw: " and name the layer at fault.
func NewPlan(n *netlist.Network, opt Options) (*Plan, error) {
	pre, err := prepare(n, &opt)
	if err != nil {
		return nil, err
	}
	if opt.Folds == nil && opt.MaxLUTs > 0 {
		return pre.fastestWithin(opt)
	}
	folds := opt.Folds
	if folds == nil {
		folds = pre.balancedFolds(opt.TargetCycles, opt.NoPad, opt.InPix)
	} else if folds, err = pre.resolveFolds(folds); err != nil {
		return nil, err
	}
	if err := pre.checkFolds(folds, opt.NoPad); err != nil {
		return nil, err
	}
	return pre.build(folds, opt, nil)
}

// prepared is what a plan needs of its netlist before folding: the
// lowering, the MVTU layers, a sequence model's lstm stage and the
// netlist's hash. Building one plan per candidate folding from it costs no
// netlist validation. A folding ([]Fold) lists the folded layers in stream
// order: the lstm layer first when there is one, then the MVTU layers.
type prepared struct {
	net   *netlist.Network
	ops   []loweredOp
	specs []mvtuSpec
	lstm  *lstmSpec // nil for an image model
	sha   string
}

// mvtuFolds is the MVTU layers' part of a folding.
func (pre *prepared) mvtuFolds(folds []Fold) []Fold {
	if pre.lstm != nil {
		return folds[1:]
	}
	return folds
}

// prepare lowers n and checks opt's popcount and target options.
func prepare(n *netlist.Network, opt *Options) (*prepared, error) {
	ops, err := lower(n)
	if err != nil {
		return nil, err
	}
	vals, err := netlist.Values(n)
	if err != nil {
		return nil, fmt.Errorf("hw: %w", err)
	}
	specs, err := mvtuSpecs(n, vals)
	if err != nil {
		return nil, err
	}
	ls, err := lstmSpecOf(n)
	if err != nil {
		return nil, err
	}
	if err := checkOptions(opt); err != nil {
		return nil, err
	}
	return &prepared{net: n, ops: ops, specs: specs, lstm: ls, sha: NetlistSHA256(n)}, nil
}

// build derives the plan of a checked folding (in stream order). layers,
// if not nil, caches the folded layers across builds (a layer depends only
// on its own fold; build copies it).
func (pre *prepared) build(folds []Fold, opt Options, layers *layerCache) (*Plan, error) {
	n, specs := pre.net, pre.specs
	p := &Plan{Net: n, Version: planVersionImages, NetlistSHA256: pre.sha, Name: n.Name,
		Popcount: opt.Popcount, PipelineEvery: opt.PipelineEvery, Target: opt.Target}
	maxT := 0
	for i, s := range specs {
		l, err := layers.layer(i, s, pre.mvtuFolds(folds)[i], opt)
		if err != nil {
			return nil, err
		}
		p.Layers = append(p.Layers, l)
		maxT = max(maxT, l.Cycles)
	}
	var err error
	var ls *LSTMStage
	if pre.lstm != nil {
		p.Version = PlanVersion
		ls = pre.lstm.base.fold(folds[0], opt.Target)
		p.Input, err = tokenInput(n.EmbeddingLayer(), opt.InPix)
	} else {
		p.Input, err = inputStage(n.InputLayer(), opt.InPix, maxT, specs[0].conv != nil)
	}
	if err != nil {
		return nil, err
	}
	out := n.OutputLayer()
	p.Output = OutputStage{Name: out.Name, Classes: out.Classes, ScoreBits: out.ScoreBits, SW: 16}
	if out.ScoreBits > 16 {
		p.Output.SW = 32
	}
	p.Output.TDataBits = 16 + out.Classes*p.Output.SW
	if pre.lstm != nil {
		p.Output.TopScore = !opt.AllLogits
		p.Output.Stream = opt.AllLogits
		p.Output.TDataBits = 16 + p.Output.SW // the stream's is set once PE is known (link)
	}
	if err := p.link(pre.ops, ls); err != nil {
		return nil, err
	}
	if opt.Target != TargetICE40 { // the input buffers' beats are known once linked
		for _, l := range p.Layers {
			l.InBufStyle = l.inBufStyle()
		}
	}
	last := p.Stages[len(p.Stages)-1].In
	p.Output.PE, p.Output.Beats = last.Width, last.Beats()
	for _, s := range p.Stages {
		p.CyclesPerFrame = max(p.CyclesPerFrame, s.Cycles)
	}
	p.Latency = p.sizeBuffers()
	if p.Input.Pad = p.Input.Tokens == 0 && p.Stages[1].Kind != StageMVTU; p.Input.Pad {
		p.Output.FlagDepth = p.FramesInFlight()
	}
	p.estimate()
	return p, nil
}

// layerCache keeps folded layers by (MVTU index, fold) and planned
// compressor trees by their options; nil caches nothing.
type layerCache struct {
	layers map[layerKey]*Layer
	trees  map[popcount.Options]*popcount.Tree
}

type layerKey struct{ i, pe, simd int }

func newLayerCache() *layerCache {
	return &layerCache{layers: map[layerKey]*Layer{}, trees: map[popcount.Options]*popcount.Tree{}}
}

// layer is MVTU i folded by f, with the popcount and memory styles of opt:
// a fresh copy of the cached one.
func (c *layerCache) layer(i int, s mvtuSpec, f Fold, opt Options) (*Layer, error) {
	k := layerKey{i, f.PE, f.SIMD}
	if c != nil {
		if l, ok := c.layers[k]; ok {
			cp := *l
			return &cp, nil
		}
	}
	l := newLayer(i, s, f)
	if c != nil {
		l.planned = c.trees[l.treeOptions(opt.PipelineEvery)]
	}
	if err := l.usePopcount(opt.Popcount, opt.PipelineEvery); err != nil {
		return nil, err
	}
	if opt.Target != TargetICE40 {
		l.WeightMem.Style, l.ThrMem.Style = weightStyle(l.WeightMem), lut6Style(l.ThrMem)
	}
	if c != nil {
		if l.planned != nil {
			c.trees[l.planned.Options] = l.planned
		}
		cp := *l
		c.layers[k] = &cp
	}
	return l, nil
}

// checkOptions checks and normalizes the popcount and target options.
func checkOptions(opt *Options) error {
	switch opt.Popcount {
	case "", PopcountBehavioural:
		opt.Popcount, opt.PipelineEvery = "", 0
	case PopcountTree:
		if opt.PipelineEvery < 0 {
			return fmt.Errorf("hw: PipelineEvery %d is negative", opt.PipelineEvery)
		}
	default:
		return fmt.Errorf("hw: unknown popcount %q (want tree or behavioural)", opt.Popcount)
	}
	switch opt.Target {
	case "", TargetXC7, TargetICE40:
	default:
		return fmt.Errorf("hw: unknown target %q (want xc7 or ice40)", opt.Target)
	}
	return nil
}

// NetlistSHA256 is the hex sha256 of the canonical netlist file,
// netlist.Marshal(n); plans record it to detect a changed netlist.
func NetlistSHA256(n *netlist.Network) string {
	sum := sha256.Sum256(netlist.Marshal(n))
	return hex.EncodeToString(sum[:])
}

// inputStage sizes the s_axis stream; maxT is the slowest MVTU's NF*SF.
// A conv-first network's stream is one pixel (C bytes) per beat.
func inputStage(in *netlist.Input, inPix, maxT int, convFirst bool) (InputStage, error) {
	size := in.Shape.Size()
	if inPix < 0 || inPix > 1<<16 {
		return InputStage{}, fmt.Errorf("hw: input %q: InPix %d is outside 1..65536", in.Name, inPix)
	}
	switch {
	case convFirst && inPix != 0 && inPix != in.Shape.C:
		return InputStage{}, fmt.Errorf("hw: input %q: InPix %d: a conv-first network takes one pixel of %d channels per beat (InPix %d)", in.Name, inPix, in.Shape.C, in.Shape.C)
	case convFirst:
		inPix = in.Shape.C
	case inPix == 0:
		inPix = DefaultInPix(size, maxT)
	}
	s := InputStage{Name: in.Name, Shape: in.Shape, Bits: in.Bits, Threshold: in.Threshold, InPix: inPix}
	s.Beats = ceilDiv(size, inPix)
	s.TDataBits = 8 * inPix
	s.DropBits = DropBits
	return s, nil
}

// DefaultInPix is the InPix of Options{InPix: 0}: 8 pixels per beat,
// doubled while the image takes more beats than the slowest MVTU's maxT
// cycles and a beat holds less than the whole image.
func DefaultInPix(size, maxT int) int {
	inPix := 8
	for ceilDiv(size, inPix) > maxT && inPix < size {
		inPix *= 2
	}
	return inPix
}

// InputBeats splits one frame's pixels (Input.Shape.Size() bytes, netlist
// order) into Input.Beats s_axis beats of InPix bytes, the last one
// zero-padded. Beat j's byte i is tdata[8*i +: 8].
func (p *Plan) InputBeats(pixels []byte) [][]byte {
	beats := make([][]byte, p.Input.Beats)
	buf := make([]byte, p.Input.Beats*p.Input.InPix)
	copy(buf, pixels)
	for j := range beats {
		beats[j] = buf[j*p.Input.InPix : (j+1)*p.Input.InPix : (j+1)*p.Input.InPix]
	}
	return beats
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// floorDiv64 and ceilDiv64 round toward -inf and +inf (b > 0).
func floorDiv64(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func ceilDiv64(a, b int64) int64 { return -floorDiv64(-a, b) }
