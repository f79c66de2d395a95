package synth

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Module is one module of the synthesized hierarchy.
type Module struct {
	// Name is the module name as Yosys reports it (parameterised modules
	// are named $paramod...\name\Param=value...).
	Name string `json:"name"`
	// Instances is how many times the module occurs in the design (1 for
	// the top).
	Instances int `json:"instances"`
	// Own is the module's own cells, once; Total includes its submodules.
	Own   Resources `json:"own"`
	Total Resources `json:"total"`
	// Submodules maps each submodule name to its instance count here.
	Submodules map[string]int `json:"submodules,omitempty"`
}

// statJSON is Yosys 0.23's `stat -json` output.
type statJSON struct {
	Modules map[string]struct {
		NumCellsByType map[string]int `json:"num_cells_by_type"`
	} `json:"modules"`
	Design struct {
		NumCellsByType map[string]int `json:"num_cells_by_type"`
	} `json:"design"`
}

// parseStat reads `stat -json -top TOP` into per-module resources (sorted by
// name, the top first) and the design total.
func parseStat(data []byte, top string) ([]Module, Resources, error) {
	var s statJSON
	if err := json.Unmarshal(cleanStat(data), &s); err != nil {
		return nil, Resources{}, fmt.Errorf("synth: stat -json: %w", err)
	}
	mods := map[string]*Module{}
	for raw := range s.Modules {
		name := strings.TrimPrefix(raw, `\`)
		mods[name] = &Module{Name: name}
	}
	for raw, m := range s.Modules {
		mod := mods[strings.TrimPrefix(raw, `\`)]
		for typ, n := range m.NumCellsByType {
			if _, sub := mods[strings.TrimPrefix(typ, `\`)]; sub {
				if mod.Submodules == nil {
					mod.Submodules = map[string]int{}
				}
				mod.Submodules[strings.TrimPrefix(typ, `\`)] += n
				continue
			}
			mod.Own.add(typ, n)
		}
	}
	if _, ok := mods[top]; !ok {
		return nil, Resources{}, fmt.Errorf("synth: stat -json has no module %s", top)
	}
	if err := totals(mods, top); err != nil {
		return nil, Resources{}, err
	}
	var total Resources
	for typ, n := range s.Design.NumCellsByType {
		total.add(typ, n)
	}
	out := make([]Module, 0, len(mods))
	for _, m := range mods {
		if m.Instances > 0 {
			out = append(out, *m)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Name == top) != (out[j].Name == top) {
			return out[i].Name == top
		}
		return out[i].Name < out[j].Name
	})
	return out, total, nil
}

// totals fills Total (bottom up) and Instances (top down) from the top.
func totals(mods map[string]*Module, top string) error {
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name string) error
	visit = func(name string) error {
		switch state[name] {
		case 1:
			return fmt.Errorf("synth: recursive module hierarchy at %s", name)
		case 2:
			return nil
		}
		state[name] = 1
		m := mods[name]
		m.Total = Resources{}
		m.Total.addAll(m.Own, 1)
		for _, sub := range sortedKeys(m.Submodules) {
			if err := visit(sub); err != nil {
				return err
			}
			m.Total.addAll(mods[sub].Total, m.Submodules[sub])
		}
		state[name] = 2
		return nil
	}
	if err := visit(top); err != nil {
		return err
	}
	// Instances: a topological order from the top (every parent before its
	// children) accumulates counts.
	var order []string
	seen := map[string]bool{}
	var post func(name string)
	post = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		for _, sub := range sortedKeys(mods[name].Submodules) {
			post(sub)
		}
		order = append(order, name)
	}
	post(top)
	mods[top].Instances = 1
	for i := len(order) - 1; i >= 0; i-- {
		m := mods[order[i]]
		for sub, n := range m.Submodules {
			mods[sub].Instances += m.Instances * n
		}
	}
	return nil
}

// cleanStat drops the raw hierarchy lines Yosys 0.23 prints into `stat
// -json -top` output for designs with nested parameterised modules
// ("       $paramod$...\\qnn_rom      1", "   qnn_popcount_n6_p0   2"),
// which are not JSON: every line of the JSON itself starts with a quote or
// a brace.
func cleanStat(data []byte) []byte {
	lines := strings.Split(string(data), "\n")
	out := lines[:0]
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t != "" && !strings.ContainsAny(t[:1], `"{}[]`) {
			continue
		}
		out = append(out, l)
	}
	return []byte(strings.Join(out, "\n"))
}
