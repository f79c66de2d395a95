package flow

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestInstanceResources(t *testing.T) {
	nl := `{"modules": {"qnn_top": {"cells": {
		"$flatten\\u_mvtu0.$abc$1": {"type": "LUT6"},
		"$flatten\\u_mvtu0.$abc$2": {"type": "INV"},
		"$flatten\\u_mvtu0.$ff$3": {"type": "FDRE"},
		"u_mvtu0.u_weight_rom.mem.0.0": {"type": "RAMB18E1"},
		"$flatten\\u_mvtu1.$c": {"type": "CARRY4"},
		"$flatten\\u_argmax.$m": {"type": "MUXF7"},
		"$abc$9": {"type": "LUT2"}
	}}, "LUT6": {"cells": {}}}}`
	path := filepath.Join(t.TempDir(), "netlist.json")
	if err := os.WriteFile(path, []byte(nl), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := instanceResources(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Resources{
		"u_mvtu0":  {LUT: 2, FF: 1, BRAM36: 0.5},
		"u_mvtu1":  {Carry: 1},
		"u_argmax": {MuxF: 1},
		"":         {LUT: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("instanceResources mismatch (-want +got):\n%s", diff)
	}
}
