package rtlgen

import (
	"fmt"
	"strings"

	"github.com/qnn-dev/qnn/hw"
)

// poolGen is the max-pool stage (qnn_pool).
type poolGen struct{}

func (poolGen) libs() []string { return []string{"qnn_pool"} }

func (poolGen) check(s hw.Stage) error {
	q := s.Pool
	if err := q.Check(); err != nil {
		return fmt.Errorf("rtlgen: stage %s: %w", s.Name, err)
	}
	return checkPorts(s, q.Width*q.XBits, q.Width*q.XBits)
}

func (poolGen) out(s hw.Stage, n int) bundle {
	return streamBundle(fmt.Sprintf("pool%d", n), s.Out.DataBits())
}

func (poolGen) instance(b *strings.Builder, s hw.Stage, n int, in *bundle, out bundle) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	q := s.Pool
	w("  // Max-pool %d (%s): %dx%dx%d input, window %d, stride %d, %d elements per beat.\n",
		n, comment(s.Name), q.C, q.H, q.W, q.K, q.Stride, q.Width)
	w("  qnn_pool #(\n")
	params(b, [][2]string{
		{"C", itoa(q.C)},
		{"H", itoa(q.H)},
		{"W", itoa(q.W)},
		{"K", itoa(q.K)},
		{"Stride", itoa(q.Stride)},
		{"Width", itoa(q.Width)},
		{"XBits", itoa(q.XBits)},
	})
	w("  ) %s (\n", kindInstance(hw.StagePool, n))
	conns(b, streamConns(in, out))
	w("  );\n\n")
}

func (poolGen) diagram(b *strings.Builder, s hw.Stage, n int) {
	q := s.Pool
	fmt.Fprintf(b, "  -> u_pool%d (qnn_pool) %s: %dx%dx%d, window %d, stride %d: %d x %d bits per beat, %d output pixels\n",
		n, comment(s.Name), q.C, q.H, q.W, q.K, q.Stride, q.Width, q.XBits, q.OH()*q.OW())
}

func (poolGen) instances(_ hw.Stage, n int) []string { return []string{kindInstance(hw.StagePool, n)} }
