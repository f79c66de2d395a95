package main

import (
	"fmt"
	"runtime"

	"github.com/qnn-dev/qnn/netlist"
	"github.com/urfave/cli/v2"
)

// versionInfo is what `qnn version` reports.
type versionInfo struct {
	Version        string `json:"version"`
	Go             string `json:"go"`
	OS             string `json:"os"`
	Arch           string `json:"arch"`
	NetlistFormat  string `json:"netlist_format"`
	NetlistVersion int    `json:"netlist_version"`
}

func versionCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "print qnn's version, Go version, platform and netlist format version",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: jsonFlagUsage},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return userErrf("version: takes no arguments, got %q", c.Args().Slice())
			}
			return writeVersion(e, c.Bool("json"))
		},
	}
}

// writeVersion prints `qnn version` (also `qnn --version`).
func writeVersion(e *env, jsonOut bool) error {
	v := versionInfo{
		Version:        version,
		Go:             runtime.Version(),
		OS:             runtime.GOOS,
		Arch:           runtime.GOARCH,
		NetlistFormat:  netlist.Format,
		NetlistVersion: netlist.Version,
	}
	if jsonOut {
		return writeJSON(e.stdout, v)
	}
	_, err := fmt.Fprintf(e.stdout, "qnn %s\ngo: %s\nplatform: %s/%s\nnetlist format: %s version %d\n",
		v.Version, v.Go, v.OS, v.Arch, v.NetlistFormat, v.NetlistVersion)
	return err
}
