// Package dirlock takes advisory locks (flock) on directories, so that two
// qnn runs never write the same output directory at once. A lock is held on
// the directory itself, so no lock file is left behind; it disappears with
// the process that held it, even if that process is killed.
package dirlock

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrBusy is wrapped by the error of Lock when another process (or another
// open of the directory) holds a conflicting lock.
var ErrBusy = errors.New("in use by another qnn run")

// Lock is a held lock; Unlock releases it.
type Lock struct{ f *os.File }

// Exclusive locks dir for writing: it fails at once, wrapping ErrBusy, if
// any other lock is held on dir.
func Exclusive(dir string) (*Lock, error) { return lock(dir, syscall.LOCK_EX) }

// Shared locks dir for reading: it fails at once, wrapping ErrBusy, if an
// exclusive lock is held on dir; shared locks coexist.
func Shared(dir string) (*Lock, error) { return lock(dir, syscall.LOCK_SH) }

func lock(dir string, how int) (*Lock, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("dirlock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("dirlock: %s: %w (wait for it to finish)", dir, ErrBusy)
		}
		return nil, fmt.Errorf("dirlock: %s: %w", dir, err)
	}
	return &Lock{f: f}, nil
}

// Unlock releases the lock; a nil Lock is a no-op.
func (l *Lock) Unlock() {
	if l == nil || l.f == nil {
		return
	}
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
	l.f = nil
}
