package rtlgen

import (
	"github.com/qnn-dev/qnn/hw"
)

// LSTMMems are the init files of the lstm stage's ROMs
// (docs/lstm-hardware.md "Memories"), by qnn_lstm parameter: EmbFile,
// WeightFile, GateThrFile, CellThrFile, HidThrFile; one hex word per line,
// word 0 first.
func LSTMMems(s *hw.LSTMStage) map[string][]byte {
	return map[string][]byte{
		"EmbFile":     lstmEmbMem(s),
		"WeightFile":  lstmWeightMem(s),
		"GateThrFile": lstmThrMem(s.NF, s.PE, s.GateNumThr, s.GateThrWidth, func(i int) ([]int64, bool) { return s.GateThresholds(i) }),
		"CellThrFile": lstmThrMem(s.NF, s.U, s.CellNumThr, s.CellThrWidth, func(i int) ([]int64, bool) { return s.CellThresholds(i) }),
		"HidThrFile":  lstmThrMem(s.NF, s.U, s.HidNumThr, s.HidThrWidth, func(i int) ([]int64, bool) { return s.HiddenThresholds(i) }),
	}
}

// lstmEmbMem: word tok*SFx + sf, lane l at [l*Bits +: Bits].
func lstmEmbMem(s *hw.LSTMStage) []byte {
	width := s.SIMD * s.Bits
	var out []byte
	for tok := 0; tok < s.V; tok++ {
		for sf := 0; sf < s.SFx; sf++ {
			w := newBitvec(width)
			for l, lv := range s.EmbWord(tok, sf) {
				w.set(l*s.Bits, s.Bits, int64(lv))
			}
			out = append(w.hex(out, width), '\n')
		}
	}
	return out
}

// lstmWeightMem: word nf*SF + sf, PE p at [p*SIMD*WBits +: SIMD*WBits],
// lane l at [l*WBits +: WBits] = hardware row nf*PE + p at fold sf.
func lstmWeightMem(s *hw.LSTMStage) []byte {
	width := s.PE * s.SIMD * s.WBits
	var out []byte
	for nf := 0; nf < s.NF; nf++ {
		for sf := 0; sf < s.SF; sf++ {
			w := newBitvec(width)
			for p := 0; p < s.PE; p++ {
				for l := 0; l < s.SIMD; l++ {
					w.set((p*s.SIMD+l)*s.WBits, s.WBits, int64(s.Weight(nf*s.PE+p, sf, l)))
				}
			}
			out = append(w.hex(out, width), '\n')
		}
	}
	return out
}

// lstmThrMem: word nf holds, for entry e (PE or unit lane) at
// [e*(k*width+1) +: k*width+1], the k thresholds of index nf*per + e at
// [j*width +: width] and the reversed flag as the top bit.
func lstmThrMem(nf, per, k, width int, thr func(int) ([]int64, bool)) []byte {
	ew := k*width + 1
	var out []byte
	for n := 0; n < nf; n++ {
		w := newBitvec(per * ew)
		for e := 0; e < per; e++ {
			t, rev := thr(n*per + e)
			for j, x := range t {
				w.set(e*ew+j*width, width, x)
			}
			if rev {
				w.set(e*ew+k*width, 1, 1)
			}
		}
		out = append(w.hex(out, per*ew), '\n')
	}
	return out
}
