//go:build !race

package pulsaradapter

// raceEnabled reports whether the tests run with -race.
const raceEnabled = false
