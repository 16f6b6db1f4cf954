package apitest_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/groupd/groupd/api/apitest"
)

// fixed is a server answering every request with body, of type ctype.
func fixed(t *testing.T, ctype, body string, status int) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		if r.Header.Get("Accept-Encoding") == "gzip" && r.URL.Query().Has("gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			w.WriteHeader(status)
			zw := gzip.NewWriter(w)
			zw.Write([]byte(body))
			zw.Close()
			return
		}
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestTransport(t *testing.T) {
	const (
		good     = `{"errCode":0,"errMsg":"","errDlt":"","data":{"groupInfos":[]}}`
		drifted  = `{"errCode":0,"errMsg":"","errDlt":"","data":{"groupInfos":[],"next":1}}`
		zimExtra = `{"Code":0,"Message":"success","RequestId":"1","Extra":true}`
	)
	for _, c := range []struct {
		name, method, path, ctype, body string
		status                          int
		gzip                            bool
		want                            string // "" : no error
	}{
		{"conforming", "POST", "/group/get_groups_info", "application/json", good, 200, false, ""},
		{"conforming gzip", "POST", "/group/get_groups_info?gzip", "application/json", good, 200, true, ""},
		{"an error answer", "POST", "/group/get_groups_info", "application/json; charset=utf-8", `{"errCode":1004,"errMsg":"RecordNotFoundError","errDlt":": [1004]RecordNotFoundError"}`, 200, false, ""},
		{"undocumented field", "POST", "/group/get_groups_info", "application/json", drifted, 200, false, "answer.data.next"},
		{"undocumented field gzip", "POST", "/group/get_groups_info?gzip", "application/json", drifted, 200, true, "answer.data.next"},
		{"missing field", "POST", "/group/get_groups_info", "application/json", `{"errCode":0,"errMsg":""}`, 200, false, "errDlt"},
		{"undocumented status", "POST", "/group/get_groups_info", "application/json", `{"errCode":0,"errMsg":"","errDlt":""}`, 418, false, "418"},
		{"not JSON where JSON is documented", "POST", "/group/get_groups_info", "text/plain; charset=utf-8", "404 page not found\n", 404, false, "404"},
		{"ZIM POST Action", "POST", "/?Action=QueryGroupInfo&AppId=1", "application/json", zimExtra, 200, false, "answer.Extra"},
		{"ZIM GET Action", "GET", "/?Action=DismissGroup&GroupId=g", "application/json", zimExtra, 200, false, "answer.Extra"},
		{"ZIM error answer", "POST", "/?Action=QueryGroupInfo", "application/json", `{"Code":660000002,"Message":"bad","RequestId":"1"}`, 200, false, ""},
		{"undocumented route", "GET", "/healthz", "text/plain", "ok\n", 200, false, ""},
		{"undocumented JSON route", "GET", "/admin/api/history", "application/json", `{"anything":1}`, 200, false, ""},
		{"unknown ZIM Action failing", "POST", "/?Action=NoSuchAction", "application/json", `{"Code":660000001,"Message":"Action \"NoSuchAction\" is not supported","RequestId":"1"}`, 200, false, ""},
		{"unknown ZIM Action served", "POST", "/?Action=NoSuchAction", "application/json", `{"Code":0,"Message":"success","RequestId":"1"}`, 200, false, "matches no operation"},
		{"ZIM Action on the wrong method served", "GET", "/?Action=QueryGroupInfo", "application/json", `{"Code":0,"Message":"success","RequestId":"1"}`, 200, false, "matches no operation"},
		{"unknown OpenIM route served", "POST", "/group/no_such_route", "application/json", `{"errCode":0,"errMsg":"","errDlt":""}`, 200, false, "matches no operation"},
		{"unknown OpenIM route failing", "POST", "/group/no_such_route", "text/plain", "404 page not found\n", 404, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := &recT{TB: t}
			base := fixed(t, c.ctype, c.body, c.status)
			req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader("{}"))
			if c.gzip {
				req.Header.Set("Accept-Encoding", "gzip") // as OpenIM's SDK does: no transparent decoding
			}
			resp, err := (&http.Client{Transport: apitest.Transport(rec, nil)}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var r io.Reader = resp.Body
			if c.gzip {
				if r, err = gzip.NewReader(resp.Body); err != nil {
					t.Fatal(err)
				}
			}
			got, err := io.ReadAll(r)
			if err != nil || string(got) != c.body {
				t.Errorf("the caller reads %q, %v; the server sent %q", got, err, c.body)
			}
			errs := strings.Join(rec.errs, "\n")
			switch {
			case c.want == "" && errs != "":
				t.Fatalf("unexpected: %s", errs)
			case c.want != "" && !strings.Contains(errs, c.want):
				t.Fatalf("want an error naming %q, got %q", c.want, errs)
			}
		})
	}
}

// TestTransportStreams: an event stream is handed over as it comes, never
// read ahead (the handler writes one event and waits for the client).
func TestTransportStreams(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	rec := &recT{TB: t}
	hc := &http.Client{Transport: apitest.Transport(rec, nil)}
	for _, path := range []string{"/events", "/group/get_groups_info"} { // a stream on any path passes through
		done := make(chan string, 1)
		go func() {
			resp, err := hc.Post(srv.URL+path, "application/json", strings.NewReader("{}"))
			if err != nil {
				done <- err.Error()
				return
			}
			defer resp.Body.Close()
			line, _ := bufio.NewReader(resp.Body).ReadString('\n')
			done <- line
		}()
		select {
		case line := <-done:
			if line != "data: one\n" {
				t.Errorf("%s: first line %q", path, line)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the stream was buffered", path)
		}
	}
	if len(rec.errs) > 0 {
		t.Fatalf("unexpected: %q", rec.errs)
	}
}

// TestTransportCutShort: a body that ends in an error reaches the caller
// with its bytes and the same error, and is not reported as drift.
func TestTransportCutShort(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, `{"errCode":0,`)
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // the connection is cut
	}))
	defer srv.Close()
	rec := &recT{TB: t}
	resp, err := (&http.Client{Transport: apitest.Transport(rec, nil)}).Post(srv.URL+"/group/get_groups_info", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || !bytes.Equal(got, []byte(`{"errCode":0,`)) {
		t.Fatalf("read %q, %v; want the partial body and an error", got, err)
	}
	if len(rec.errs) > 0 {
		t.Fatalf("unexpected: %q", rec.errs)
	}
}
