package main

import (
	"io"
	"os"

	"github.com/hashicorp/go-hclog"
)

// logLevels are the values --log-level accepts, most verbose first.
var logLevels = map[string]hclog.Level{
	"trace": hclog.Trace,
	"debug": hclog.Debug,
	"info":  hclog.Info,
	"warn":  hclog.Warn,
	"error": hclog.Error,
}

const logLevelNames = "trace|debug|info|warn|error"

// newLogger returns qnn's root logger writing to w at the named level,
// colored only when w is a terminal and NO_COLOR is unset.
func newLogger(level string, w io.Writer) (hclog.Logger, error) {
	lvl, ok := logLevels[level]
	if !ok {
		return nil, userErrf("--log-level: unknown level %q (want %s)", level, logLevelNames)
	}
	color := hclog.ColorOff
	if isTerminal(w) && os.Getenv("NO_COLOR") == "" {
		color = hclog.AutoColor
	}
	return hclog.New(&hclog.LoggerOptions{
		Name:   "qnn",
		Level:  lvl,
		Output: w,
		Color:  color,
	}), nil
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
