package sim

// SplitMix64 is the stall-schedule generator of docs/dataflow.md
// ("Co-simulation stimulus and stall schedule"); the RTL harnesses
// implement the same sequence.
type SplitMix64 struct{ state uint64 }

// NewSplitMix64 returns a generator seeded with seed.
func NewSplitMix64(seed uint64) *SplitMix64 { return &SplitMix64{state: seed} }

// Next returns the next 64-bit draw.
func (s *SplitMix64) Next() uint64 {
	s.state += 0x9E3779B97F4A7C15
	z := s.state
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// Uniform maps a draw to [0, 1): (r >> 11) / 2^53, exactly.
func Uniform(r uint64) float64 { return float64(r>>11) / (1 << 53) }
