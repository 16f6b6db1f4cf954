package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/groupd/groupd/client"
	zimclient "github.com/groupd/groupd/client/zim"
	"github.com/groupd/groupd/openim"
	"github.com/groupd/groupd/zim"
)

var update = flag.Bool("update", false, "regenerate openapi.json (examples from a live run)")

// exampleKeys are the parts of the spec that come from a live run.
var exampleKeys = []string{"example", "x-example-query"}

// stripExamples removes the examples from a decoded spec, in place.
func stripExamples(v any) {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range exampleKeys {
			delete(v, k)
		}
		for _, x := range v {
			stripExamples(x)
		}
	case []any:
		for _, x := range v {
			stripExamples(x)
		}
	}
}

func encode(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// normalize round-trips v through JSON.
func normalize(t *testing.T, v any) any {
	t.Helper()
	var out any
	if err := json.Unmarshal(encode(v), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func loadSpec(t *testing.T) map[string]any {
	t.Helper()
	var s map[string]any
	if err := json.Unmarshal(Spec(), &s); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return s
}

// TestSpecIsGenerated: openapi.json is what the generator makes of the
// client's wire types (examples aside, which come from a live run).
func TestSpecIsGenerated(t *testing.T) {
	if *update {
		ex := map[string]examples{}
		for _, c := range runScenario(t) {
			e := examples{Response: c.resp, Query: c.query}
			if c.body != nil {
				e.Request = c.body
			}
			ex[c.key] = e
		}
		spec := generate(ex)
		for key, e := range ex {
			if e.Query != "" { // ZIM GET: the query as an extension
				for _, op := range spec["paths"].(obj)[key].(obj) {
					op.(obj)["x-example-query"] = e.Query
				}
			}
		}
		if err := os.WriteFile("openapi.json", encode(spec), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("wrote openapi.json; run the tests again without -update")
		return
	}
	want := normalize(t, generate(nil))
	got := normalize(t, loadSpec(t))
	stripExamples(got)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("openapi.json is not what the client's wire types give; run\n\tgo test ./api -run TestSpecIsGenerated -update\n%s",
			firstDiff("", got, want))
	}
}

// firstDiff names where two decoded JSON values first differ.
func firstDiff(path string, a, b any) string {
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok {
			return path + ": object vs " + fmt.Sprintf("%T", b)
		}
		keys := map[string]bool{}
		for k := range a {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			if !reflect.DeepEqual(a[k], bm[k]) {
				return firstDiff(path+"/"+k, a[k], bm[k])
			}
		}
	case []any:
		bs, ok := b.([]any)
		if !ok || len(a) != len(bs) {
			return fmt.Sprintf("%s: %v vs %v", path, a, b)
		}
		for i := range a {
			if !reflect.DeepEqual(a[i], bs[i]) {
				return firstDiff(fmt.Sprintf("%s/%d", path, i), a[i], bs[i])
			}
		}
	}
	return fmt.Sprintf("%s: file has %v, generator %v", path, a, b)
}

func specPaths(t *testing.T) map[string]any { return loadSpec(t)["paths"].(map[string]any) }

// TestSpecRoutesAreServed: every route the server serves is in the spec,
// and every spec route is served, on its method.
func TestSpecRoutesAreServed(t *testing.T) {
	paths := specPaths(t)
	inSpec := map[string]string{} // key → method
	for key, item := range paths {
		for method := range item.(map[string]any) {
			inSpec[key] = strings.ToUpper(method)
		}
	}
	served := map[string]string{}
	for _, r := range openim.Routes() {
		served[r.Path] = http.MethodPost
	}
	for _, a := range zim.Actions() {
		served["/#Action="+a.Name] = a.Method
	}
	for key, m := range served {
		if got, ok := inSpec[key]; !ok {
			t.Errorf("served but not in the spec: %s %s", m, key)
		} else if got != m {
			t.Errorf("%s: spec says %s, server %s", key, got, m)
		}
	}
	for key, m := range inSpec {
		if _, ok := served[key]; !ok {
			t.Errorf("in the spec but not served: %s %s", m, key)
		}
	}
}

// strict decodes b into a new value of type t, refusing unknown fields.
func strict(b []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(reflect.New(t).Interface())
}

func jsonExample(t *testing.T, v any) []byte {
	t.Helper()
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestExamplesDecode: every operation has examples, and they decode
// strictly into the server's request types (OpenIM) and the wire types of
// the client (answers, and ZIM requests).
func TestExamplesDecode(t *testing.T) {
	paths := specPaths(t)
	serverReq := map[string]reflect.Type{}
	for _, r := range openim.Routes() {
		serverReq[r.Path] = r.Request
	}
	for _, ep := range client.Endpoints() {
		op := paths[ep.Path].(map[string]any)["post"].(map[string]any)
		req := jsonExample(t, dig(op, "requestBody", "content", "application/json", "example"))
		resp := jsonExample(t, dig(op, "responses", "200", "content", "application/json", "example"))
		if req == nil || resp == nil {
			t.Errorf("%s: no request or answer example", ep.Path)
			continue
		}
		if err := strict(req, serverReq[ep.Path]); err != nil {
			t.Errorf("%s: request example does not decode into the server's %v: %v", ep.Path, serverReq[ep.Path], err)
		}
		var env struct {
			ErrCode int             `json:"errCode"`
			ErrMsg  string          `json:"errMsg"`
			ErrDlt  string          `json:"errDlt"`
			Data    json.RawMessage `json:"data"`
		}
		if err := strict(resp, reflect.TypeOf(env)); err != nil {
			t.Errorf("%s: answer example: %v", ep.Path, err)
			continue
		}
		json.Unmarshal(resp, &env)
		switch {
		case ep.Response == nil && env.Data != nil:
			t.Errorf("%s: answer example has data, the route answers none", ep.Path)
		case ep.Response != nil:
			if err := strict(env.Data, ep.Response); err != nil {
				t.Errorf("%s: answer example's data does not decode into %v: %v", ep.Path, ep.Response, err)
			}
		}
	}
	for _, a := range zimclient.Actions() {
		key := "/#Action=" + a.Name
		op := paths[key].(map[string]any)[strings.ToLower(a.Method)].(map[string]any)
		resp := jsonExample(t, dig(op, "responses", "200", "content", "application/json", "example"))
		if resp == nil {
			t.Errorf("%s: no answer example", key)
		} else if err := strict(resp, a.Response); err != nil {
			t.Errorf("%s: answer example does not decode into %v: %v", key, a.Response, err)
		}
		if a.Method == http.MethodPost {
			req := jsonExample(t, dig(op, "requestBody", "content", "application/json", "example"))
			if req == nil {
				t.Errorf("%s: no request example", key)
			} else if err := strict(req, a.Request); err != nil {
				t.Errorf("%s: request example does not decode into %v: %v", key, a.Request, err)
			}
			continue
		}
		q, _ := op["x-example-query"].(string)
		values, err := url.ParseQuery(q)
		if q == "" || err != nil {
			t.Errorf("%s: no example query (%v)", key, err)
			continue
		}
		declared := map[string]bool{}
		for _, p := range op["parameters"].([]any) {
			if name, ok := p.(map[string]any)["name"].(string); ok {
				declared[name] = true
			}
		}
		for name := range values {
			if !declared[name] {
				t.Errorf("%s: example query parameter %s is not declared", key, name)
			}
		}
	}
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// TestLiveAnswersMatchSchemas runs every route on a real server and checks
// each request and answer against the spec's schemas: no field the spec
// lacks, every required field there, every type right.
func TestLiveAnswersMatchSchemas(t *testing.T) {
	spec := loadSpec(t)
	v := &validator{root: spec}
	paths := spec["paths"].(map[string]any)
	seen := map[string]bool{}
	for _, c := range runScenario(t) {
		seen[c.key] = true
		var op map[string]any
		for _, o := range paths[c.key].(map[string]any) {
			op = o.(map[string]any)
		}
		if c.body != nil {
			if err := v.check(c.body, dig(op, "requestBody", "content", "application/json", "schema")); err != nil {
				t.Errorf("%s request: %v\n%s", c.key, err, c.body)
			}
		}
		if err := v.check(c.resp, dig(op, "responses", "200", "content", "application/json", "schema")); err != nil {
			t.Errorf("%s answer: %v\n%s", c.key, err, c.resp)
		}
	}
	for key := range paths {
		if !seen[key] {
			t.Errorf("%s is not in the scenario", key)
		}
	}
}

// validator checks JSON against the subset of JSON Schema the generator
// writes, treating every object as closed.
type validator struct{ root map[string]any }

func (v *validator) check(doc []byte, schema any) error {
	var x any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&x); err != nil {
		return err
	}
	return v.value("", x, schema)
}

func (v *validator) resolve(s map[string]any) map[string]any {
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		s = dig(v.root, strings.Split(strings.TrimPrefix(ref, "#/"), "/")...).(map[string]any)
	}
}

func (v *validator) value(path string, x, schema any) error {
	s := v.resolve(schema.(map[string]any))
	alts, ok := s["oneOf"].([]any)
	if !ok {
		alts, ok = s["anyOf"].([]any)
	}
	if ok {
		var errs []string
		for _, alt := range alts {
			err := v.value(path, x, alt)
			if err == nil {
				return nil
			}
			errs = append(errs, err.Error())
		}
		return fmt.Errorf("%s: matches no alternative: %s", path, strings.Join(errs, "; "))
	}
	var types []string
	switch t := s["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			types = append(types, x.(string))
		}
	}
	kind := jsonKind(x)
	if !slices.Contains(types, kind) && !(kind == "integer" && slices.Contains(types, "number")) {
		return fmt.Errorf("%s: %s, want %v", path, kind, types)
	}
	switch x := x.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		extra, _ := s["additionalProperties"].(map[string]any)
		for k, val := range x {
			ps, ok := props[k]
			if !ok && extra == nil {
				return fmt.Errorf("%s: field %q is not in the spec", path, k)
			}
			if !ok {
				ps = extra
			}
			if err := v.value(path+"."+k, val, ps); err != nil {
				return err
			}
		}
		req, _ := s["required"].([]any)
		for _, r := range req {
			if _, ok := x[r.(string)]; !ok {
				return fmt.Errorf("%s: required field %q missing", path, r)
			}
		}
	case []any:
		for i, item := range x {
			if err := v.value(fmt.Sprintf("%s[%d]", path, i), item, s["items"]); err != nil {
				return err
			}
		}
	}
	return nil
}

func jsonKind(x any) string {
	switch x := x.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if strings.ContainsAny(x.String(), ".eE") {
			return "number"
		}
		return "integer"
	case []any:
		return "array"
	}
	return "object"
}

func TestHandlerServesTheSpec(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" || !bytes.Equal(rec.Body.Bytes(), Spec()) {
		t.Fatalf("GET /openapi.json: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if loadSpec(t)["openapi"] != "3.1.0" {
		t.Fatal("not OpenAPI 3.1")
	}
}
