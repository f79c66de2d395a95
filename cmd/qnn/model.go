package main

import (
	"errors"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/qnn-dev/qnn/netlist"
)

// loadModel reads and validates the netlist at path. Every failure is a
// user error (missing, unreadable or invalid file) whose message names the
// file; when validation found several problems, all of them are logged at
// debug level.
func loadModel(log hclog.Logger, path string) (*netlist.Network, error) {
	n, err := netlist.Load(path)
	if err != nil {
		var ve *netlist.ValidationError
		if errors.As(err, &ve) && len(ve.Problems) > 1 {
			for _, line := range strings.Split(strings.TrimSpace(ve.Detail()), "\n") {
				log.Debug("netlist problem", "file", path, "problem", line)
			}
		}
		return nil, userErr(err)
	}
	log.Debug("loaded netlist", "file", path, "name", n.Name, "layers", len(n.Layers))
	return n, nil
}
