package rtlgen

import (
	"fmt"
	"strings"

	"github.com/qnn-dev/qnn/hw"
)

// fifoGen is the stream FIFO stage (qnn_fifo).
type fifoGen struct{}

func (fifoGen) libs() []string { return []string{"qnn_fifo"} }

func (fifoGen) check(s hw.Stage) error {
	f := s.FIFO
	if err := f.Check(); err != nil {
		return fmt.Errorf("rtlgen: stage %s: %w", s.Name, err)
	}
	return checkPorts(s, f.Width, f.Width)
}

func (fifoGen) out(s hw.Stage, n int) bundle {
	return streamBundle(fmt.Sprintf("fifo%d", n), s.Out.DataBits())
}

func (fifoGen) instance(b *strings.Builder, s hw.Stage, n int, in *bundle, out bundle) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	f := s.FIFO
	w("  // FIFO %d (%s): %d beats of %d bits (memory %d words and the output register).\n",
		n, comment(s.Name), f.Capacity(), f.Width, f.Depth)
	w("  qnn_fifo #(\n")
	params(b, [][2]string{{"Depth", itoa(f.Depth)}, {"Width", itoa(f.Width)}})
	w("  ) %s (\n", kindInstance(hw.StageFIFO, n))
	conns(b, streamConns(in, out))
	w("  );\n\n")
}

func (fifoGen) diagram(b *strings.Builder, s hw.Stage, n int) {
	f := s.FIFO
	fmt.Fprintf(b, "  -> u_fifo%d (qnn_fifo) %s: %d beats of %d bits\n", n, comment(s.Name), f.Capacity(), f.Width)
}

func (fifoGen) instances(_ hw.Stage, n int) []string { return []string{kindInstance(hw.StageFIFO, n)} }
