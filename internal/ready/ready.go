// Package ready is the one way groupd's tests and tools wait for a server
// they started (the binary as a child process, or Main/run in process):
// poll a probe URL until it answers HTTP 200, giving up when the process
// exits, the context ends or a timeout passes. It uses only the standard
// library, so that cmd/groupd-bench can use it too.
package ready

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Interval is the pause between two polls: short, so that a measured
// startup time (cmd/groupd-bench) is not rounded up by much.
const Interval = 2 * time.Millisecond

// Wait polls url (e.g. "http://127.0.0.1:8080/readyz") until it answers
// HTTP 200. It fails when exited delivers (the server's process ended;
// pass nil for a server without a process of its own), when ctx ends, or
// when timeout passes; the error carries the last poll's outcome.
func Wait(ctx context.Context, url string, exited <-chan error, timeout time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	var last error
	for {
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		last = err
		select {
		case err := <-exited:
			return fmt.Errorf("server exited while starting: %v", err)
		case <-ctx.Done():
			return errors.Join(ctx.Err(), last)
		case <-deadline.C:
			return fmt.Errorf("%s not ready within %v: %v", url, timeout, last)
		case <-time.After(Interval):
		}
	}
}
