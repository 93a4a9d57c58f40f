package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/fetchd/fetchd/engine/task"
)

func setupSettings(fs *flag.FlagSet) func(c *invocation, args []string) int {
	patch := map[string]any{}
	intFlag := func(name, key, usage string) {
		fs.Func(name, usage, func(s string) error {
			n, err := strconv.Atoi(s)
			patch[key] = n
			return err
		})
	}
	intFlag("max-concurrent", "max_concurrent", "run at most `N` downloads at once")
	intFlag("max-retries", "max_retries", "retry a download at most `N` times before it fails")
	fs.Func("speed-limit", "limit all downloads together to `RATE` per second: bytes or 500K, 2M, 1G (binary units); 0 or none lifts it", func(s string) error {
		n, err := parseRate(s)
		patch["speed_limit"] = n
		return err
	})
	asJSON := fs.Bool("json", false, "print the settings as the daemon sends them")
	return func(c *invocation, args []string) int {
		if len(args) > 0 {
			return c.usage(fmt.Sprintf("unexpected argument %q", args[0]))
		}
		var got map[string]json.RawMessage
		var err error
		if len(patch) > 0 {
			err = c.api.Do(c.ctx, "PUT", "/api/settings", patch, &got)
		} else {
			err = c.api.Do(c.ctx, "GET", "/api/settings", nil, &got)
		}
		if err != nil {
			return c.fail(err)
		}
		if *asJSON {
			return c.printJSON(got)
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range got {
				if !yield(k) {
					return
				}
			}
		})
		for _, k := range keys {
			fmt.Fprintf(c.stdout, "%-16s %s\n", k, settingText(k, got[k]))
		}
		return 0
	}
}

// settingText spells one setting; a speed in bytes/s also in binary units.
func settingText(key string, raw json.RawMessage) string {
	var n int64
	if !strings.HasSuffix(key, "speed_limit") || json.Unmarshal(raw, &n) != nil {
		return string(raw)
	}
	if n == 0 {
		return "none"
	}
	return fmt.Sprintf("%s (%d bytes/s)", humanSpeed(float64(n)), n)
}

// parseRate reads a speed: a byte count with an optional K, M or G (powers
// of 1024), optionally followed by B, iB or /s; 0 and none mean no limit.
func parseRate(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "none" {
		return 0, nil
	}
	t = strings.TrimSuffix(t, "/s")
	t = strings.TrimSuffix(strings.TrimSuffix(t, "b"), "i") // 2MiB, 2mb
	n, err := task.ParseRate(t)
	if err != nil {
		return 0, fmt.Errorf("%q is not a rate such as 500K, 2M or 1048576", s)
	}
	return n, nil
}
