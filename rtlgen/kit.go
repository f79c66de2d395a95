package rtlgen

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/template"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/netlist"
)

// The kit: every design directory carries a self-checking test bench and
// project scripts that run without qnn (docs/kit.md).
const (
	TBDir      = "tb"     // test bench, its stimulus, Makefile, README
	VivadoDir  = "vivado" // create_project.tcl
	YosysDir   = "yosys"  // synth.ys
	StimFile   = "stimulus.mem"
	ExpectFile = "expected.mem"
)

//go:embed kit/*.tmpl
var kitFS embed.FS

var kitTemplates = template.Must(template.New("kit").Funcs(template.FuncMap{
	"join": strings.Join,
}).ParseFS(kitFS, "kit/*.tmpl"))

// Stimulus is the test bench's input: Frames images of the plan's input
// size (Input.Shape.Size() bytes each, netlist order), and where they came
// from (written into the kit's README). For a sequence model it is Seqs,
// token sequences (each from the reset state) of Frames tokens in all, one
// s_axis beat and one m_axis beat per token; Pixels is then empty.
type Stimulus struct {
	Pixels []byte
	Frames int
	Source string
	Seqs   [][]int
}

// DefaultFrames is the number of pseudo-random images of the kit when
// Options.Stimulus is nil.
const DefaultFrames = 8

// RandomStimulus returns frames images of seeded pseudo-random pixels
// (splitmix64 from seed; the same seed gives the same images), or for a
// sequence model frames pseudo-random tokens in sequences of 1..8 tokens.
func RandomStimulus(p *hw.Plan, frames int, seed uint64) *Stimulus {
	s := seed
	next := func() uint64 {
		s += 0x9E3779B97F4A7C15
		z := s
		z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
		z = (z ^ z>>27) * 0x94D049BB133111EB
		return z ^ z>>31
	}
	if v := p.Input.Tokens; v > 0 {
		st := &Stimulus{Frames: frames,
			Source: fmt.Sprintf("%d pseudo-random tokens in sequences of 1..8 (splitmix64, seed %d)", frames, seed)}
		for left := frames; left > 0; {
			seq := make([]int, min(left, int(next()%8)+1))
			for i := range seq {
				seq[i] = int(next() % uint64(v))
			}
			st.Seqs = append(st.Seqs, seq)
			left -= len(seq)
		}
		return st
	}
	px := make([]byte, frames*p.Input.Shape.Size())
	for i := range px {
		px[i] = byte(next() >> 56)
	}
	return &Stimulus{Pixels: px, Frames: frames,
		Source: fmt.Sprintf("%d pseudo-random images (splitmix64, seed %d)", frames, seed)}
}

// kitData is what the kit's templates read.
type kitData struct {
	Version, Name, SHA, Top string
	VHeader, HashHeader     string // the generated-file header as // and # comments
	Frames, Beats           int
	InBits, OutBits         int
	InPix, Classes, SW      int
	Latency, CyclesPerFrame int
	Source                  string
	RTL, Mem                []string // design-relative paths, sorted
	StimFile, ExpectFile    string
	// DropBits is the width of the top's frame_drops output when the top
	// has the framer's frame_err and frame_drops ports, 0 when it has not
	// (this top); the bench then requires frame_err to stay 0.
	DropBits int
	// Seq marks a sequence design: a frame is one token, and a stimulus
	// word is the token with its tlast above it (StimBits = InBits + 1).
	Seq      bool
	StimBits int
	Tokens   int // the vocabulary
	// Stream marks a design that streams every logit: OutBeats m_axis
	// beats per token, each one line of the expected file.
	Stream   bool
	OutBeats int
}

// kitFiles returns the files of tb/, vivado/ and yosys/ for a design whose
// other files are design.
func kitFiles(p *hw.Plan, opt Options, design map[string][]byte) (map[string][]byte, error) {
	st := opt.Stimulus
	if st == nil {
		st = RandomStimulus(p, DefaultFrames, 1)
	}
	if err := checkStimulus(p, st); err != nil {
		return nil, err
	}
	stim, expect, err := stimulusMem(p, st)
	if err != nil {
		return nil, err
	}
	hdr := header(p, opt)
	d := kitData{Version: opt.Version, Name: p.Name, SHA: p.NetlistSHA256, Top: opt.top(),
		VHeader: hdr, HashHeader: strings.ReplaceAll(hdr, "// ", "# "),
		Frames: st.Frames, Beats: p.Input.Beats, InBits: p.Input.TDataBits, OutBits: p.Output.TDataBits,
		InPix: p.Input.InPix, Classes: p.Output.Classes, SW: p.Output.SW,
		Latency: p.Latency, CyclesPerFrame: p.CyclesPerFrame, Source: mdEscape(st.Source),
		StimFile: StimFile, ExpectFile: ExpectFile, DropBits: p.Input.DropBits,
		Seq: p.Input.Tokens > 0, StimBits: p.Input.TDataBits, Tokens: p.Input.Tokens,
		Stream: p.Output.Stream, OutBeats: p.Output.Beats}
	if d.Seq {
		d.StimBits++
	}
	for name := range design {
		switch {
		case strings.HasPrefix(name, RTLDir+"/") && strings.HasSuffix(name, ".v"):
			d.RTL = append(d.RTL, name)
		case strings.HasPrefix(name, MemDir+"/"):
			d.Mem = append(d.Mem, name)
		}
	}
	sort.Strings(d.RTL)
	sort.Strings(d.Mem)
	files := map[string][]byte{
		TBDir + "/" + StimFile:   stim,
		TBDir + "/" + ExpectFile: expect,
	}
	for _, f := range []struct{ name, tmpl string }{
		{TBDir + "/tb_" + opt.top() + ".v", "tb.v.tmpl"},
		{TBDir + "/Makefile", "Makefile.tmpl"},
		{TBDir + "/README.md", "README.md.tmpl"},
		{VivadoDir + "/create_project.tcl", "create_project.tcl.tmpl"},
		{YosysDir + "/synth.ys", "synth.ys.tmpl"},
	} {
		var b bytes.Buffer
		if err := kitTemplates.ExecuteTemplate(&b, f.tmpl, d); err != nil {
			return nil, fmt.Errorf("rtlgen: %s: %w", f.name, err)
		}
		files[f.name] = b.Bytes()
	}
	return files, nil
}

// checkStimulus checks st against p: images of the input's size, or token
// sequences of Frames tokens in all for a sequence model.
func checkStimulus(p *hw.Plan, st *Stimulus) error {
	if p.Input.Tokens == 0 {
		if st.Frames < 1 || len(st.Pixels) != st.Frames*p.Input.Shape.Size() || st.Seqs != nil {
			return fmt.Errorf("rtlgen: test bench stimulus: %d bytes (and %d token sequences) for %d frames of %d pixels",
				len(st.Pixels), len(st.Seqs), st.Frames, p.Input.Shape.Size())
		}
		return nil
	}
	tokens := 0
	for _, s := range st.Seqs {
		if len(s) == 0 {
			return errors.New("rtlgen: test bench stimulus: an empty token sequence")
		}
		tokens += len(s)
	}
	if st.Frames < 1 || tokens != st.Frames || len(st.Pixels) != 0 {
		return fmt.Errorf("rtlgen: test bench stimulus: %d tokens in %d sequences (and %d pixel bytes) for %d tokens of a sequence model",
			tokens, len(st.Seqs), len(st.Pixels), st.Frames)
	}
	return nil
}

// stimulusMem returns the test bench's $readmemh files: every s_axis beat
// of the frames (hw.Plan.InputBeats, one per line) and every frame's
// expected m_axis beat from netlist.Eval: class in [15:0], score c
// (two's complement, Output.SW bits) at [16 + c*SW +: SW]. A sequence
// model's are per token (stimulusSeqMem).
func stimulusMem(p *hw.Plan, st *Stimulus) (stim, expect []byte, err error) {
	if p.Input.Tokens > 0 {
		return stimulusSeqMem(p, st)
	}
	size := p.Input.Shape.Size()
	res, err := netlist.Eval(p.Net, st.Pixels, st.Frames)
	if err != nil {
		return nil, nil, fmt.Errorf("rtlgen: test bench expected outputs: %w", err)
	}
	for f := 0; f < st.Frames; f++ {
		for _, b := range p.InputBeats(st.Pixels[f*size : (f+1)*size]) {
			stim = append(append(stim, HexBytes(b)...), '\n')
		}
		expect = resultBeat(expect, p.Output, res[f].Class, res[f].Scores)
	}
	return stim, expect, nil
}

// stimulusSeqMem is stimulusMem for a sequence model: one line per token,
// the token at [TokenBits-1:0] and its tlast (the sequence's last token)
// at bit TokenBits; one expected beat per token from
// netlist.ReferenceSequence, each sequence from the reset state (class:
// the lowest index of the highest score).
func stimulusSeqMem(p *hw.Plan, st *Stimulus) (stim, expect []byte, err error) {
	bits := p.Input.TokenBits
	for _, seq := range st.Seqs {
		tr, err := netlist.ReferenceSequence(p.Net, seq)
		if err != nil {
			return nil, nil, fmt.Errorf("rtlgen: test bench expected outputs: %w", err)
		}
		for t, scores := range tr.Scores() {
			w := newBitvec(bits + 1)
			w.set(0, bits, int64(seq[t]))
			if t == len(seq)-1 {
				w.set(bits, 1, 1)
			}
			stim = append(w.hex(stim, bits+1), '\n')
			class := netlist.Argmax(scores)
			if p.Output.Stream {
				expect = streamBeats(expect, p.Output, scores)
				continue
			}
			expect = resultBeat(expect, p.Output, class, scores)
		}
	}
	return stim, expect, nil
}

// streamBeats appends a token's m_axis beats of a design that streams
// every score: beat b, lane p = the score of class b*PE + p at [p*SW +:
// SW], 0 past the classes.
func streamBeats(dst []byte, out hw.OutputStage, scores []int64) []byte {
	for b := range out.Beats {
		w := newBitvec(out.TDataBits)
		for p := range out.PE {
			if c := b*out.PE + p; c < len(scores) {
				w.set(p*out.SW, out.SW, scores[c])
			}
		}
		dst = append(w.hex(dst, out.TDataBits), '\n')
	}
	return dst
}

// resultBeat appends one m_axis beat in hex: class in [15:0], score c at
// [16 + c*SW +: SW] (TopScore: the class's score only, at [16 +: SW]).
func resultBeat(dst []byte, out hw.OutputStage, class int, scores []int64) []byte {
	if out.TopScore {
		scores = scores[class : class+1]
	}
	w := newBitvec(out.TDataBits)
	w.set(0, 16, int64(class))
	for c, s := range scores {
		w.set(16+c*out.SW, out.SW, s)
	}
	return append(w.hex(dst, out.TDataBits), '\n')
}
