package qonnx

import (
	"fmt"
	"sort"
)

// Tensor is a dense row-major float64 tensor. A scalar has an empty Shape.
type Tensor struct {
	Shape []int
	Data  []float64
}

// NewTensor returns a zero tensor of the given shape.
func NewTensor(shape ...int) *Tensor {
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float64, numel(shape))}
}

// Scalar returns a rank-0 tensor holding v.
func Scalar(v float64) *Tensor { return &Tensor{Data: []float64{v}} }

// numel is the product of the dimensions (1 for a scalar).
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Clone returns a deep copy of t.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float64(nil), t.Data...)}
}

// AttrKind says which field of an Attr holds its value.
type AttrKind int

// Attribute kinds (the subset of ONNX attribute types qonnx understands).
const (
	AttrFloat AttrKind = iota + 1
	AttrInt
	AttrString
	AttrTensor
	AttrFloats
	AttrInts
)

// Attr is one decoded node attribute.
type Attr struct {
	Kind   AttrKind
	F      float64
	I      int64
	S      string
	T      *Tensor
	Floats []float64
	Ints   []int64
}

// Node is one graph node.
type Node struct {
	Name    string
	Op      string // op_type
	Domain  string // "" for standard ONNX ops
	Inputs  []string
	Outputs []string
	Attrs   map[string]Attr
}

// ValueInfo is a graph input or output: a name and, for inputs, a static shape.
type ValueInfo struct {
	Name  string
	Shape []int
}

// Graph is a decoded ONNX graph. Initializers are constant tensors by name;
// Nodes are in topological order.
type Graph struct {
	Name    string
	Inputs  []ValueInfo // graph inputs that are not initializers
	Outputs []ValueInfo
	Inits   map[string]*Tensor
	Nodes   []*Node
	// Opsets records the opset_import entries (domain -> version) to write back.
	Opsets map[string]int64
	// Props holds the model's metadata_props (key -> value).
	Props map[string]string
}

// Clone returns a deep copy of g (tensors included), so a pass can be
// checked against the graph it started from.
func (g *Graph) Clone() *Graph {
	c := &Graph{Name: g.Name, Inits: map[string]*Tensor{}, Opsets: map[string]int64{}}
	for _, v := range g.Inputs {
		c.Inputs = append(c.Inputs, ValueInfo{v.Name, append([]int(nil), v.Shape...)})
	}
	for _, v := range g.Outputs {
		c.Outputs = append(c.Outputs, ValueInfo{v.Name, append([]int(nil), v.Shape...)})
	}
	for k, t := range g.Inits {
		c.Inits[k] = t.Clone()
	}
	for k, v := range g.Opsets {
		c.Opsets[k] = v
	}
	if g.Props != nil {
		c.Props = map[string]string{}
		for k, v := range g.Props {
			c.Props[k] = v
		}
	}
	for _, n := range g.Nodes {
		m := *n
		m.Inputs = append([]string(nil), n.Inputs...)
		m.Outputs = append([]string(nil), n.Outputs...)
		m.Attrs = map[string]Attr{}
		for k, a := range n.Attrs {
			m.Attrs[k] = a
		}
		c.Nodes = append(c.Nodes, &m)
	}
	return c
}

// Producer returns the node that writes tensor name, or nil.
func (g *Graph) Producer(name string) *Node {
	for _, n := range g.Nodes {
		for _, o := range n.Outputs {
			if o == name {
				return n
			}
		}
	}
	return nil
}

// Consumers returns the nodes that read tensor name, in graph order.
func (g *Graph) Consumers(name string) []*Node {
	var out []*Node
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			if in == name {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// IsGraphOutput reports whether name is one of the graph's outputs.
func (g *Graph) IsGraphOutput(name string) bool {
	for _, o := range g.Outputs {
		if o.Name == name {
			return true
		}
	}
	return false
}

// RemoveNode deletes n from the graph.
func (g *Graph) RemoveNode(n *Node) {
	for i, m := range g.Nodes {
		if m == n {
			g.Nodes = append(g.Nodes[:i], g.Nodes[i+1:]...)
			return
		}
	}
}

// Rename replaces every read of tensor from by to (and the graph output).
func (g *Graph) Rename(from, to string) {
	for _, n := range g.Nodes {
		for i, in := range n.Inputs {
			if in == from {
				n.Inputs[i] = to
			}
		}
	}
	for i, o := range g.Outputs {
		if o.Name == from {
			g.Outputs[i].Name = to
		}
	}
}

// PruneInits drops initializers no node reads.
func (g *Graph) PruneInits() {
	used := map[string]bool{}
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			used[in] = true
		}
	}
	for k := range g.Inits {
		if !used[k] && !g.IsGraphOutput(k) {
			delete(g.Inits, k)
		}
	}
}

// Init returns initializer name or nil.
func (g *Graph) Init(name string) *Tensor { return g.Inits[name] }

// nodeLabel names a node in error messages: its name, else its first output.
func nodeLabel(n *Node) string {
	name := n.Name
	if name == "" && len(n.Outputs) > 0 {
		name = n.Outputs[0]
	}
	return fmt.Sprintf("node %q (%s)", name, n.Op)
}

// nodeErr is the one-line error for node n.
func nodeErr(n *Node, format string, args ...any) error {
	return fmt.Errorf("qonnx: %s: %s", nodeLabel(n), fmt.Sprintf(format, args...))
}

// attrInt returns integer attribute name or def.
func (n *Node) attrInt(name string, def int64) int64 {
	if a, ok := n.Attrs[name]; ok && a.Kind == AttrInt {
		return a.I
	}
	return def
}

// attrFloat returns float attribute name or def.
func (n *Node) attrFloat(name string, def float64) float64 {
	if a, ok := n.Attrs[name]; ok && a.Kind == AttrFloat {
		return a.F
	}
	return def
}

// attrString returns string attribute name or def.
func (n *Node) attrString(name, def string) string {
	if a, ok := n.Attrs[name]; ok && a.Kind == AttrString {
		return a.S
	}
	return def
}

// attrInts returns ints attribute name or nil.
func (n *Node) attrInts(name string) []int64 {
	if a, ok := n.Attrs[name]; ok && a.Kind == AttrInts {
		return a.Ints
	}
	return nil
}

// sortedKeys returns the keys of m in order (for deterministic output).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
