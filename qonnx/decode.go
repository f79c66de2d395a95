package qonnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"google.golang.org/protobuf/proto"

	"github.com/qnn-dev/qnn/qonnx/onnxpb"
)

// MaxFileSize bounds the size of an ONNX file Read accepts (256 MiB).
const MaxFileSize = 256 << 20

// maxNodes bounds the node count (passes walk the graph per node).
const maxNodes = 10000

// maxElements bounds one tensor's element count before anything is allocated
// for it.
const maxElements = 1 << 26

// Load reads the ONNX model at path. Errors name the file.
func Load(path string) (*Graph, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("qonnx: %w", err)
	}
	defer f.Close()
	g, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("qonnx: %s: %w", path, trim(err))
	}
	return g, nil
}

// trimmed drops the leading "qonnx: " of an error that gets a file prefix.
type trimmed struct{ err error }

func (t *trimmed) Error() string { return t.err.Error()[len("qonnx: "):] }
func (t *trimmed) Unwrap() error { return t.err }

func trim(err error) error {
	if s := err.Error(); len(s) > 7 && s[:7] == "qonnx: " {
		return &trimmed{err}
	}
	return err
}

// Read decodes an ONNX model from r.
func Read(r io.Reader) (*Graph, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("qonnx: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("qonnx: file larger than %d bytes", MaxFileSize)
	}
	return Decode(data)
}

// ErrFormat marks a file that is not a well-formed ONNX model.
var ErrFormat = errors.New("not a valid ONNX model")

// Decode parses the bytes of an ONNX ModelProto into a Graph.
func Decode(data []byte) (*Graph, error) {
	var m onnxpb.ModelProto
	if err := proto.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("qonnx: %w: protobuf: %v", ErrFormat, err)
	}
	if m.Graph == nil || len(m.Graph.Node) == 0 {
		return nil, fmt.Errorf("qonnx: %w: no graph or no nodes", ErrFormat)
	}
	if len(m.Graph.Node) > maxNodes {
		return nil, fmt.Errorf("qonnx: graph has %d nodes, more than the %d supported", len(m.Graph.Node), maxNodes)
	}
	g := &Graph{Name: m.Graph.Name, Inits: map[string]*Tensor{}, Opsets: map[string]int64{}}
	for _, o := range m.OpsetImport {
		g.Opsets[o.Domain] = o.Version
	}
	for _, p := range m.MetadataProps {
		if g.Props == nil {
			g.Props = map[string]string{}
		}
		g.Props[p.Key] = p.Value
	}
	for _, t := range m.Graph.Initializer {
		if t.Name == "" {
			return nil, fmt.Errorf("qonnx: %w: initializer without a name", ErrFormat)
		}
		dt, err := decodeTensor(t)
		if err != nil {
			return nil, fmt.Errorf("qonnx: initializer %q: %w", t.Name, err)
		}
		g.Inits[t.Name] = dt
	}
	if len(m.Graph.SparseInitializer) > 0 {
		return nil, fmt.Errorf("qonnx: sparse initializers are not supported")
	}
	if err := decodeIO(&m, g); err != nil {
		return nil, err
	}
	for i, pn := range m.Graph.Node {
		n, err := decodeNode(pn)
		if err != nil {
			return nil, fmt.Errorf("qonnx: node %d %q (%s): %w", i, pn.Name, pn.OpType, err)
		}
		g.Nodes = append(g.Nodes, n)
	}
	return g, nil
}

// decodeIO fills the graph inputs (static shapes only) and outputs.
func decodeIO(m *onnxpb.ModelProto, g *Graph) error {
	for _, vi := range m.Graph.Input {
		if _, ok := g.Inits[vi.Name]; ok {
			continue
		}
		shape, err := staticShape(vi)
		if err != nil {
			return fmt.Errorf("qonnx: graph input %q: %w", vi.Name, err)
		}
		g.Inputs = append(g.Inputs, ValueInfo{Name: vi.Name, Shape: shape})
	}
	for _, vi := range m.Graph.Output {
		g.Outputs = append(g.Outputs, ValueInfo{Name: vi.Name})
	}
	if len(g.Inputs) != 1 || len(g.Outputs) != 1 {
		return fmt.Errorf("qonnx: graph has %d inputs and %d outputs; exactly one of each is supported", len(g.Inputs), len(g.Outputs))
	}
	return nil
}

// staticShape returns the fixed shape of a value, or an error for a
// dynamic (symbolic or missing) dimension.
func staticShape(vi *onnxpb.ValueInfoProto) ([]int, error) {
	tt := vi.GetType().GetTensorType()
	if tt == nil || tt.Shape == nil {
		return nil, errors.New("no tensor shape (dynamic shapes are not supported)")
	}
	var shape []int
	n := 1
	for i, d := range tt.Shape.Dim {
		if p, ok := d.Value.(*onnxpb.TensorShapeProto_Dimension_DimParam); ok {
			return nil, fmt.Errorf("dimension %d is dynamic (%q); only static shapes are supported", i, p.DimParam)
		}
		v := d.GetDimValue()
		if v <= 0 || v > maxElements {
			return nil, fmt.Errorf("dimension %d is %d (dynamic or out of range); only static shapes are supported", i, v)
		}
		n *= int(v)
		if n > maxElements {
			return nil, fmt.Errorf("more than %d elements", maxElements)
		}
		shape = append(shape, int(v))
	}
	return shape, nil
}

func decodeNode(pn *onnxpb.NodeProto) (*Node, error) {
	n := &Node{Name: pn.Name, Op: pn.OpType, Domain: pn.Domain, Attrs: map[string]Attr{},
		Inputs: append([]string(nil), pn.Input...), Outputs: append([]string(nil), pn.Output...)}
	if n.Op == "" {
		return nil, errors.New("empty op_type")
	}
	if len(n.Outputs) == 0 {
		return nil, errors.New("no outputs")
	}
	for _, a := range pn.Attribute {
		da, err := decodeAttr(a)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", a.Name, err)
		}
		n.Attrs[a.Name] = da
	}
	return n, nil
}

func decodeAttr(a *onnxpb.AttributeProto) (Attr, error) {
	switch a.Type {
	case onnxpb.AttributeProto_FLOAT:
		return Attr{Kind: AttrFloat, F: float64(a.F)}, nil
	case onnxpb.AttributeProto_INT:
		return Attr{Kind: AttrInt, I: a.I}, nil
	case onnxpb.AttributeProto_STRING:
		return Attr{Kind: AttrString, S: string(a.S)}, nil
	case onnxpb.AttributeProto_FLOATS:
		fs := make([]float64, len(a.Floats))
		for i, f := range a.Floats {
			fs[i] = float64(f)
		}
		return Attr{Kind: AttrFloats, Floats: fs}, nil
	case onnxpb.AttributeProto_INTS:
		return Attr{Kind: AttrInts, Ints: append([]int64(nil), a.Ints...)}, nil
	case onnxpb.AttributeProto_TENSOR:
		if a.T == nil {
			return Attr{}, errors.New("tensor attribute without a tensor")
		}
		t, err := decodeTensor(a.T)
		if err != nil {
			return Attr{}, err
		}
		return Attr{Kind: AttrTensor, T: t}, nil
	}
	return Attr{}, fmt.Errorf("unsupported attribute type %v", a.Type)
}

// elemSize is the raw_data byte width of each supported data type.
var elemSize = map[onnxpb.TensorProto_DataType]int{
	onnxpb.TensorProto_FLOAT: 4, onnxpb.TensorProto_DOUBLE: 8,
	onnxpb.TensorProto_INT64: 8, onnxpb.TensorProto_INT32: 4,
	onnxpb.TensorProto_INT16: 2, onnxpb.TensorProto_INT8: 1,
	onnxpb.TensorProto_UINT8: 1, onnxpb.TensorProto_UINT16: 2,
	onnxpb.TensorProto_BOOL: 1,
}

// decodeTensor converts a TensorProto to float64, checking its element count.
func decodeTensor(t *onnxpb.TensorProto) (*Tensor, error) {
	dt := onnxpb.TensorProto_DataType(t.DataType)
	size, ok := elemSize[dt]
	if !ok {
		return nil, fmt.Errorf("unsupported data type %v", dt)
	}
	if t.DataLocation == onnxpb.TensorProto_EXTERNAL || len(t.ExternalData) > 0 {
		return nil, errors.New("external tensor data is not supported")
	}
	shape := make([]int, len(t.Dims))
	n := 1
	for i, d := range t.Dims {
		if d < 0 || d > maxElements {
			return nil, fmt.Errorf("dimension %d is %d", i, d)
		}
		shape[i] = int(d)
		n *= int(d)
		if n > maxElements {
			return nil, fmt.Errorf("more than %d elements", maxElements)
		}
	}
	out := &Tensor{Shape: shape}
	if len(t.RawData) > 0 {
		if len(t.RawData) != n*size {
			return nil, fmt.Errorf("raw_data has %d bytes, want %d for shape %v", len(t.RawData), n*size, shape)
		}
		out.Data = make([]float64, 0, n) // bounded by the file's size
		for i := 0; i < n; i++ {
			out.Data = append(out.Data, rawElem(dt, t.RawData[i*size:]))
		}
		return out, nil
	}
	out.Data = typedData(dt, t)
	if len(out.Data) != n {
		return nil, fmt.Errorf("has %d values, want %d for shape %v", len(out.Data), n, shape)
	}
	return out, nil
}

func rawElem(dt onnxpb.TensorProto_DataType, b []byte) float64 {
	switch dt {
	case onnxpb.TensorProto_FLOAT:
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
	case onnxpb.TensorProto_DOUBLE:
		return math.Float64frombits(binary.LittleEndian.Uint64(b))
	case onnxpb.TensorProto_INT64:
		return float64(int64(binary.LittleEndian.Uint64(b)))
	case onnxpb.TensorProto_INT32:
		return float64(int32(binary.LittleEndian.Uint32(b)))
	case onnxpb.TensorProto_INT16:
		return float64(int16(binary.LittleEndian.Uint16(b)))
	case onnxpb.TensorProto_UINT16:
		return float64(binary.LittleEndian.Uint16(b))
	case onnxpb.TensorProto_INT8:
		return float64(int8(b[0]))
	default: // UINT8, BOOL
		return float64(b[0])
	}
}

func typedData(dt onnxpb.TensorProto_DataType, t *onnxpb.TensorProto) []float64 {
	var out []float64
	switch dt {
	case onnxpb.TensorProto_FLOAT:
		for _, v := range t.FloatData {
			out = append(out, float64(v))
		}
	case onnxpb.TensorProto_DOUBLE:
		out = append(out, t.DoubleData...)
	case onnxpb.TensorProto_INT64:
		for _, v := range t.Int64Data {
			out = append(out, float64(v))
		}
	default:
		for _, v := range t.Int32Data {
			out = append(out, float64(v))
		}
	}
	return out
}
