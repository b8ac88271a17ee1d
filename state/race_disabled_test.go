//go:build !race

package state

// raceEnabled reports a -race build, in which bcrypt runs about fifteen
// times slower, so tests scale their bcrypt-heavy work down.
const raceEnabled = false
