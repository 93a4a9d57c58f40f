package cli

import (
	"fmt"
	"io"
	"strings"
)

// splitGlobals takes --server and --token (either form) off the front of
// args, so `fetchd --server X add URL` reads like `fetchd add URL --server X`.
func splitGlobals(args []string) (globals, rest []string) {
	for len(args) > 0 {
		name, _, hasValue := strings.Cut(strings.TrimLeft(args[0], "-"), "=")
		if !strings.HasPrefix(args[0], "-") || (name != "server" && name != "token") {
			break
		}
		n := 2
		if hasValue {
			n = 1
		}
		n = min(n, len(args))
		globals, args = append(globals, args[:n]...), args[n:]
	}
	return globals, args
}

// unknownCommand reports a word that names no command, with the nearest one.
func unknownCommand(name string, stderr io.Writer) int {
	names := commandNames()
	fmt.Fprintf(stderr, "fetchd: unknown command %q", name)
	if near := nearest(name, names); near != "" {
		fmt.Fprintf(stderr, "; did you mean %q?", near)
	}
	fmt.Fprintf(stderr, "\ncommands: %s (fetchd help explains them; fetchd --help lists the daemon's flags)\n", strings.Join(names, ", "))
	return 2
}

func commandNames() []string {
	names := make([]string, 0, len(clientCmds)+1)
	for _, c := range clientCmds {
		names = append(names, c.name)
	}
	return append(names, "gateway", "help")
}

// nearest is the candidate closest to s by edit distance, "" when none is
// close enough to be a plausible typo.
func nearest(s string, candidates []string) string {
	best, bestD := "", 0
	for _, c := range candidates {
		if d := editDistance(s, c); best == "" || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD > max(2, len([]rune(s))/3) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
