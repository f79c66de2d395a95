package qonnx

import (
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/proto"

	"github.com/qnn-dev/qnn/qonnx/onnxpb"
)

// Producer names what qnn writes into ModelProto.producer_name.
const Producer = "qnn"

// IntTensors names initializers written as INT64 (shape operands);
// everything else is FLOAT, as QONNX expects (integer values in float
// containers).
type IntTensors map[string]bool

// Encode serializes g as an ONNX ModelProto (IR version 7). Initializers
// named in ints are INT64, the rest FLOAT; nodes, initializers and
// metadata are written in a fixed order, so the bytes are deterministic.
func Encode(g *Graph, ints IntTensors) ([]byte, error) {
	m := &onnxpb.ModelProto{IrVersion: 7, ProducerName: Producer, Graph: &onnxpb.GraphProto{Name: g.Name}}
	for _, d := range sortedKeys(g.Opsets) {
		m.OpsetImport = append(m.OpsetImport, &onnxpb.OperatorSetIdProto{Domain: d, Version: g.Opsets[d]})
	}
	for _, k := range sortedKeys(g.Props) {
		m.MetadataProps = append(m.MetadataProps, &onnxpb.StringStringEntryProto{Key: k, Value: g.Props[k]})
	}
	for _, in := range g.Inputs {
		m.Graph.Input = append(m.Graph.Input, valueInfo(in.Name, in.Shape, true))
	}
	for _, out := range g.Outputs {
		m.Graph.Output = append(m.Graph.Output, valueInfo(out.Name, out.Shape, out.Shape != nil))
	}
	for _, k := range sortedKeys(g.Inits) {
		m.Graph.Initializer = append(m.Graph.Initializer, encodeTensor(k, g.Inits[k], ints[k]))
	}
	for _, n := range g.Nodes {
		pn := &onnxpb.NodeProto{Name: n.Name, OpType: n.Op, Domain: n.Domain, Input: n.Inputs, Output: n.Outputs}
		for _, k := range sortedKeys(n.Attrs) {
			a, err := encodeAttr(k, n.Attrs[k])
			if err != nil {
				return nil, fmt.Errorf("qonnx: %s: %w", nodeLabel(n), err)
			}
			pn.Attribute = append(pn.Attribute, a)
		}
		m.Graph.Node = append(m.Graph.Node, pn)
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("qonnx: %w", err)
	}
	return b, nil
}

func valueInfo(name string, shape []int, withShape bool) *onnxpb.ValueInfoProto {
	tt := &onnxpb.TypeProto_Tensor{ElemType: int32(onnxpb.TensorProto_FLOAT)}
	if withShape {
		tt.Shape = &onnxpb.TensorShapeProto{}
		for _, d := range shape {
			tt.Shape.Dim = append(tt.Shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
		}
	}
	return &onnxpb.ValueInfoProto{Name: name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: tt}}}
}

func encodeTensor(name string, t *Tensor, asInt bool) *onnxpb.TensorProto {
	p := &onnxpb.TensorProto{Name: name}
	for _, d := range t.Shape {
		p.Dims = append(p.Dims, int64(d))
	}
	if asInt {
		p.DataType = int32(onnxpb.TensorProto_INT64)
		p.RawData = make([]byte, 8*len(t.Data))
		for i, v := range t.Data {
			binary.LittleEndian.PutUint64(p.RawData[8*i:], uint64(int64(v)))
		}
		return p
	}
	p.DataType = int32(onnxpb.TensorProto_FLOAT)
	p.RawData = make([]byte, 4*len(t.Data))
	for i, v := range t.Data {
		binary.LittleEndian.PutUint32(p.RawData[4*i:], math.Float32bits(float32(v)))
	}
	return p
}

func encodeAttr(name string, a Attr) (*onnxpb.AttributeProto, error) {
	p := &onnxpb.AttributeProto{Name: name}
	switch a.Kind {
	case AttrFloat:
		p.Type, p.F = onnxpb.AttributeProto_FLOAT, float32(a.F)
	case AttrInt:
		p.Type, p.I = onnxpb.AttributeProto_INT, a.I
	case AttrString:
		p.Type, p.S = onnxpb.AttributeProto_STRING, []byte(a.S)
	case AttrInts:
		p.Type, p.Ints = onnxpb.AttributeProto_INTS, a.Ints
	case AttrFloats:
		p.Type = onnxpb.AttributeProto_FLOATS
		for _, f := range a.Floats {
			p.Floats = append(p.Floats, float32(f))
		}
	case AttrTensor:
		p.Type, p.T = onnxpb.AttributeProto_TENSOR, encodeTensor("", a.T, false)
	default:
		return nil, fmt.Errorf("attribute %q has no value", name)
	}
	return p, nil
}
