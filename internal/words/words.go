// Package words holds the small wording helpers every layer shares (domain messages, templates),
// so each exists once.
package words

// Plural returns one when n is 1 and many otherwise: Plural(n, "test", "tests").
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
