// Package logbuf batches the request log: one write per batch of lines
// instead of a write system call per request (a few percent of a small
// read's CPU). Request lines reach the output at most Delay after they were
// logged; every other record (start-up, warnings, errors) is written at
// once, with the lines before it. A crash loses at most the last Delay of
// request lines.
package logbuf

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Delay bounds how long a request line waits in the buffer.
const Delay = 100 * time.Millisecond

// maxBuffered flushes a buffer this large at once.
const maxBuffered = 64 << 10

// Writer buffers what is written to it and writes it to out within Delay.
type Writer struct {
	mu      sync.Mutex
	out     io.Writer
	buf     []byte
	pending bool // a flush is scheduled
}

// New returns a Writer over out.
func New(out io.Writer) *Writer { return &Writer{out: out} }

// Write buffers p.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if len(w.buf) >= maxBuffered {
		return len(p), w.flushLocked()
	}
	if !w.pending {
		w.pending = true
		time.AfterFunc(Delay, w.scheduled)
	}
	return len(p), nil
}

func (w *Writer) scheduled() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = false
	_ = w.flushLocked()
}

// Flush writes what is buffered.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushLocked()
}

func (w *Writer) flushLocked() error {
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.out.Write(w.buf)
	w.buf = w.buf[:0]
	return err
}

// Handler wraps a handler that writes to W: after each record other than
// an info-level (or lower) record named RequestMessage it flushes W.
type Handler struct {
	slog.Handler
	W *Writer
}

// RequestMessage is the message of the request log's records.
const RequestMessage = "request"

// Handle implements slog.Handler.
func (h Handler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level > slog.LevelInfo || r.Message != RequestMessage {
		if ferr := h.W.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

// WithAttrs implements slog.Handler.
func (h Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return Handler{h.Handler.WithAttrs(attrs), h.W}
}

// WithGroup implements slog.Handler.
func (h Handler) WithGroup(name string) slog.Handler {
	return Handler{h.Handler.WithGroup(name), h.W}
}
