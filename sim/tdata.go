package sim

// TDataHex formats an m_axis beat as docs/dataflow.md lays it out: class
// in bits [15:0], score c sign-extended to sw bits at [16 + c*sw +: sw];
// lowercase hex, MSB first, ceil((16 + len(scores)*sw)/4) digits, like
// Verilog's %h.
func TDataHex(class int, scores []int64, sw int) string {
	const hexDigits = "0123456789abcdef"
	b := []byte(laneHex(scores, sw))
	for d := 3; d >= 0; d-- {
		b = append(b, hexDigits[(class>>(4*d))&15])
	}
	return string(b)
}

// InputTDataHex formats an s_axis beat (pixel j at [8*j +: 8]) the same way.
func InputTDataHex(beat []byte) string {
	const hexDigits = "0123456789abcdef"
	b := make([]byte, 0, 2*len(beat))
	for j := len(beat) - 1; j >= 0; j-- {
		b = append(b, hexDigits[beat[j]>>4], hexDigits[beat[j]&15])
	}
	return string(b)
}
