package rtlgen

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/internal/dirlock"
	"github.com/qnn-dev/qnn/netlist"
)

//go:embed lib/*.v lib/conv/*.v lib/seq/*.v
var libFS embed.FS

// DefaultTop is the name of the generated top module (and of rtl/TOP.v).
const DefaultTop = "qnn_top"

// Names of the files and folders of a design directory.
const (
	RTLDir      = "rtl"
	MemDir      = "mem"
	NetlistFile = "netlist.json"
	ReadmeFile  = "README.md"
)

// Options control Generate.
type Options struct {
	// Version is the qnn version written in every file's header.
	Version string
	// Top is the name of the top module; "" means DefaultTop.
	Top string
	// Force replaces an existing destination directory.
	Force bool
	// Stimulus is the images (a sequence model: the token sequences) of
	// the test bench kit (tb/); nil means RandomStimulus(plan,
	// DefaultFrames, 1).
	Stimulus *Stimulus
}

func (o Options) top() string {
	if o.Top == "" {
		return DefaultTop
	}
	return o.Top
}

// ErrExists is returned (wrapped) by Generate when the destination exists
// and Options.Force is false.
var ErrExists = errors.New("destination exists")

// ErrRefused is wrapped by Generate's error when Force would replace a
// directory qnn gen did not write, the working directory or the root.
var ErrRefused = errors.New("refused to replace")

// ErrUnsupported is wrapped by errors about plans the library cannot build
// for a reason of the network itself (e.g. more classes than the output
// field holds), as opposed to an inconsistent plan.
var ErrUnsupported = errors.New("not supported")

// LibraryModules returns the names of the embedded library modules every
// design copies, sorted. The stage modules of lib/conv and lib/seq are
// copied only into designs with their stages (StageModules).
func LibraryModules() []string {
	entries, err := fs.ReadDir(libFS, "lib")
	if err != nil {
		panic("rtlgen: embedded library: " + err.Error())
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".v") {
			names = append(names, strings.TrimSuffix(e.Name(), ".v"))
		}
	}
	sort.Strings(names)
	return names
}

// LibrarySource returns the embedded source of library module name (of
// lib/, lib/conv/ or lib/seq/).
func LibrarySource(name string) ([]byte, error) {
	var err error
	for _, dir := range []string{"lib", "lib/conv", "lib/seq"} {
		var src []byte
		if src, err = libFS.ReadFile(path.Join(dir, name+".v")); !errors.Is(err, fs.ErrNotExist) {
			return src, err
		}
	}
	return nil, err
}

// StageModules returns the library modules the design of p copies beyond
// LibraryModules: those of its stage kinds (lib/conv, lib/seq), sorted;
// none for a dense network.
func StageModules(p *hw.Plan) []string {
	seen := map[string]bool{}
	var names []string
	for _, s := range p.Stages {
		g, ok := stageGens[s.Kind]
		if !ok {
			continue
		}
		for _, m := range g.libs() {
			if !seen[m] {
				seen[m] = true
				names = append(names, m)
			}
		}
	}
	if p.Input.Pad {
		names = append(names, padModules...)
	}
	if p.Output.Stream {
		names = append(names, "qnn_logits")
	}
	sort.Strings(names)
	return names
}

// Files returns every file of the design of p except plan.json, keyed by
// slash-separated path relative to the design directory.
func Files(p *hw.Plan, opt Options) (map[string][]byte, error) {
	refs, err := check(p, opt)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	hdr := header(p, opt)
	for _, name := range append(LibraryModules(), StageModules(p)...) {
		src, err := LibrarySource(name)
		if err != nil {
			return nil, fmt.Errorf("rtlgen: %w", err)
		}
		h := fmt.Sprintf("// Library module %s, copied by qnn %s into design %q (netlist sha256 %s).\n",
			name, opt.Version, p.Name, p.NetlistSHA256)
		files[RTLDir+"/"+name+".v"] = append([]byte(h), src...)
	}
	files[RTLDir+"/"+opt.top()+".v"] = []byte(hdr + top(p, refs, opt))
	trees, err := treeFiles(p, hdr)
	if err != nil {
		return nil, err
	}
	for name, src := range trees {
		files[name] = src
	}
	for i, l := range p.Layers {
		files[MemDir+"/"+weightFile(i)] = weightMem(l)
		files[MemDir+"/"+actFile(i, l)] = actMem(l)
	}
	for _, r := range refs {
		if m, ok := r.gen.(memStage); ok {
			for name, img := range m.mems(r.s, r.n) {
				files[MemDir+"/"+name] = img
			}
		}
	}
	kit, err := kitFiles(p, opt, files)
	if err != nil {
		return nil, err
	}
	for name, src := range kit {
		files[name] = src
	}
	files[NetlistFile] = netlist.Marshal(p.Net)
	files[ReadmeFile] = []byte(readme(p, refs, opt))
	return files, nil
}

// check refuses plans the library cannot build and resolves the stages.
func check(p *hw.Plan, opt Options) ([]stageRef, error) {
	if p == nil || p.Net == nil {
		return nil, errors.New("rtlgen: plan without its netlist")
	}
	if !validIdent(opt.top()) {
		return nil, fmt.Errorf("rtlgen: top module name %q is not a simple Verilog identifier", opt.top())
	}
	if len(p.Layers) == 0 {
		return nil, errors.New("rtlgen: plan has no layers")
	}
	for i, l := range p.Layers {
		if l.PipeDepth != 0 && !l.Tree {
			return nil, fmt.Errorf("rtlgen: layer %d (%s): PipeDepth %d without a compressor tree is not supported", i, l.Name, l.PipeDepth)
		}
		if kindCode(l.Kind) < 0 {
			return nil, fmt.Errorf("rtlgen: layer %d (%s): unknown kind %q", i, l.Name, l.Kind)
		}
		wantMode := hw.ModeThreshold
		if i == len(p.Layers)-1 {
			wantMode = hw.ModeScore
		}
		if l.Mode != wantMode {
			return nil, fmt.Errorf("rtlgen: layer %d (%s): mode %q, want %q", i, l.Name, l.Mode, wantMode)
		}
	}
	if p.Output.Classes > 65535 {
		return nil, fmt.Errorf("rtlgen: %d classes do not fit the 16-bit class field (at most 65535): %w", p.Output.Classes, ErrUnsupported)
	}
	return checkStages(p)
}

// checkStages resolves p.Stages and checks that it runs from the input to
// the output stage and that every stage's module ports have the widths of
// the streams the plan joins them by.
func checkStages(p *hw.Plan) ([]stageRef, error) {
	refs, err := stageRefs(p)
	if err != nil {
		return nil, err
	}
	n := len(refs)
	if n < 3 || !isInput(refs[0].s.Kind) || refs[n-1].s.Kind != hw.StageOutput {
		return nil, fmt.Errorf("rtlgen: plan stages must run from an input to an output stage with a stage between (%d stages)", n)
	}
	for i, r := range refs {
		if isInput(r.s.Kind) != (i == 0) || (r.s.Kind == hw.StageOutput) != (i == n-1) {
			return nil, fmt.Errorf("rtlgen: stage %d (%s): %s stage out of place", i, r.s.Name, r.s.Kind)
		}
		if err := r.gen.check(r.s); err != nil {
			return nil, err
		}
		// The token stream (two lanes: token and last) is qnn_lstm's alone.
		if (r.s.Kind == hw.StageLSTM) != (i > 0 && refs[i-1].s.Kind == hw.StageTokens) {
			return nil, fmt.Errorf("rtlgen: stage %d (%s): an lstm stage must follow the token input, and only it", i, r.s.Name)
		}
		if i > 0 && refs[i-1].s.Out.DataBits() != r.s.In.DataBits() {
			return nil, fmt.Errorf("rtlgen: stage %d (%s): input stream of %d bits after a stream of %d bits",
				i, r.s.Name, r.s.In.DataBits(), refs[i-1].s.Out.DataBits())
		}
	}
	return refs, nil
}

func validIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Generate writes the design of p to dir (see the package documentation).
// An existing dir is refused unless opt.Force.
func Generate(p *hw.Plan, dir string, opt Options) error {
	return GenerateContext(context.Background(), p, dir, opt)
}

// GenerateContext is Generate, stopped (with nothing written and the
// temporary directory removed) when ctx is done before the design is in
// place. With opt.Force it replaces only a directory qnn gen wrote (see
// checkReplaceable), holding an exclusive lock on it (dirlock) meanwhile;
// the working directory and its parents are never replaced.
func GenerateContext(ctx context.Context, p *hw.Plan, dir string, opt Options) error {
	files, err := Files(p, opt)
	if err != nil {
		return err
	}
	dir = filepath.Clean(dir)
	if err := checkNotWorkingDir(dir); err != nil {
		return err
	}
	exists := false
	if _, err := os.Lstat(dir); err == nil {
		if !opt.Force {
			return fmt.Errorf("rtlgen: %s: %w (use --force to replace it)", dir, ErrExists)
		}
		exists = true
		lock, err := dirlock.Exclusive(dir)
		if err != nil {
			return fmt.Errorf("rtlgen: %w", err)
		}
		defer lock.Unlock()
		if err := checkReplaceable(dir); err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("rtlgen: %w", err)
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("rtlgen: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return fmt.Errorf("rtlgen: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	if err := writeDesign(ctx, tmp, files, p, opt); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("rtlgen: %w", err)
	}
	if err := install(tmp, dir, exists); err != nil {
		return err
	}
	ok = true
	return nil
}

// writeDesign writes the files, the plan and, last, the manifest of every
// file in tmp.
func writeDesign(ctx context.Context, tmp string, files map[string][]byte, p *hw.Plan, opt Options) error {
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("rtlgen: %w", err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("rtlgen: %w", err)
		}
		dst := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("rtlgen: %w", err)
		}
		if err := os.WriteFile(dst, files[name], 0o644); err != nil {
			return fmt.Errorf("rtlgen: %w", err)
		}
	}
	if err := hw.Save(tmp, p); err != nil {
		return fmt.Errorf("rtlgen: %w", err)
	}
	return writeManifest(tmp, opt.Version)
}

// install moves the finished design tmp to dir, replacing the old one if
// exists. A dir that appeared meanwhile (another run) is ErrExists.
func install(tmp, dir string, exists bool) error {
	parent := filepath.Dir(dir)
	if !exists {
		if err := os.Rename(tmp, dir); err != nil {
			if errors.Is(err, fs.ErrExist) || errors.Is(err, syscall.ENOTEMPTY) {
				return fmt.Errorf("rtlgen: %s: %w (created by another run meanwhile)", dir, ErrExists)
			}
			return fmt.Errorf("rtlgen: %w", err)
		}
		return nil
	}
	old, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".old-")
	if err != nil {
		return fmt.Errorf("rtlgen: %w", err)
	}
	defer os.RemoveAll(old)
	trash := filepath.Join(old, "d")
	if err := os.Rename(dir, trash); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("rtlgen: %s was removed by another run meanwhile", dir)
		}
		return fmt.Errorf("rtlgen: replacing %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		_ = os.Rename(trash, dir)
		if errors.Is(err, fs.ErrExist) || errors.Is(err, syscall.ENOTEMPTY) {
			return fmt.Errorf("rtlgen: %s: %w (created by another run meanwhile)", dir, ErrExists)
		}
		return fmt.Errorf("rtlgen: %w", err)
	}
	return nil
}

// checkNotWorkingDir refuses "-o .", "-o /" and any directory holding the
// working directory: replacing it would pull the ground from under the
// shell that runs qnn.
func checkNotWorkingDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("rtlgen: %w", err)
	}
	wd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("rtlgen: %w", err)
	}
	if abs == filepath.Dir(abs) || abs == wd || strings.HasPrefix(wd, abs+string(filepath.Separator)) {
		return refusedf("rtlgen: %s is the root, the working directory or one of its parents, which --force never replaces; give a new directory for the design, e.g. -o design", dir)
	}
	return nil
}

// header is the comment block at the top of every generated file.
func header(p *hw.Plan, opt Options) string {
	return fmt.Sprintf("// Generated by qnn %s. Do not edit: regenerate with `qnn gen`.\n"+
		"// Design %q, netlist sha256 %s.\n", opt.Version, p.Name, p.NetlistSHA256)
}

func weightFile(i int) string { return fmt.Sprintf("layer%d_weights.mem", i) }

func actFile(i int, l *hw.Layer) string {
	if l.Mode == hw.ModeScore {
		return fmt.Sprintf("layer%d_scores.mem", i)
	}
	return fmt.Sprintf("layer%d_thresholds.mem", i)
}

// kindCode is the Kind parameter of qnn_mvtu and qnn_pe.
func kindCode(k hw.Kind) int {
	switch k {
	case hw.KindXnor:
		return 0
	case hw.KindW1:
		return 1
	case hw.KindX1:
		return 2
	case hw.KindMul:
		return 3
	}
	return -1
}
