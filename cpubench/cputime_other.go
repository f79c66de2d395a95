//go:build !unix

package cpubench

import "time"

// cpuTime is unknown here: 0, so per-CPU-second rates are reported as 0.
func cpuTime() time.Duration { return 0 }

func loadAverage() float64 { return -1 }
