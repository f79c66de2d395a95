package synth

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/qnn-dev/qnn/internal/proc"
)

// Run synthesizes the design described by opts and returns its report,
// also written to OutDir/report.json and OutDir/report.md.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if err := opts.setup(); err != nil {
		return nil, err
	}
	yosys, err := lookTool(yosysTool)
	if err != nil {
		return nil, err
	}
	var nextpnr string
	if opts.PnR {
		if nextpnr, err = lookTool(nextpnrTool); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	start := time.Now()
	rep, err := runYosys(ctx, yosys, &opts)
	if err != nil {
		return nil, err
	}
	rep.YosysSeconds = time.Since(start).Seconds()
	if opts.PnR {
		if rep.PnR, err = runNextpnr(ctx, nextpnr, &opts); err != nil {
			return nil, err
		}
	}
	if err := rep.write(opts.OutDir); err != nil {
		return nil, err
	}
	return rep, nil
}

// lookTool finds a tool on PATH, or says how to install it.
func lookTool(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("synth: %s not found on PATH; install it with %s", name, setupScript)
	}
	return p, nil
}

// runYosys runs the script and parses its results.
func runYosys(ctx context.Context, yosys string, o *Options) (*Report, error) {
	script := filepath.Join(o.OutDir, scriptFile)
	if err := writeAtomic(script, []byte(o.script())); err != nil {
		return nil, err
	}
	cmd := proc.Command(ctx, yosys, "-l", filepath.Join(o.OutDir, logFile), "-s", script)
	cmd.Dir = o.Dir
	logText, err := runStreaming(cmd, o.Progress, yosysStage)
	if err != nil {
		return nil, fmt.Errorf("synth: yosys failed (log %s): %w%s", filepath.Join(o.OutDir, logFile), err, lastError(logText))
	}
	rep := &Report{Target: o.Target, Top: o.Top, ABC9: o.ABC9, MinCEUse: o.MinCEUse, Yosys: yosysVersion(logText)}
	rep.Warnings = warnings(logText)
	if err := fatalWarning(logText); err != nil {
		return nil, err
	}
	stat, err := os.ReadFile(filepath.Join(o.OutDir, statFile))
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	if rep.Modules, rep.Total, err = parseStat(stat, o.Top); err != nil {
		return nil, err
	}
	if rep.Total.Latch > 0 {
		return nil, fmt.Errorf("synth: %d latch cells in %s; latches are not allowed", rep.Total.Latch, o.Top)
	}
	if o.Progress != nil {
		o.Progress("logic depth")
	}
	net, err := os.ReadFile(filepath.Join(o.OutDir, netlistFile))
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	if rep.Depth, err = logicDepth(net, o.Top); err != nil {
		return nil, err
	}
	return rep, nil
}

// yosysStage matches the top-level and second-level pass headers of a Yosys
// log ("2. Executing SYNTH_XILINX pass.", "2.3. Executing PROC pass.").
var yosysStage = regexp.MustCompile(`^(\d+(?:\.\d+)?)\. Executing (.+?)\.?$`)

// runStreaming runs cmd, returns its combined output and reports stages
// (lines matching stage, submatch 2) to progress as they appear.
func runStreaming(cmd *exec.Cmd, progress func(string), stage *regexp.Regexp) (string, error) {
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	cmd.Stderr = pw
	var out strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			line := sc.Text()
			out.WriteString(line)
			out.WriteByte('\n')
			if progress != nil && stage != nil {
				if m := stage.FindStringSubmatch(line); m != nil {
					progress(m[2])
				}
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	err := cmd.Run()
	pw.Close()
	<-done
	return out.String(), err
}

// lastError is the last "ERROR:" line of a log, for the error message.
func lastError(log string) string {
	lines := strings.Split(log, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(strings.TrimSpace(lines[i]), "ERROR") {
			return ": " + strings.TrimSpace(lines[i])
		}
	}
	return ""
}

var versionRE = regexp.MustCompile(`Yosys \d+\.\d+[^\n(]*\([^)]*\)`)

func yosysVersion(log string) string {
	return strings.TrimSpace(versionRE.FindString(log))
}

// fatalPatterns are the log lines that fail a run: latches, conflicting
// drivers, undriven nets.
var fatalPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)latch inferred`),
	regexp.MustCompile(`(?i)multiple conflicting drivers`),
	regexp.MustCompile(`(?i)is used but has no driver`),
	regexp.MustCompile(`(?i)\bundriven\b`),
}

// fatalWarning returns an error quoting the first log line that matches a
// fatal pattern.
func fatalWarning(log string) error {
	for _, line := range strings.Split(log, "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "ABC:") || strings.HasPrefix(l, "No latch inferred") {
			continue
		}
		for _, p := range fatalPatterns {
			if p.MatchString(l) {
				return fmt.Errorf("synth: %w: %s", ErrDesign, l)
			}
		}
	}
	return nil
}

// ErrDesign is wrapped by errors about the design itself (latches, multiple
// drivers, undriven nets), as opposed to the tools.
var ErrDesign = errors.New("design problem")

// warnings collects the distinct "Warning:" lines of a log.
func warnings(log string) []string {
	seen := map[string]bool{}
	var out []string
	for _, line := range strings.Split(log, "\n") {
		l := strings.TrimSpace(line)
		if !strings.HasPrefix(l, "Warning:") || seen[l] {
			continue
		}
		seen[l] = true
		out = append(out, l)
	}
	return out
}

// writeAtomic writes data to a temporary file next to path and renames it
// into place.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("synth: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("synth: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}
