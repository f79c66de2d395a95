package proc

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCancelStopsGrandchildren: cancelling stops a shell's children too
// (as make's compilers), instead of leaving them running.
func TestCancelStopsGrandchildren(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "alive")
	ctx, cancel := context.WithCancel(context.Background())
	// The grandchild touches the marker after 2 s unless it was stopped.
	cmd := Command(ctx, "sh", "-c", "(sleep 2; touch "+marker+") & wait")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	time.Sleep(300 * time.Millisecond)
	cancel()
	start := time.Now()
	err := cmd.Wait()
	if err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("Wait: %v after %v, want an error at once", err, time.Since(start))
	}
	time.Sleep(2500 * time.Millisecond)
	if _, err := os.Stat(marker); err == nil {
		t.Error("the grandchild kept running after the cancel")
	} else if !strings.Contains(err.Error(), "no such file") {
		t.Error(err)
	}
}
