package netlist

import (
	"fmt"
	"math"
)

// NLL is the negative log-likelihood of target under a sequence model's
// integer scores: -ln softmax(scale * scores)[target], in float64, with the
// largest score subtracted before exponentiation (log-sum-exp). scale is
// the real value of one score unit (Output.LogitScale). It is outside the
// integer model: the hardware emits the integer scores (and their argmax),
// the perplexity is computed from them.
func NLL(scores []int64, scale float64, target int) float64 {
	m := scores[0]
	for _, s := range scores[1:] {
		m = max(m, s)
	}
	var sum float64
	for _, s := range scores {
		sum += math.Exp(scale * float64(s-m))
	}
	return math.Log(sum) - scale*float64(scores[target]-m)
}

// StreamNLL evaluates a sequence model on a token stream as a language
// model: the stream is cut into consecutive sequences of seqLen input
// tokens (the last may be shorter), each evaluated from the reset state;
// input stream[p] is scored against the next token stream[p+1]. It returns
// the summed NLL (with the output layer's LogitScale) and the number of
// predicted tokens, len(stream)-1; the perplexity is exp(sum/count). The
// sum is accumulated per sequence and then in sequence order, so it does
// not depend on workers.
func StreamNLL(f *FastSeq, scale float64, stream []int, seqLen, workers int) (sum float64, count int, err error) {
	if seqLen <= 0 {
		return 0, 0, fmt.Errorf("netlist: sequence length %d must be positive", seqLen)
	}
	if !(scale > 0) || math.IsInf(scale, 0) {
		return 0, 0, fmt.Errorf("netlist: logit scale %g must be a positive number (the output layer declares none?)", scale)
	}
	if len(stream) < 2 {
		return 0, 0, nil
	}
	var seqs [][]int
	for p := 0; p < len(stream)-1; p += seqLen {
		seqs = append(seqs, stream[p:min(p+seqLen, len(stream)-1)])
	}
	sums := make([]float64, len(seqs))
	err = f.Visit(seqs, workers, func(s, t int, scores []int64) {
		sums[s] += NLL(scores, scale, stream[s*seqLen+t+1])
	})
	if err != nil {
		return 0, 0, err
	}
	for _, x := range sums {
		sum += x
	}
	return sum, len(stream) - 1, nil
}
