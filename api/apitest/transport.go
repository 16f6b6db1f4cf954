package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// Transport returns next (http.DefaultTransport when nil) with every
// answer to a described operation checked against the document; a
// mismatch is a t.Errorf naming the request and the answer (Errorf, not
// Fatalf: the request may be made on another goroutine).
//
// A described operation's answer is read whole, checked and given back to
// the caller unread; any content type but text/event-stream is read, so an
// answer that is not JSON where the document says JSON is a mismatch too.
// Other requests pass through untouched (streams such as GET /events are
// never buffered), except requests that look like a dialect's (an OpenIM
// path under /auth/, /user/ or /group/, or a ZIM "/?Action=X") yet match
// no operation: their JSON answer is read, and one that reports success
// (HTTP 200 with errCode or Code 0) is a mismatch, for the server serves
// what the document does not describe.
func Transport(t testing.TB, next http.RoundTripper) http.RoundTripper {
	doc, err := Doc()
	if err != nil {
		t.Fatalf("apitest: api/openapi.json: %v", err)
	}
	return newTransport(doc, next, func(msg string) { t.Errorf("%s", msg) })
}

// Run runs the tests of m with http.DefaultTransport checked as Transport
// checks it, for clients a test does not construct (http.Get,
// http.DefaultClient, an http.Client without a Transport, an SDK's own
// client). A mismatch is printed at once and makes the run fail:
//
//	func TestMain(m *testing.M) { os.Exit(apitest.Run(m)) }
func Run(m *testing.M) int {
	doc, err := Doc()
	if err != nil {
		fmt.Fprintf(os.Stderr, "apitest: api/openapi.json: %v\n", err)
		return 1
	}
	var n atomic.Int64
	saved := http.DefaultTransport
	tr := newTransport(doc, saved, func(msg string) {
		n.Add(1)
		fmt.Fprintf(os.Stderr, "--- FAIL (http.DefaultTransport): %s\n", msg)
	})
	http.DefaultTransport = tr
	code := m.Run()
	http.DefaultTransport = saved
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "apitest: %d answers of %d operations checked against api/openapi.json\n", tr.checked.Load(), tr.operations())
	}
	if k := n.Load(); k > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d answers received through http.DefaultTransport do not conform to api/openapi.json (printed above)\n", k)
		if code == 0 {
			code = 1
		}
	}
	return code
}

func newTransport(doc *openapi3.T, next http.RoundTripper, report func(string)) *transport {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{doc: doc, next: next, report: report}
}

type transport struct {
	doc     *openapi3.T
	next    http.RoundTripper
	report  func(string)
	checked atomic.Int64
	ops     sync.Map // "METHOD path key" of the operations checked
}

// operations counts the operations whose answers were checked.
func (c *transport) operations() int {
	n := 0
	c.ops.Range(func(any, any) bool { n++; return true })
	return n
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach next.
func (c *transport) CloseIdleConnections() {
	if ci, ok := c.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

func (c *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt, described := route(c.doc, r)
	if !described && !dialectLike(r) {
		return c.next.RoundTrip(r)
	}
	resp, err := c.next.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	ct := mediaType(resp.Header)
	if ct == "text/event-stream" || !described && ct != "application/json" {
		return resp, nil
	}
	body, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = &replay{Reader: bytes.NewReader(body), err: rerr}
	if rerr != nil {
		return resp, nil // cut short: the caller sees the same error, nothing to check
	}
	switch {
	case described:
		c.checked.Add(1)
		c.ops.Store(rt.Method+" "+rt.Path, true)
		if err := Check(rt, r, resp.StatusCode, resp.Header, body); err != nil {
			c.report(fmt.Sprintf("apitest: %s %s answered what api/openapi.json does not describe: %v\nanswer (HTTP %d, %s): %.600s",
				r.Method, r.URL.RequestURI(), err, resp.StatusCode, resp.Header.Get("Content-Type"), body))
		}
	case resp.StatusCode == http.StatusOK && succeeded(resp.Header, body):
		c.report(fmt.Sprintf("apitest: %s %s matches no operation of api/openapi.json, yet the server served it: is the route missing from the document, or does apitest fail to match it?\nanswer (HTTP %d): %.600s",
			r.Method, r.URL.RequestURI(), resp.StatusCode, body))
	}
	return resp, nil
}

// dialectLike is a request to an OpenIM or ZIM route, described or not.
func dialectLike(r *http.Request) bool {
	p := r.URL.Path
	if p == "/" || p == "" {
		return r.URL.Query().Has("Action")
	}
	for _, prefix := range []string{"/auth/", "/user/", "/group/"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// succeeded is an OpenIM (errCode 0) or ZIM (Code 0) success answer.
func succeeded(header http.Header, body []byte) bool {
	body, err := decoded(header, body)
	if err != nil {
		return false
	}
	var a struct {
		ErrCode *json.Number `json:"errCode"`
		Code    *json.Number `json:"Code"`
	}
	if json.Unmarshal(body, &a) != nil {
		return false
	}
	return a.ErrCode != nil && a.ErrCode.String() == "0" || a.Code != nil && a.Code.String() == "0"
}

func mediaType(h http.Header) string {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// replay is a body read ahead: its bytes, then the error that ended the
// read (io.EOF when none).
type replay struct {
	*bytes.Reader
	err error
}

func (b *replay) Read(p []byte) (int, error) {
	n, err := b.Reader.Read(p)
	if err == io.EOF && b.err != nil {
		err = b.err
	}
	return n, err
}

func (b *replay) Close() error { return nil }
