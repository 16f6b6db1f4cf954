// Package apitest keeps the OpenAPI document honest in tests: Wrap puts a
// check in front of a test server that validates every answer of an
// OpenIM route or a ZIM Action against api/openapi.json, with a real
// validator (kin-openapi: status, content type, types, required fields)
// and one rule more, that an answer has no field the document does not
// describe. A failed check fails the test that made the request.
//
//	srv := httptest.NewServer(apitest.Wrap(t, handler))
//
// Transport is the same check on the client side, for tests that drive a
// server they do not build in-process (the groupd binary):
//
//	hc := &http.Client{Transport: apitest.Transport(t, nil)}
//
// and Run wraps http.DefaultTransport for a whole test binary (TestMain),
// for clients the tests do not construct (http.Get, an SDK's own client).
package apitest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/groupd/groupd/api"
)

var loaded struct {
	once sync.Once
	doc  *openapi3.T
	err  error
}

// Doc is the parsed document.
func Doc() (*openapi3.T, error) {
	loaded.once.Do(func() {
		loaded.doc, loaded.err = openapi3.NewLoader().LoadFromData(api.Spec())
		if loaded.err == nil {
			loaded.err = loaded.doc.Validate(context.Background())
		}
	})
	return loaded.doc, loaded.err
}

// route finds the operation of a request: the OpenIM path, or the ZIM
// Action (described at "/#Action=X"). ok is false for other requests.
func route(doc *openapi3.T, r *http.Request) (*routers.Route, bool) {
	key := r.URL.Path
	if key == "/" || key == "" { // a client's "http://host?Action=X" has no path
		action := r.URL.Query().Get("Action")
		if action == "" {
			return nil, false
		}
		key = "/#Action=" + action
	}
	item := doc.Paths.Value(key)
	if item == nil {
		return nil, false
	}
	op := item.GetOperation(r.Method)
	if op == nil {
		return nil, false
	}
	return &routers.Route{Spec: doc, Path: key, PathItem: item, Method: r.Method, Operation: op}, true
}

// buffer holds an answer until it is checked.
type buffer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *buffer) Header() http.Header { return b.header }
func (b *buffer) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *buffer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// Wrap returns next with every answer to a described operation checked
// against the document before it is sent; a mismatch is a t.Errorf naming
// the request and the answer.
func Wrap(t testing.TB, next http.Handler) http.Handler {
	doc, err := Doc()
	if err != nil {
		t.Fatalf("apitest: api/openapi.json: %v", err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt, ok := route(doc, r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		buf := &buffer{header: w.Header()}
		next.ServeHTTP(buf, r)
		if buf.status == 0 {
			buf.status = http.StatusOK
		}
		if err := Check(rt, r, buf.status, buf.header, buf.body.Bytes()); err != nil {
			t.Errorf("apitest: %s %s answered what api/openapi.json does not describe: %v\nanswer (HTTP %d): %.600s",
				r.Method, r.URL.RequestURI(), err, buf.status, buf.body.Bytes())
		}
		w.WriteHeader(buf.status)
		w.Write(buf.body.Bytes())
	})
}

// Check validates one answer of the operation rt.
func Check(rt *routers.Route, r *http.Request, status int, header http.Header, body []byte) error {
	body, err := decoded(header, body)
	if err != nil {
		return err
	}
	// The request's body was read by the handler; the check needs only
	// its method, URL and headers.
	req := r.Clone(context.Background())
	req.Body = http.NoBody
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: rt},
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return errors.New(summarize(err))
	}
	resp := rt.Operation.Responses.Status(status)
	if resp == nil || resp.Value == nil || !strings.HasPrefix(header.Get("Content-Type"), "application/json") {
		return nil
	}
	mt := resp.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	var x any
	if err := json.Unmarshal(body, &x); err != nil {
		return err
	}
	return closed("answer", x, mt.Schema.Value)
}

// decoded is body without its Content-Encoding (gzip, the one groupd uses).
func decoded(header http.Header, body []byte) ([]byte, error) {
	if header.Get("Content-Encoding") != "gzip" {
		return body, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if body, err = io.ReadAll(zr); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return body, nil
}

// closed reports a field of x that its schema does not describe.
func closed(path string, x any, s *openapi3.Schema) error {
	if s == nil {
		return nil
	}
	if alts := append(append(openapi3.SchemaRefs{}, s.OneOf...), s.AnyOf...); len(alts) > 0 {
		var errs []string
		for _, alt := range alts {
			err := closed(path, x, alt.Value)
			if err == nil {
				return nil
			}
			errs = append(errs, err.Error())
		}
		return fmt.Errorf("%s: no alternative fits: %s", path, strings.Join(errs, "; "))
	}
	switch x := x.(type) {
	case map[string]any:
		for k, v := range x {
			ps := s.Properties[k]
			if ps == nil {
				if s.AdditionalProperties.Schema == nil {
					return fmt.Errorf("%s.%s: the document has no such field", path, k)
				}
				ps = s.AdditionalProperties.Schema
			}
			if err := closed(path+"."+k, v, ps.Value); err != nil {
				return err
			}
		}
	case []any:
		if s.Items == nil {
			return nil
		}
		for i, v := range x {
			if err := closed(fmt.Sprintf("%s[%d]", path, i), v, s.Items.Value); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckAnswer checks an answer to r as Check does, when r is a described
// operation; described is false otherwise (and err nil, unless the
// document does not load).
func CheckAnswer(r *http.Request, status int, header http.Header, body []byte) (described bool, err error) {
	doc, err := Doc()
	if err != nil {
		return false, err
	}
	rt, ok := route(doc, r)
	if !ok {
		return false, nil
	}
	return true, Check(rt, r, status, header, body)
}

// Verify checks a recorded answer to r, when r is a described operation.
func Verify(t testing.TB, r *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	doc, err := Doc()
	if err != nil {
		t.Fatalf("apitest: api/openapi.json: %v", err)
	}
	rt, ok := route(doc, r)
	if !ok {
		return
	}
	if err := Check(rt, r, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
		t.Errorf("apitest: %s %s: %v", r.Method, r.URL.RequestURI(), err)
	}
}

// summarize is a validation error without the schemas kin-openapi prints
// in full: each problem as "/pointer: reason".
func summarize(err error) string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		var me openapi3.MultiError
		if errors.As(err, &me) {
			for _, e := range me {
				walk(e)
			}
			return
		}
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			if me := (openapi3.MultiError{}); errors.As(se.Origin, &me) {
				walk(me)
				return
			}
			out = append(out, "/"+strings.Join(se.JSONPointer(), "/")+": "+se.Reason)
			return
		}
		var re *openapi3filter.ResponseError
		if errors.As(err, &re) && re.Err != nil && re.Err != err {
			if re.Reason != "" {
				out = append(out, re.Reason)
			}
			walk(re.Err)
			return
		}
		out = append(out, err.Error())
	}
	walk(err)
	return strings.Join(out, "; ")
}
