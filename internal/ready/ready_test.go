package ready

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestWaitsUntilTheProbeAnswers200(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	}))
	defer srv.Close()
	if err := Wait(context.Background(), srv.URL+"/readyz", nil, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("%d polls, want 3 (two 503, then 200)", n)
	}
}

// freeURL is the URL of a loopback port nobody listens on.
func freeURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	return "http://" + ln.Addr().String() + "/readyz"
}

func TestWaitGivesUp(t *testing.T) {
	url := freeURL(t)
	if err := Wait(context.Background(), url, nil, 50*time.Millisecond); err == nil || !strings.Contains(err.Error(), "not ready within") {
		t.Fatalf("timeout: %v", err)
	}
	exited := make(chan error, 1)
	exited <- errors.New("exit status 1")
	if err := Wait(context.Background(), url, exited, time.Minute); err == nil || !strings.Contains(err.Error(), "exit status 1") {
		t.Fatalf("exited: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Wait(ctx, url, nil, time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}
