//go:build race

package multinode

func init() { raceEnabled = true }
