//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// errLocked: another process holds the data directory's lock.
var errLocked = errors.New("data directory is in use by another groupd process")

// dataLock is an exclusive flock on <data>/groupd.lock, held while a server
// runs: a second server, or a restore, on the same directory is refused.
// The kernel drops it when the process dies, SIGKILL included.
type dataLock struct{ f *os.File }

func lockDataDir(path string) (*dataLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s is locked)", errLocked, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &dataLock{f: f}, nil
}

func (l *dataLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing drops the flock
	l.f = nil
	return err
}
