package qonnx

import (
	"errors"
	"fmt"
)

// opFunc computes a node's outputs from its inputs (nil for an omitted
// optional input).
type opFunc func(n *Node, in []*Tensor) ([]*Tensor, error)

// ops is the set of ops Execute understands, by op_type. Custom QONNX/FINN ops
// are matched by op_type whatever their domain (onnx.brevitas,
// qonnx.custom_op.general, finn.custom_op.general).
var ops map[string]opFunc

func init() {
	ops = map[string]opFunc{
		"Quant": opQuant, "BipolarQuant": opBipolarQuant, "Trunc": opTrunc,
		"MultiThreshold": opMultiThreshold,
		"MatMul":         opMatMul, "Gemm": opGemm, "Conv": opConv, "MaxPool": opMaxPool,
		"BatchNormalization": opBatchNorm,
		"Add":                elementwise(func(x, y float64) float64 { return x + y }),
		"Sub":                elementwise(func(x, y float64) float64 { return x - y }),
		"Mul":                elementwise(func(x, y float64) float64 { return x * y }),
		"Div":                elementwise(func(x, y float64) float64 { return x / y }),
		"Pow":                elementwise(pow),
		"Reshape":            opReshape, "Flatten": opFlatten, "Transpose": opTranspose,
		"Squeeze": opSqueeze, "Unsqueeze": opUnsqueeze, "Identity": opIdentity,
		"Shape": opShape, "Gather": opGather, "Concat": opConcat, "Constant": opConstant,
		"TopK": opTopK, "Pad": opPad,
	}
}

// Supported reports whether Execute understands op.
func Supported(op string) bool { _, ok := ops[op]; return ok }

// Env holds every tensor value of one execution, by name.
type Env map[string]*Tensor

// Execute runs g node by node in float64 on input x (the graph's single
// input) and returns every tensor it computed, initializers included.
func Execute(g *Graph, x *Tensor) (Env, error) {
	p, err := Compile(g)
	if err != nil {
		return nil, err
	}
	return p.Execute(x)
}

// Program is a graph ready to execute many times: the nodes that depend on
// constants only (weight quantizers, their transposes) are computed once,
// with the same op code, so every result equals Execute's.
type Program struct {
	g      *Graph
	consts Env
	nodes  []*Node // the nodes that depend on the input
}

// Compile prepares g for repeated execution.
func Compile(g *Graph) (*Program, error) {
	if len(g.Inputs) != 1 {
		return nil, errors.New("qonnx: graph must have exactly one input")
	}
	p := &Program{g: g, consts: Env{}}
	for k, t := range g.Inits {
		p.consts[k] = t
	}
	for _, n := range g.Nodes {
		if n.Op != "Shape" && allIn(p.consts, n) {
			if err := step(p.consts, n); err != nil {
				return nil, err
			}
			continue
		}
		p.nodes = append(p.nodes, n)
	}
	return p, nil
}

func allIn(env Env, n *Node) bool {
	for _, in := range n.Inputs {
		if in != "" && env[in] == nil {
			return false
		}
	}
	return true
}

// Execute runs the program on x and returns every tensor value.
func (p *Program) Execute(x *Tensor) (Env, error) {
	g := p.g
	if want := g.Inputs[0].Shape; numel(want) != len(x.Data) || !sameShape(want, x.Shape) {
		return nil, fmt.Errorf("qonnx: input %q: shape %v, want %v", g.Inputs[0].Name, x.Shape, want)
	}
	env := make(Env, len(p.consts)+len(p.nodes)+1)
	for k, t := range p.consts {
		env[k] = t
	}
	env[g.Inputs[0].Name] = x
	for _, n := range p.nodes {
		if err := step(env, n); err != nil {
			return nil, err
		}
	}
	for _, o := range g.Outputs {
		if env[o.Name] == nil {
			return nil, fmt.Errorf("qonnx: graph output %q is never computed", o.Name)
		}
	}
	return env, nil
}

// Predict executes the program on x; see the Predict function.
func (p *Program) Predict(x *Tensor) (int, *Tensor, error) {
	env, err := p.Execute(x)
	if err != nil {
		return 0, nil, err
	}
	g := p.g
	out := env.Output(g)
	if pr := g.Producer(g.Outputs[0].Name); pr != nil && pr.Op == "TopK" && len(pr.Outputs) > 1 && pr.Outputs[1] == g.Outputs[0].Name {
		return int(out.Data[0]), out, nil
	}
	return argmax(out.Data), out, nil
}

// step executes one node in env.
func step(env Env, n *Node) error {
	f, ok := ops[n.Op]
	if !ok {
		return nodeErr(n, "unsupported op")
	}
	in := make([]*Tensor, len(n.Inputs))
	for i, name := range n.Inputs {
		if name == "" {
			continue
		}
		if in[i] = env[name]; in[i] == nil {
			return nodeErr(n, "input %q is not computed before this node", name)
		}
	}
	out, err := f(n, in)
	if err != nil {
		return nodeErr(n, "%v", err)
	}
	for i, name := range n.Outputs {
		if i < len(out) && name != "" {
			env[name] = out[i]
		}
	}
	return nil
}

// Output returns the value of g's output in env.
func (env Env) Output(g *Graph) *Tensor { return env[g.Outputs[0].Name] }

// Predict executes g on x and returns the predicted class: the value of a
// TopK index output, else the argmax of the output (lowest index on ties).
func Predict(g *Graph, x *Tensor) (int, *Tensor, error) {
	p, err := Compile(g)
	if err != nil {
		return 0, nil, err
	}
	return p.Predict(x)
}

// argmax returns the index of the largest value, the lowest winning ties.
func argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// needInputs checks that in has at least k non-nil inputs first.
func needInputs(in []*Tensor, k int) error {
	if len(in) < k {
		return fmt.Errorf("has %d inputs, needs %d", len(in), k)
	}
	for i := 0; i < k; i++ {
		if in[i] == nil {
			return fmt.Errorf("input %d is missing", i)
		}
	}
	return nil
}

func elementwise(f func(x, y float64) float64) opFunc {
	return func(n *Node, in []*Tensor) ([]*Tensor, error) {
		if err := needInputs(in, 2); err != nil {
			return nil, err
		}
		out, err := broadcastOp(in[0], in[1], f)
		return []*Tensor{out}, err
	}
}

func opIdentity(n *Node, in []*Tensor) ([]*Tensor, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	return []*Tensor{in[0]}, nil
}

func opConstant(n *Node, in []*Tensor) ([]*Tensor, error) {
	a, ok := n.Attrs["value"]
	if !ok || a.Kind != AttrTensor {
		return nil, errors.New("needs a tensor attribute \"value\"")
	}
	return []*Tensor{a.T}, nil
}
