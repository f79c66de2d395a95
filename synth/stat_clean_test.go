package synth

import "testing"

// TestParseStatRawHierarchy: Yosys 0.23 prints the submodule hierarchy of
// `stat -json -top` as raw text lines inside the JSON; they are dropped.
func TestParseStatRawHierarchy(t *testing.T) {
	data := []byte(`{
   "modules": {
      "\\top": { "num_cells_by_type": { "LUT6": 2, "\\sub": 1 } },
      "\\sub": { "num_cells_by_type": { "FDRE": 3 } }
   },
       $paramod$15e5ba57610c3fc7b82d22d7e9800761e3c7c9cf\qnn_rom      1
       sub      1
   "design": { "num_cells_by_type": { "LUT6": 2, "FDRE": 3 } }
}
`)
	mods, total, err := parseStat(data, "top")
	if err != nil {
		t.Fatal(err)
	}
	if total.LUT != 2 || total.FF != 3 || len(mods) != 2 {
		t.Errorf("total %+v, %d modules", total, len(mods))
	}
}
