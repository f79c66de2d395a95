package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/qnn-dev/qnn/hw"
	"github.com/qnn-dev/qnn/internal/dirlock"
	"github.com/qnn-dev/qnn/rtlgen"
	"github.com/qnn-dev/qnn/verilator"
	"github.com/urfave/cli/v2"
)

// allowEditedFlag is sim's, cosim's and synth's --allow-edited.
func allowEditedFlag() cli.Flag {
	return &cli.BoolFlag{Name: "allow-edited",
		Usage: "accept a design whose files differ from its manifest.json (edited by hand): a warning instead of an error"}
}

// openedDesign is a checked design directory, locked until release.
type openedDesign struct {
	*verilator.Design
	lock *dirlock.Lock
	// edited is set when files differ from the manifest and --allow-edited
	// accepted them: a disagreement is then the user's, not a qnn bug.
	edited bool
}

// release unlocks the directory (a --model plan has none).
func (d *openedDesign) release() {
	if d.lock != nil {
		d.lock.Unlock()
	}
}

// openDesign checks design directory dir for cmd (sim, cosim, synth):
// it locks it (exclusive for a command that writes into it), compares its
// files with manifest.json, and loads the netlist and the plan. Every
// failure is a user error naming the file.
func openDesign(e *env, cmd, dir string, exclusive, allowEdited bool) (*openedDesign, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, userErrf("%s: %s is not a design directory (run qnn gen -o %s first)", cmd, dir, dir)
	}
	lockFn := dirlock.Shared
	if exclusive {
		lockFn = dirlock.Exclusive
	}
	lock, err := lockFn(dir)
	if err != nil {
		if errors.Is(err, dirlock.ErrBusy) {
			return nil, userErrf("%s: %s is in use by another qnn run (gen --force or synth holds a lock on it); wait for it to finish", cmd, dir)
		}
		return nil, userErrf("%s: %w", cmd, err)
	}
	d := &openedDesign{lock: lock}
	if err := d.load(e, cmd, dir, allowEdited); err != nil {
		lock.Unlock()
		return nil, err
	}
	return d, nil
}

func (d *openedDesign) load(e *env, cmd, dir string, allowEdited bool) error {
	merr := rtlgen.CheckManifest(dir)
	var me *rtlgen.ManifestError
	switch {
	case merr == nil:
	case errors.Is(merr, rtlgen.ErrNoManifest):
		// A design written before manifests (or by hand): nothing to
		// check the files against.
		e.log.Debug("design has no manifest.json (written by an older qnn); its files are not checked: regenerate it with qnn gen --force", "dir", dir)
		merr = nil
	case errors.As(merr, &me) && allowEdited:
		e.log.Warn("design edited by hand (--allow-edited)", "problem", merr.Error())
		d.edited = true
		merr = nil
	case !errors.As(merr, &me):
		return userErrf("%s: %w", cmd, merr)
	}
	// The errors below get cmd's prefix.
	n, err := loadModel(e.log, filepath.Join(dir, designNetlistFile), sequenceHardwareUse(""))
	var p *hw.Plan
	if err == nil {
		p, err = hw.Load(filepath.Join(dir, hw.PlanFile), n)
	}
	switch {
	case merr != nil && err != nil:
		return userErrf("%s: %w: %w", cmd, merr, err)
	case merr != nil:
		return userErrf("%s: %w; regenerate it with qnn gen --force, or accept the edits with --allow-edited", cmd, merr)
	case err != nil:
		return userErrf("%s: %w", cmd, err)
	}
	d.Design = &verilator.Design{Dir: dir, Plan: p}
	return nil
}

// disagreement is the error of a design whose RTL or simulator disagrees
// with qnn's models: a qnn bug (exit 2) for a design as qnn gen wrote it,
// the user's doing (exit 1) for one edited by hand.
func (d *openedDesign) disagreement(err error) error {
	if d.edited {
		return userErr(fmt.Errorf("%w (the design was edited by hand)", err))
	}
	return fmt.Errorf("%w (a qnn bug: please report it with the design directory)", err)
}
