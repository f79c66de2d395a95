package synth

import "testing"

func TestTopInstance(t *testing.T) {
	for cell, want := range map[string]string{
		`$flatten\u_mvtu0.$abc$1$lut`:       "u_mvtu0",
		`$flatten\u_argmax.\u_x.$auto$ff`:   "u_argmax",
		`$flatten\u_swg0.$auto$1`:           "u_swg0",
		`u_mvtu2.u_weight_rom.mem.0.0`:      "u_mvtu2",
		`u_mvtu1.acc_q`:                     "u_mvtu1",
		`$abc$198051$auto$blifparse.cc:525`: "",
		`$abc$123$lut`:                      "",
		`plain_top_cell`:                    "",
	} {
		if got := TopInstance(cell); got != want {
			t.Errorf("TopInstance(%q) = %q, want %q", cell, got, want)
		}
	}
}
