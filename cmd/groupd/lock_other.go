//go:build !unix

package main

import "errors"

var errLocked = errors.New("data directory is in use by another groupd process")

// dataLock does nothing where flock is not available.
type dataLock struct{}

func lockDataDir(string) (*dataLock, error) { return &dataLock{}, nil }

func (*dataLock) release() error { return nil }
