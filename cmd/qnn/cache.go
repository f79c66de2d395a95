package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/qnn-dev/qnn/verilator"
	"github.com/urfave/cli/v2"
)

// The Verilator build cache holds one directory per build, named by its
// 32-hex-digit key, and .KEY.tmp-* directories of builds in progress.
var (
	cacheEntry = regexp.MustCompile(`^[0-9a-f]{32}$`)
	cacheTemp  = regexp.MustCompile(`^\.[0-9a-f]{32}\.tmp-`)
)

// staleTemp is the age after which a build directory in progress is taken
// for the leftover of a killed run.
const staleTemp = time.Hour

// defaultCacheMB caps the cache after every new build; QNN_CACHE_MAX_MB
// overrides it (0: no cap).
const defaultCacheMB = 2048

// cacheReport is what `qnn cache --json` prints.
type cacheReport struct {
	Dir       string `json:"dir"`
	Entries   int    `json:"entries"`
	Bytes     int64  `json:"bytes"`
	Removed   int    `json:"removed"`
	Freed     int64  `json:"freed_bytes"`
	MaxBytes  int64  `json:"max_bytes"`
	CleanedUp bool   `json:"cleaned"`
}

func cacheCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "cache",
		Usage:     "show the size of the Verilator build cache, or clean it (qnn cache clean)",
		ArgsUsage: "[clean]",
		Description: "cosim keeps one Verilator build per design in $XDG_CACHE_HOME/qnn/verilator and, after each new\n" +
			"build, removes the least recently used ones beyond QNN_CACHE_MAX_MB (default 2048; 0: no cap).\n" +
			"'qnn cache clean' removes every build (or, with --max-mb, the oldest down to that size), and\n" +
			"temporary build directories left by killed runs. Nothing but qnn's builds is ever removed.",
		Flags: []cli.Flag{
			&cli.Int64Flag{Name: "max-mb", Usage: "clean: keep the most recently used builds up to `MB` megabytes (default: remove all)"},
			&cli.BoolFlag{Name: "json", Usage: jsonFlagUsage},
		},
		Action: func(c *cli.Context) error {
			clean := false
			switch {
			case c.NArg() == 1 && c.Args().First() == "clean":
				clean = true
			case c.NArg() > 0:
				return userErrf("cache: unknown argument %q (want nothing or clean)", c.Args().Slice())
			case c.IsSet("max-mb"):
				return userErrf("cache: --max-mb goes with 'qnn cache clean'")
			}
			if c.Int64("max-mb") < 0 {
				return userErrf("cache: --max-mb must not be negative, got %d", c.Int64("max-mb"))
			}
			root, err := verilator.CacheRoot()
			if err != nil {
				return userErr(err)
			}
			r := cacheReport{Dir: root, CleanedUp: clean}
			if clean {
				r.MaxBytes = c.Int64("max-mb") << 20
				if r.Removed, r.Freed, err = trimCache(root, r.MaxBytes, true); err != nil {
					return userErrf("cache: %w", err)
				}
			}
			entries, err := cacheEntries(root)
			if err != nil {
				return userErrf("cache: %w", err)
			}
			for _, en := range entries {
				if !en.temp {
					r.Entries++
					r.Bytes += en.bytes
				}
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, r)
			}
			if clean {
				fmt.Fprintf(e.stdout, "removed %d builds (%.1f MB)\n", r.Removed, float64(r.Freed)/1e6)
			}
			_, err = fmt.Fprintf(e.stdout, "%s: %d builds, %.1f MB\n", root, r.Entries, float64(r.Bytes)/1e6)
			return err
		},
	}
}

type cacheItem struct {
	path  string
	bytes int64
	used  time.Time
	temp  bool
}

// cacheEntries lists qnn's builds (and temporary build directories) in
// root, most recently used first; other names are ignored.
func cacheEntries(root string) ([]cacheItem, error) {
	des, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []cacheItem
	for _, de := range des {
		temp := cacheTemp.MatchString(de.Name())
		if !de.IsDir() || (!temp && !cacheEntry.MatchString(de.Name())) {
			continue
		}
		fi, err := de.Info()
		if err != nil {
			continue
		}
		it := cacheItem{path: filepath.Join(root, de.Name()), used: fi.ModTime(), temp: temp}
		filepath.WalkDir(it.path, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				if fi, err := d.Info(); err == nil {
					it.bytes += fi.Size()
				}
			}
			return nil
		})
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].used.After(out[j].used) })
	return out, nil
}

// trimCache removes the least recently used builds of root beyond
// maxBytes (all of them for 0 with all set), and temporary build
// directories older than staleTemp.
func trimCache(root string, maxBytes int64, all bool) (removed int, freed int64, err error) {
	entries, err := cacheEntries(root)
	if err != nil {
		return 0, 0, err
	}
	var kept int64
	for _, en := range entries {
		drop := false
		switch {
		case en.temp:
			drop = time.Since(en.used) > staleTemp
		case maxBytes == 0:
			drop = all
		default:
			drop = kept+en.bytes > maxBytes
		}
		if !drop {
			if !en.temp {
				kept += en.bytes
			}
			continue
		}
		if err := os.RemoveAll(en.path); err != nil {
			return removed, freed, err
		}
		removed++
		freed += en.bytes
	}
	return removed, freed, nil
}

// capCache applies QNN_CACHE_MAX_MB after a new build; a failure is only
// logged.
func capCache(e *env) {
	mb := int64(defaultCacheMB)
	if s := os.Getenv("QNN_CACHE_MAX_MB"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			e.log.Warn("QNN_CACHE_MAX_MB is not a number of megabytes; using the default", "value", s, "default", defaultCacheMB)
		} else {
			mb = v
		}
	}
	if mb == 0 {
		return
	}
	root, err := verilator.CacheRoot()
	if err != nil {
		return
	}
	if n, freed, err := trimCache(root, mb<<20, false); err != nil {
		e.log.Warn("trimming the Verilator build cache", "dir", root, "error", err)
	} else if n > 0 {
		e.log.Info(fmt.Sprintf("removed %d old Verilator builds (%.1f MB) to keep the cache under %d MB (QNN_CACHE_MAX_MB)", n, float64(freed)/1e6, mb))
	}
}
