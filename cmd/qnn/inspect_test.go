package main

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qnn-dev/qnn/netlist"
)

// wantTotals computes inspect's totals straight from the netlist's fields:
// weight bits of dense layers, threshold values at the accumulator width
// plus one bit per reversed channel, output offsets at the score width;
// MACs are in*out of every dense layer, binary when 1-bit weights meet a
// 1-bit (bipolar) input.
func wantTotals(t *testing.T, n *netlist.Network) inspectTotals {
	t.Helper()
	var tot inspectTotals
	inBits := 0 // element width of the tensor flowing into the next layer
	accBits := 0
	for _, l := range n.Layers {
		switch l := l.(type) {
		case *netlist.Input:
			inBits = l.Bits
		case *netlist.Dense:
			macs := int64(l.In) * int64(l.Out)
			tot.ParamBits += macs * int64(l.WeightBits)
			tot.MACs += macs
			if l.WeightBits == 1 && inBits == 1 {
				tot.BinaryMACs += macs
			}
			accBits = l.AccBits
		case *netlist.Threshold:
			reversed := 0
			for _, r := range l.Reversed {
				if r {
					reversed++
				}
			}
			tot.ParamBits += int64(l.Channels*(1<<l.Bits-1)*accBits + reversed)
			inBits = l.Bits
		case *netlist.Output:
			if l.Offsets != nil {
				tot.ParamBits += int64(l.Classes * l.ScoreBits)
			}
		default:
			t.Fatalf("unexpected layer type %T", l)
		}
	}
	tot.ParamKiB = float64(tot.ParamBits) / 8 / 1024
	return tot
}

// layerIDs lists every layer's op and name.
func layerIDs(n *netlist.Network) [][2]string {
	var ids [][2]string
	for _, l := range n.Layers {
		ids = append(ids, [2]string{l.Op(), l.LayerName()})
	}
	return ids
}

func TestInspectJSON(t *testing.T) {
	n, err := netlist.Load(testModel)
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runQNN(t, "inspect", "--json", testModel)
	if code != exitOK || stderr != "" {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	var got inspectReport
	decodeOneObject(t, stdout, &got)
	if diff := cmp.Diff(wantTotals(t, n), got.Totals); diff != "" {
		t.Errorf("totals mismatch (-want +got):\n%s", diff)
	}
	var gotIDs [][2]string
	var sum inspectTotals
	for i, l := range got.Layers {
		if l.Index != i {
			t.Errorf("layer %d has index %d", i, l.Index)
		}
		gotIDs = append(gotIDs, [2]string{l.Op, l.Name})
		sum.ParamBits += l.ParamBits
		sum.MACs += l.MACs
		sum.BinaryMACs += l.BinaryMACs
	}
	if diff := cmp.Diff(layerIDs(n), gotIDs); diff != "" {
		t.Errorf("layers mismatch (-want +got):\n%s", diff)
	}
	sum.ParamKiB = got.Totals.ParamKiB
	if diff := cmp.Diff(got.Totals, sum); diff != "" {
		t.Errorf("totals are not the sum of the layers (-totals +sum):\n%s", diff)
	}
	if got.Name != n.Name || got.Model != testModel {
		t.Errorf("name %q model %q, want %q and %q", got.Name, got.Model, n.Name, testModel)
	}
	if diff := cmp.Diff(n.Meta, got.Meta); diff != "" {
		t.Errorf("meta mismatch (-want +got):\n%s", diff)
	}
	in := n.InputLayer()
	if diff := cmp.Diff([3]int{in.Shape.C, in.Shape.H, in.Shape.W}, got.Layers[0].Shape); diff != "" {
		t.Errorf("input shape mismatch (-want +got):\n%s", diff)
	}
	wantKeys := map[string]bool{"model": true, "name": true, "meta": true, "layers": true, "totals": true}
	if diff := cmp.Diff(wantKeys, jsonKeys(t, stdout)); diff != "" {
		t.Errorf("JSON keys mismatch (-want +got):\n%s", diff)
	}
}

func TestInspectText(t *testing.T) {
	n, err := netlist.Load(testModel)
	if err != nil {
		t.Fatal(err)
	}
	want := wantTotals(t, n)
	// Flags may follow the model argument.
	for _, args := range [][]string{{"inspect", testModel}, {"inspect", testModel, "--json=false"}} {
		stdout, stderr, code := runQNN(t, args...)
		if code != exitOK || stderr != "" {
			t.Fatalf("%q: exit code %d, stderr %q", args, code, stderr)
		}
		for _, re := range []string{
			`(?m)^model: ` + regexp.QuoteMeta(n.Name) + `$`,
			`(?m)^parameter bits: +(\d+) \(([\d.]+) KiB\)$`,
			`(?m)^MACs per frame: +(\d+)$`,
			`(?m)^binary MACs per frame: +(\d+)$`,
			`(?m)^#\s+OP\s+NAME\s+OUTPUT\s+BITS\s+DETAIL\s+PARAM BITS\s+MACS\s+BINARY MACS$`,
		} {
			if !regexp.MustCompile(re).MatchString(stdout) {
				t.Errorf("%q: output does not match %s:\n%s", args, re, stdout)
			}
		}
		number := func(re string, group int) int64 {
			m := regexp.MustCompile(re).FindStringSubmatch(stdout)
			if m == nil {
				return -1
			}
			v, _ := strconv.ParseInt(m[group], 10, 64)
			return v
		}
		got := inspectTotals{
			ParamBits:  number(`(?m)^parameter bits: +(\d+)`, 1),
			MACs:       number(`(?m)^MACs per frame: +(\d+)$`, 1),
			BinaryMACs: number(`(?m)^binary MACs per frame: +(\d+)$`, 1),
		}
		wantInts := want
		wantInts.ParamKiB = 0
		if diff := cmp.Diff(wantInts, got); diff != "" {
			t.Errorf("%q: totals mismatch (-want +got):\n%s", args, diff)
		}
		if kib := fmt.Sprintf("(%.2f KiB)", want.ParamKiB); !regexp.MustCompile(regexp.QuoteMeta(kib)).MatchString(stdout) {
			t.Errorf("%q: output lacks %s", args, kib)
		}
		for _, l := range n.Layers {
			if !regexp.MustCompile(`(?m)^\d+\s+` + l.Op() + `\s+` + regexp.QuoteMeta(l.LayerName()) + `\s`).MatchString(stdout) {
				t.Errorf("%q: no table row for layer %q", args, l.LayerName())
			}
		}
	}
}
