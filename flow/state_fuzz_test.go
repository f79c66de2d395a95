package flow

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpenDir feeds arbitrary flow-state.json files to openDir: a state
// or a user error, never a panic.
func FuzzOpenDir(f *testing.F) {
	f.Add([]byte(`{"format":"qnn-flow","version":1,"stages":{"train":{"inputs":"ab","done":true,"outputs":{"train/checkpoint.ckpt":"00"},"seconds":1.5,"result":{"name":"x"}}}}`))
	f.Add([]byte(`{"format":"qnn-flow","version":1,"stages":null}`))
	f.Add([]byte(`{"format":"qnn-flow","version":2}`))
	f.Add([]byte(`{"format":"other"}`))
	f.Add([]byte(`{`))
	f.Add([]byte(`{"format":"qnn-flow","version":1,"stages":{"gen":null}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, StateFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
		st, lock, err := openDir(&Config{Dir: dir})
		if err != nil {
			return
		}
		defer lock.Unlock()
		for _, s := range st.Stages {
			if s != nil {
				s.outputsIntact(dir)
			}
		}
		if err := st.save(dir); err != nil {
			t.Fatal(err)
		}
	})
}
