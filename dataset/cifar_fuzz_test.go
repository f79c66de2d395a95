package dataset

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzCIFARTar: loadCIFARTar never panics on arbitrary bytes, and what it
// accepts has the exact structure (one-record files in this test).
func FuzzCIFARTar(f *testing.F) {
	old := cifarRecords
	cifarRecords = 1
	defer func() { cifarRecords = old }()
	dir, err := os.MkdirTemp("", "cifarfuzz")
	if err != nil {
		f.Fatal(err)
	}
	defer os.RemoveAll(dir)
	seed := filepath.Join(dir, "seed.tar.gz")
	writeTarball(f, seed, officialMembers())
	b, err := os.ReadFile(seed)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, data []byte) {
		cifarRecords = 1
		p := filepath.Join(t.TempDir(), CIFARTarball)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := loadCIFARTar(Test, p, []string{"test_batch.bin"})
		if err == nil && (s.N != 1 || len(s.Pixels) != 3072 || s.Labels[0] > 9) {
			t.Fatalf("accepted a malformed set: N %d, %d pixels", s.N, len(s.Pixels))
		}
	})
}
