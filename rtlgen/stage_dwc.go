package rtlgen

import (
	"fmt"
	"strings"

	"github.com/qnn-dev/qnn/hw"
)

// dwcGen is the pixel-aware width converter stage (qnn_dwc).
type dwcGen struct{}

func (dwcGen) libs() []string { return []string{"qnn_dwc"} }

func (dwcGen) check(s hw.Stage) error {
	d := s.DWC
	if err := d.Check(); err != nil {
		return fmt.Errorf("rtlgen: stage %s: %w", s.Name, err)
	}
	return checkPorts(s, d.InWidth*d.XBits, d.OutWidth*d.XBits)
}

func (dwcGen) out(s hw.Stage, n int) bundle {
	return streamBundle(fmt.Sprintf("dwc%d", n), s.Out.DataBits())
}

func (dwcGen) instance(b *strings.Builder, s hw.Stage, n int, in *bundle, out bundle) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	d := s.DWC
	w("  // Width converter %d (%s): pixels of %d elements, %d -> %d elements per beat.\n",
		n, comment(s.Name), d.C, d.InWidth, d.OutWidth)
	w("  qnn_dwc #(\n")
	params(b, [][2]string{
		{"C", itoa(d.C)},
		{"InWidth", itoa(d.InWidth)},
		{"OutWidth", itoa(d.OutWidth)},
		{"XBits", itoa(d.XBits)},
	})
	w("  ) %s (\n", kindInstance(hw.StageDWC, n))
	conns(b, streamConns(in, out))
	w("  );\n\n")
}

func (dwcGen) diagram(b *strings.Builder, s hw.Stage, n int) {
	d := s.DWC
	fmt.Fprintf(b, "  -> u_dwc%d (qnn_dwc) %s: pixels of %d x %d bits, %d -> %d elements per beat\n",
		n, comment(s.Name), d.C, d.XBits, d.InWidth, d.OutWidth)
}

func (dwcGen) instances(_ hw.Stage, n int) []string { return []string{kindInstance(hw.StageDWC, n)} }
