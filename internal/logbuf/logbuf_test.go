package logbuf

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRequestLinesWaitOtherRecordsFlush(t *testing.T) {
	out := &syncBuffer{}
	w := New(out)
	log := slog.New(Handler{slog.NewTextHandler(w, nil), w}).With("node", "a")
	log.Info(RequestMessage, "path", "/one")
	if got := out.String(); got != "" {
		t.Fatalf("a request line was written at once: %q", got)
	}
	log.Warn(RequestMessage, "path", "/slow")
	got := out.String()
	if !strings.Contains(got, "/one") || !strings.Contains(got, "/slow") {
		t.Fatalf("a warning did not flush the lines before it and itself: %q", got)
	}
	log.Info(RequestMessage, "path", "/two")
	log.Info("listening", "addr", ":1")
	if got := out.String(); !strings.Contains(got, "/two") || !strings.Contains(got, "listening") {
		t.Fatalf("a non-request record did not flush: %q", got)
	}
}

func TestBufferedLinesArriveWithinDelay(t *testing.T) {
	out := &syncBuffer{}
	w := New(out)
	log := slog.New(Handler{slog.NewTextHandler(w, nil), w})
	log.Info(RequestMessage, "path", "/late")
	deadline := time.Now().Add(20 * Delay)
	for !strings.Contains(out.String(), "/late") {
		if time.Now().After(deadline) {
			t.Fatalf("a request line was not written within %v", 20*Delay)
		}
		time.Sleep(Delay / 10)
	}
}

func TestLargeBufferFlushesAtOnce(t *testing.T) {
	out := &syncBuffer{}
	w := New(out)
	line := []byte(strings.Repeat("x", 1000) + "\n")
	for range maxBuffered/len(line) + 1 {
		if _, err := w.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	if len(out.String()) < maxBuffered {
		t.Fatalf("%d bytes written after %d buffered", len(out.String()), maxBuffered)
	}
}
