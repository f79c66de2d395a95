package rtlgen

import (
	"bytes"
	"embed"
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
// from (written into the kit's README).
type Stimulus struct {
	Pixels []byte
	Frames int
	Source string
}

// DefaultFrames is the number of pseudo-random images of the kit when
// Options.Stimulus is nil.
const DefaultFrames = 8

// RandomStimulus returns frames images of seeded pseudo-random pixels
// (splitmix64 from seed; the same seed gives the same images).
func RandomStimulus(p *hw.Plan, frames int, seed uint64) *Stimulus {
	px := make([]byte, frames*p.Input.Shape.Size())
	s := seed
	for i := range px {
		s += 0x9E3779B97F4A7C15
		z := s
		z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
		z = (z ^ z>>27) * 0x94D049BB133111EB
		px[i] = byte((z ^ z>>31) >> 56)
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
}

// kitFiles returns the files of tb/, vivado/ and yosys/ for a design whose
// other files are design.
func kitFiles(p *hw.Plan, opt Options, design map[string][]byte) (map[string][]byte, error) {
	st := opt.Stimulus
	if st == nil {
		st = RandomStimulus(p, DefaultFrames, 1)
	}
	if st.Frames < 1 || len(st.Pixels) != st.Frames*p.Input.Shape.Size() {
		return nil, fmt.Errorf("rtlgen: test bench stimulus: %d bytes for %d frames of %d pixels", len(st.Pixels), st.Frames, p.Input.Shape.Size())
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
		StimFile: StimFile, ExpectFile: ExpectFile, DropBits: p.Input.DropBits}
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

// stimulusMem returns the test bench's $readmemh files: every s_axis beat
// of the frames (hw.Plan.InputBeats, one per line) and every frame's
// expected m_axis beat from netlist.Eval: class in [15:0], score c
// (two's complement, Output.SW bits) at [16 + c*SW +: SW].
func stimulusMem(p *hw.Plan, st *Stimulus) (stim, expect []byte, err error) {
	size := p.Input.Shape.Size()
	res, err := netlist.Eval(p.Net, st.Pixels, st.Frames)
	if err != nil {
		return nil, nil, fmt.Errorf("rtlgen: test bench expected outputs: %w", err)
	}
	out := p.Output
	for f := 0; f < st.Frames; f++ {
		for _, b := range p.InputBeats(st.Pixels[f*size : (f+1)*size]) {
			stim = append(append(stim, HexBytes(b)...), '\n')
		}
		w := newBitvec(out.TDataBits)
		w.set(0, 16, int64(res[f].Class))
		for c, s := range res[f].Scores {
			w.set(16+c*out.SW, out.SW, s)
		}
		expect = append(w.hex(expect, out.TDataBits), '\n')
	}
	return stim, expect, nil
}
