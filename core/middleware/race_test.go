//go:build race

package middleware_test

// raceEnabled reports a -race build, where allocation counts are not the
// program's own.
const raceEnabled = true
