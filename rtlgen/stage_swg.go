package rtlgen

import (
	"fmt"
	"strings"

	"github.com/qnn-dev/qnn/hw"
)

// swgGen is the sliding-window generator stage (qnn_swg) in front of a
// conv layer's MVTU.
type swgGen struct{}

func (swgGen) libs() []string { return []string{"qnn_swg"} }

func (swgGen) check(s hw.Stage) error {
	g := s.SWG
	if err := g.Check(); err != nil {
		return fmt.Errorf("rtlgen: stage %s: %w", s.Name, err)
	}
	return checkPorts(s, g.SIMD*g.XBits, g.SIMD*g.XBits)
}

func (swgGen) out(s hw.Stage, n int) bundle {
	return streamBundle(fmt.Sprintf("swg%d", n), s.Out.DataBits())
}

func (swgGen) instance(b *strings.Builder, s hw.Stage, n int, in *bundle, out bundle) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	g := s.SWG
	w("  // Window generator %d (%s): %dx%dx%d input, %dx%d kernel, stride %d, padding %d %d %d %d;\n",
		n, comment(s.Name), g.C, g.H, g.W, g.KH, g.KW, g.Stride, g.PadTop, g.PadBottom, g.PadLeft, g.PadRight)
	w("  // %d beats per window, %d output pixels; line buffer %d rows (%d x %d bits).\n",
		g.WindowBeats(), g.OH()*g.OW(), g.Rows, g.Depth(), g.SIMD*g.XBits)
	w("  // Style: 0 tool's choice, 1 block RAM, 2 LUT RAM.\n")
	w("  qnn_swg #(\n")
	params(b, [][2]string{
		{"C", itoa(g.C)},
		{"H", itoa(g.H)},
		{"W", itoa(g.W)},
		{"Kh", itoa(g.KH)},
		{"Kw", itoa(g.KW)},
		{"Stride", itoa(g.Stride)},
		{"PadTop", itoa(g.PadTop)},
		{"PadBottom", itoa(g.PadBottom)},
		{"PadLeft", itoa(g.PadLeft)},
		{"PadRight", itoa(g.PadRight)},
		{"PadElem", fmt.Sprint(g.PadElem)},
		{"Simd", itoa(g.SIMD)},
		{"XBits", itoa(g.XBits)},
		{"Rows", itoa(g.Rows)},
		{"Style", itoa(g.StyleCode())},
	})
	w("  ) %s (\n", kindInstance(hw.StageSWG, n))
	conns(b, streamConns(in, out))
	w("  );\n\n")
}

func (swgGen) diagram(b *strings.Builder, s hw.Stage, n int) {
	g := s.SWG
	fmt.Fprintf(b, "  -> u_swg%d (qnn_swg) %s: %dx%dx%d, kernel %dx%d, stride %d: %d beats of %d x %d bits per window, %d windows, line buffer %d rows%s\n",
		n, comment(s.Name), g.C, g.H, g.W, g.KH, g.KW, g.Stride, g.WindowBeats(), g.SIMD, g.XBits, g.OH()*g.OW(), g.Rows, styleNote(g.Mem()))
}

func (swgGen) instances(_ hw.Stage, n int) []string { return []string{kindInstance(hw.StageSWG, n)} }
