package train

import "math"

// lossGrad computes the batch loss of the scores y (rows x classes) against
// labels, writes dL/dy into d and returns the loss and the number of
// correct argmax predictions.
//
// "hinge" is the recipe's squared hinge loss, the mean over rows and classes
// of max(0, 1 - t*y)^2 with targets t = +1 for the label and -1 otherwise;
// "xent" is softmax cross-entropy averaged over rows.
func lossGrad(kind string, y []float32, labels []byte, rows, classes int, d []float32) (float64, int) {
	var loss float64
	correct := 0
	for b := 0; b < rows; b++ {
		yb, db := y[b*classes:(b+1)*classes], d[b*classes:(b+1)*classes]
		lab := int(labels[b])
		if argmax32(yb) == lab {
			correct++
		}
		if kind == "xent" {
			loss += xentRow(yb, lab, db, rows)
			continue
		}
		norm := float64(rows * classes)
		for c, v := range yb {
			t := -1.0
			if c == lab {
				t = 1
			}
			m := max(0, 1-t*float64(v))
			loss += m * m / norm
			db[c] = float32(-2 * t * m / norm)
		}
	}
	return loss, correct
}

// xentRow is one row of softmax cross-entropy (divided by rows).
func xentRow(y []float32, lab int, d []float32, rows int) float64 {
	mx := float64(y[argmax32(y)])
	var sum float64
	for _, v := range y {
		sum += math.Exp(float64(v) - mx)
	}
	for c, v := range y {
		p := math.Exp(float64(v)-mx) / sum
		if c == lab {
			p--
		}
		d[c] = float32(p / float64(rows))
	}
	return (math.Log(sum) + mx - float64(y[lab])) / float64(rows)
}

// argmax32 returns the index of the largest value, the lowest index winning
// ties.
func argmax32(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
