package train

// Max-pooling over (H,W,C) tensors stored channel-fastest: a KxK window
// moved by K, windows that do not fit dropped (as netlist.MaxPool).

// maxPoolForward pools rows images y (each h x w x c) into out (each
// (h/k) x (w/k) x c, rounded down) and, if idx is not nil, records for
// every output the index in y of its window's maximum (the first in
// row-major window order on ties).
func maxPoolForward(out []float32, idx []int32, y []float32, rows, h, w, c, k int) {
	ph, pw := (h-k)/k+1, (w-k)/k+1
	for b := 0; b < rows; b++ {
		yb := y[b*h*w*c:]
		ob := out[b*ph*pw*c : (b+1)*ph*pw*c]
		for oh := 0; oh < ph; oh++ {
			for ow := 0; ow < pw; ow++ {
				o := ob[(oh*pw+ow)*c : (oh*pw+ow+1)*c]
				first := (oh*k*w + ow*k) * c
				copy(o, yb[first:first+c])
				var ix []int32
				if idx != nil {
					ix = idx[b*ph*pw*c+(oh*pw+ow)*c:][:c]
					for ch := range ix {
						ix[ch] = int32(b*h*w*c + first + ch)
					}
				}
				poolWindow(o, ix, yb, b*h*w*c, oh*k, ow*k, w, c, k)
			}
		}
	}
}

// poolWindow folds the rest of one window (its first element is already
// in o) into o and ix.
func poolWindow(o []float32, ix []int32, yb []float32, base, h0, w0, w, c, k int) {
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			if i == 0 && j == 0 {
				continue
			}
			off := ((h0+i)*w + w0 + j) * c
			src := yb[off : off+c]
			for ch, v := range src {
				if v > o[ch] {
					o[ch] = v
					if ix != nil {
						ix[ch] = int32(base + off + ch)
					}
				}
			}
		}
	}
}

// maxPoolBackward routes the output gradient dout to the recorded maxima:
// din (the size of the pool's input, starting at index base of the tensor
// idx points into) is zeroed, then din[idx[i]-base] = dout[i].
func maxPoolBackward(din []float32, idx []int32, dout []float32, base int) {
	clear(din)
	for i, j := range idx[:len(dout)] {
		din[int(j)-base] += dout[i]
	}
}
