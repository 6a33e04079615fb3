package runner

import "strings"

// ShellQuote renders argv as one POSIX shell command line: every word in single quotes,
// a single quote written as '\” and an empty word as ”. Nothing inside single quotes
// is special to sh (no $, `, \, globs, ; or newlines), so the shell passes each word
// through unchanged.
func ShellQuote(argv []string) string {
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(a, `'`, `'\''`))
		b.WriteByte('\'')
	}
	return b.String()
}
