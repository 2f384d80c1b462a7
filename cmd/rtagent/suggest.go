package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// unknownCommand is the usage error for a command name c does not have, with the
// closest names when there are any.
func unknownCommand(c *cobra.Command, name string) error {
	hint := ""
	if close := closest(commandNames(c), name); len(close) > 0 {
		hint = "; did you mean " + orList(close, `"`, `"`) + "?"
	}
	return usageErrorf("unknown command %q for %s%s (see %s --help)", name, c.CommandPath(), hint, c.CommandPath())
}

func commandNames(c *cobra.Command) []string {
	var names []string
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
			names = append(names, sub.Aliases...)
		}
	}
	return names
}

// flagError adds the closest flag names to pflag's "unknown flag: --NAME".
func flagError(c *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return err
	}
	var names []string
	add := func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	}
	c.Flags().VisitAll(add)
	c.InheritedFlags().VisitAll(add)
	close := closest(names, name)
	if len(close) == 0 {
		return err
	}
	return fmt.Errorf("%w; did you mean %s?", err, orList(close, "--", ""))
}

// orList is "a", "a or b", "a, b or c", each name between pre and post.
func orList(names []string, pre, post string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = pre + n + post
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// closest are the candidates closest to typed (at most three): within two edits,
// or starting with it; none when nothing is close.
func closest(candidates []string, typed string) []string {
	best, bestD := []string(nil), 3
	for _, c := range candidates {
		d := editDistance(strings.ToLower(typed), strings.ToLower(c))
		if len(typed) >= 2 && strings.HasPrefix(c, typed) && d > 1 {
			d = 1 // a prefix: "--tran" for --transcript
		}
		switch {
		case d < bestD:
			best, bestD = []string{c}, d
		case d == bestD && len(best) < 3 && !contains(best, c):
			best = append(best, c)
		}
	}
	if bestD >= len(typed) {
		return nil // as far from every name as from nothing
	}
	return best
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// editDistance is the Damerau–Levenshtein distance (optimal string alignment):
// insertions, deletions, substitutions and swaps of two neighbours cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
