//go:build race

package crash

// raceEnabled: the test binary runs with the race detector, and so does
// the groupd it builds (sharing the build cache, and checking the server).
const raceEnabled = true
