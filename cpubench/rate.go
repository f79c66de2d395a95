package cpubench

// Rate is an amount of work done in a measured time.
type Rate struct {
	Wall float64 // seconds elapsed
	CPU  float64 // CPU seconds the measured process used (user + system)
	Work float64 // images, operations or FLOPs done
}

// PerSecond is the work per elapsed second.
func (r Rate) PerSecond() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return r.Work / r.Wall
}

// PerCPUSecond is the work per CPU-second used: on a machine shared with
// other jobs it shows what the code does with the CPU time it gets.
func (r Rate) PerCPUSecond() float64 {
	if r.CPU <= 0 {
		return 0
	}
	return r.Work / r.CPU
}
