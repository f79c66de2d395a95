package train

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestLinkOrder: the order link rebuilds from a decoded model's per-kind
// lists is the order NewModel and Clone build, for an MLP and conv models.
func TestLinkOrder(t *testing.T) {
	for name, cfg := range configs() {
		t.Run(name, func(t *testing.T) {
			m, err := NewModel(cfg, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(m.stack)
			if len(want) != len(m.Convs)+len(m.Layers) {
				t.Fatalf("%d layers in order, %d in the per-kind lists", len(want), len(m.Convs)+len(m.Layers))
			}
			m.link()
			if !slices.Equal(want, m.stack) {
				t.Errorf("link changed the order of the layers")
			}
			c := m.Clone()
			for i, l := range c.stack {
				if l.kind() != want[i].kind() || l.outSize() != want[i].outSize() {
					t.Errorf("clone layer %d: %s of %d outputs, want %s of %d", i, l.kind(), l.outSize(), want[i].kind(), want[i].outSize())
				}
			}
			if _, ok := m.output().(*Layer); !ok || m.output().(*Layer).Hidden() {
				t.Errorf("the last layer is not the output layer")
			}
		})
	}
}
