package hw

// StageKind names one kind of the closed set of pipeline stages
// (docs/conv-hardware.md section 1, docs/dataflow.md "Pipeline").
type StageKind string

const (
	StageInput  StageKind = "input"  // s_axis, framer and binarizer (InputStage)
	StageTokens StageKind = "tokens" // s_axis of a sequence model: one token per beat (InputStage, docs/lstm-hardware.md)
	StageSWG    StageKind = "swg"    // sliding-window generator (SWGStage)
	StageMVTU   StageKind = "mvtu"   // matrix-vector-threshold unit (Layer)
	StageLSTM   StageKind = "lstm"   // the recurrent stage: embedding, gate MVU, cell, h banks (LSTMStage)
	StagePool   StageKind = "pool"   // streaming max-pool (PoolStage)
	StageDWC    StageKind = "dwc"    // pixel-aware width converter (DWCStage)
	StageFIFO   StageKind = "fifo"   // stream FIFO (FIFOStage)
	StageOutput StageKind = "output" // argmax and m_axis (OutputStage)
)

// MVTUPipeline is the cycles an MVTU adds after issuing a vector's NF*SF
// (nf, sf) pairs, PipeDepth aside: stage B, stage C and the output register
// (docs/dataflow.md "Timing": beat nf of a vector whose last input beat
// handshakes in cycle L appears at L + (nf+1)*SF + MVTUPipeline + PipeDepth).
const MVTUPipeline = 3

// Stream is the format of one valid/ready stream between two stages: a
// frame is Pixels pixels (vectors) of C elements of Bits bits, Width
// elements per beat. Pixel p's element e is lane e%Width of beat
// p*BeatsPerPixel + e/Width; lanes past C in a pixel's last beat are
// padding. A flat stream (a dense layer's vector, the s_axis stream of a
// dense-first network) has Pixels = 1. Lane l of a beat is bits
// [l*Bits +: Bits] of the data port.
type Stream struct {
	Width         int // elements per beat
	Bits          int // bits per element (hardware domain; ScoreBits for scores)
	C             int // elements per pixel
	Pixels        int // pixels per frame
	BeatsPerPixel int // ceil(C / Width)
}

// newStream is the stream of pixels pixels of c elements, width per beat.
func newStream(width, bits, c, pixels int) Stream {
	return Stream{Width: width, Bits: bits, C: c, Pixels: pixels, BeatsPerPixel: ceilDiv(c, width)}
}

// Beats is the beats of one frame, Pixels*BeatsPerPixel.
func (s Stream) Beats() int { return s.Pixels * s.BeatsPerPixel }

// DataBits is the width of the data port, Width*Bits.
func (s Stream) DataBits() int { return s.Width * s.Bits }

// Padded reports whether a pixel's last beat has lanes past C.
func (s Stream) Padded() bool { return s.BeatsPerPixel*s.Width != s.C }

// Stage is one stage of the pipeline, a tagged union: Kind says which of
// the kind pointers is set. Input (kinds input and tokens), MVTU and
// Output point at the plan's Input, Layers[i] and Output (listed there in
// plan.json, so they are not repeated here); the other kinds' parameters
// are only here.
type Stage struct {
	Kind StageKind
	// Name is the netlist layer the stage implements (an MVTU: its dense
	// or conv2d layer, folding is keyed by it); a dwc or fifo is named
	// after the stage it feeds, with the suffix ".dwc" or ".fifo".
	Name    string
	In, Out Stream // the input stage's In is s_axis (8-bit pixels; tokens: one TokenBits element); the output stage's Out is m_axis (one beat of TDataBits)

	Input  *InputStage  `json:"-"`
	MVTU   *Layer       `json:"-"`
	LSTM   *LSTMStage   `json:",omitempty"`
	SWG    *SWGStage    `json:",omitempty"`
	Pool   *PoolStage   `json:",omitempty"`
	DWC    *DWCStage    `json:",omitempty"`
	FIFO   *FIFOStage   `json:",omitempty"`
	Output *OutputStage `json:"-"`

	// Latency is the stage's own pipeline latency (no stalls): input and
	// tokens: 0 (combinational); mvtu: MVTUPipeline + PipeDepth, the cycles
	// after a vector's issue cycles; lstm: LSTMPipeline + PipeDepth, the
	// same for a token; swg, pool, dwc, fifo: their module's Latency
	// (first input handshake to first output beat with input beats back to
	// back); output: 1. The plan's Latency composes the stages' schedules
	// (Plan.Latency); this number is what each adds.
	Latency int
	// Cycles is the stage's steady-state cycles per frame (a sequence
	// model: per token) when it is never stalled: input: its beats (tokens:
	// 1); mvtu: Pixels*NF*SF; lstm: NF*SF + LSTMPipeline + PipeDepth; swg:
	// its CyclesPerFrame; pool: H*W*Beats; dwc: Pixels*CyclesPerPixel;
	// fifo: its beats; output: its input beats. CyclesPerFrame is their
	// maximum.
	Cycles int
	// Estimate is an lstm, swg, pool, dwc or fifo stage's share of the plan's
	// estimate (an MVTU's is its Layer's; input and output are counted in
	// the plan's total only).
	Estimate Resources
}

// MVTUs returns the plan's MVTU stages' layers in stream order (Plan.Layers).
func (p *Plan) MVTUs() []*Layer {
	var ls []*Layer
	for _, s := range p.Stages {
		if s.Kind == StageMVTU {
			ls = append(ls, s.MVTU)
		}
	}
	return ls
}
