package rtlgen

import (
	"strings"

	"github.com/qnn-dev/qnn/hw"
)

// bitvec is a little-endian bit vector for building ROM words.
type bitvec []uint64

func newBitvec(width int) bitvec { return make(bitvec, (width+63)/64) }

// set stores the low width bits of v (two's complement for negative v) at
// bit offset off.
func (b bitvec) set(off, width int, v int64) {
	for i := 0; i < width; i++ {
		if uint64(v)>>uint(min(i, 63))&1 != 0 {
			b[(off+i)/64] |= 1 << uint((off+i)%64)
		}
	}
}

const hexDigits = "0123456789abcdef"

// hex appends the vector's low width bits as ceil(width/4) hex digits, most
// significant first.
func (b bitvec) hex(dst []byte, width int) []byte {
	for d := (width+3)/4 - 1; d >= 0; d-- {
		var nib uint64
		for j := 0; j < 4; j++ {
			bit := 4*d + j
			if bit < width && b[bit/64]>>uint(bit%64)&1 != 0 {
				nib |= 1 << uint(j)
			}
		}
		dst = append(dst, hexDigits[nib])
	}
	return dst
}

// weightMem is the weight ROM image (docs/dataflow.md "Memories"): word
// nf*SF + sf holds, for PE p at [p*SIMD*WBits +: SIMD*WBits], neuron
// nf*PE + p, lane s at [s*WBits +: WBits] = column sf*SIMD + s.
func weightMem(l *hw.Layer) []byte {
	width := l.PE * l.SIMD * l.WBits
	var out []byte
	for nf := 0; nf < l.NF; nf++ {
		for sf := 0; sf < l.SF; sf++ {
			w := newBitvec(width)
			for p := 0; p < l.PE; p++ {
				for s := 0; s < l.SIMD; s++ {
					v := l.Weight(nf*l.PE+p, sf*l.SIMD+s)
					w.set((p*l.SIMD+s)*l.WBits, l.WBits, int64(v))
				}
			}
			out = w.hex(out, width)
			out = append(out, '\n')
		}
	}
	return out
}

// actMem is the threshold ROM (threshold mode: per PE the thresholds in
// ascending order and the reversed flag on top) or the score ROM (score
// mode: per PE ScoreAdd), word nf for neurons nf*PE .. nf*PE+PE-1.
func actMem(l *hw.Layer) []byte {
	var out []byte
	if l.Mode == hw.ModeScore {
		width := l.PE * l.OutBits
		for nf := 0; nf < l.NF; nf++ {
			w := newBitvec(width)
			for p := 0; p < l.PE; p++ {
				w.set(p*l.OutBits, l.OutBits, l.ScoreAdd(nf*l.PE+p))
			}
			out = append(w.hex(out, width), '\n')
		}
		return out
	}
	per := l.NumThr*l.ThrWidth + 1
	width := l.PE * per
	for nf := 0; nf < l.NF; nf++ {
		w := newBitvec(width)
		for p := 0; p < l.PE; p++ {
			t, rev := l.Thresholds(nf*l.PE + p)
			for j, v := range t {
				w.set(p*per+j*l.ThrWidth, l.ThrWidth, v)
			}
			if rev {
				w.set(p*per+l.NumThr*l.ThrWidth, 1, 1)
			}
		}
		out = append(w.hex(out, width), '\n')
	}
	return out
}

// HexBytes formats bytes as a little-endian bit vector (byte i at
// [8*i +: 8]) in Verilog %h form: 2*len(b) digits, most significant first.
func HexBytes(b []byte) string {
	var sb strings.Builder
	for i := len(b) - 1; i >= 0; i-- {
		sb.WriteByte(hexDigits[b[i]>>4])
		sb.WriteByte(hexDigits[b[i]&15])
	}
	return sb.String()
}
