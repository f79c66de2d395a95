package hw

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadBounded: hostile folding and plan files fail early, naming the
// problem, without reading them whole.
func TestReadBounded(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	// A valid start followed by more than the bound of whitespace.
	if err := os.WriteFile(big, append([]byte("["), make([]byte, 0)...), 0o644); err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(big, os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte(strings.Repeat(" ", maxFoldFile+10)))
	f.Close()
	for _, tc := range []struct{ path, want string }{
		{"/dev/zero", "invalid character"},
		{big, "larger than"},
	} {
		if _, err := ReadFolds(tc.path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadFolds(%s): got %v, want %q", tc.path, err, tc.want)
		}
		if _, err := Load(tc.path, loadTFC(t)); err == nil || (tc.path != big && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Load(%s): got %v, want %q", tc.path, err, tc.want)
		}
	}
	// Random bytes: whatever the decoder trips on first (a byte that starts
	// no JSON value, or a number where an array belongs), the error is one
	// line naming the file. (Reading /dev/urandom here made the expected
	// message depend on its first byte.)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 64 {
		junk := make([]byte, 1+rng.IntN(4096))
		for j := range junk {
			junk[j] = byte(rng.Uint32())
		}
		if i < 16 {
			junk[0] = "0123456789-[{ \"tfn"[i%19]
		}
		path := filepath.Join(dir, fmt.Sprintf("junk%d.json", i))
		if err := os.WriteFile(path, junk, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadFolds(path); err == nil || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "\n") {
			t.Errorf("ReadFolds(junk %d, first byte %q): got %v, want one line naming the file", i, junk[0], err)
		}
		if _, err := Load(path, loadTFC(t)); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("Load(junk %d, first byte %q): got %v, want a one-line error", i, junk[0], err)
		}
	}
}

func TestFirstDiff(t *testing.T) {
	for _, tc := range []struct{ a, b, want string }{
		{`{"A":1,"B":[1,2]}`, `{"A":1,"B":[1,2]}`, ""},
		{`{"A":1,"B":[1,2]}`, `{"A":1,"B":[1,3]}`, "B[1]: 2 in the file, 3 rebuilt"},
		{`{"A":1,"B":[1]}`, `{"A":1,"B":[1,3]}`, "B: 1 entries in the file, 2 rebuilt"},
		{`{"A":{"X":"p"}}`, `{"A":{"X":"q"}}`, `A.X: "p" in the file, "q" rebuilt`},
		{`{"A":1}`, `{"A":1,"C":true}`, "C: nothing in the file, true rebuilt"},
	} {
		if got := firstDiff([]byte(tc.a), []byte(tc.b)); got != tc.want {
			t.Errorf("firstDiff(%s, %s) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}
