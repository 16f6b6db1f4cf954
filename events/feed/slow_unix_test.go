//go:build unix

package feed_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/groupd/groupd/client"
	"github.com/groupd/groupd/events/feed"
)

// TestSlowConsumerCutOff: a client that stops reading is cut off once its
// buffer is full, holding no more than that; it resumes by its cursor and
// loses nothing.
func TestSlowConsumerCutOff(t *testing.T) {
	e := newEnv(t, feed.Config{Buffer: 8, WriteTimeout: 300 * time.Millisecond})
	e.users("alice")
	e.group("g1", "alice")
	tok := e.adminToken()
	// A client with a tiny receive window that reads the headers, then
	// nothing.
	d := net.Dialer{Control: func(network, address string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	conn, err := d.Dial("tcp", strings.TrimPrefix(e.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /events HTTP/1.1\r\nHost: x\r\ntoken: %s\r\n\r\n", tok)
	br := bufio.NewReaderSize(conn, 256)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("connect: %v %v", err, resp)
	}
	var first int64
	big := strings.Repeat("x", 60000)
	for i := 0; e.feed.Stats().CutOff == 0; i++ {
		if i == 2000 {
			t.Fatalf("not cut off after %d events of 60 KB", i)
		}
		ex := fmt.Sprint(i, big)
		e.must(e.admin.SetGroupInfoEx(e.ctx, &client.SetGroupInfoExReq{GroupID: "g1", Ex: &ex}))
		if i == 0 {
			first = lastEventID(t, e)
		}
	}
	if a := e.feed.Stats().Active; a != 0 {
		t.Fatalf("%d feeds still active after the cut", a)
	}
	// Read what it got: every event it got is in order; its last cursor
	// resumes the rest.
	var last int64
	sc := bufio.NewScanner(br)
	sc.Buffer(nil, 1<<20)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n := 0
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
			v, _ := strconv.ParseInt(id, 10, 64)
			if v <= last {
				t.Fatalf("id %d after %d", v, last)
			}
			last = v
			n++
		}
	}
	head := lastEventID(t, e)
	t.Logf("cut off after %d events were written (first %d, last seen %d, head %d)", n, first, last, head)
	if last == 0 {
		last = first - 1
	}
	s, code, body := e.open(tok, map[string]string{"Last-Event-ID": strconv.FormatInt(last, 10)}, "")
	if code != 200 {
		t.Fatalf("resume: %d %s", code, body)
	}
	for want := last + 1; want <= head; want++ {
		if m := s.next(t); m.ID != want {
			t.Fatalf("resumed at %d: got %d", want, m.ID)
		}
	}
}

// lastEventID is the newest event's ID (SQLite numbers them in order).
func lastEventID(t *testing.T, e *env) int64 {
	evs, err := e.srv.Store.ReadEvents(context.Background(), zeroPos, 100000)
	if err != nil || len(evs) == 0 {
		t.Fatal(err)
	}
	return evs[len(evs)-1].ID
}
