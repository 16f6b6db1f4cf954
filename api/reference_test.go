package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestReferencePage: /openapi.html lists every operation of the document
// with its fields, and every schema.
func TestReferencePage(t *testing.T) {
	rec := httptest.NewRecorder()
	ReferenceHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.html", nil))
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /openapi.html: %d %v", rec.Code, rec.Header())
	}
	page := rec.Body.String()
	spec := loadSpec(t)
	for path, item := range spec["paths"].(map[string]any) {
		for _, op := range item.(map[string]any) {
			id := op.(map[string]any)["operationId"].(string)
			if !strings.Contains(page, `id="`+id+`"`) {
				t.Errorf("the reference lacks %s (%s)", id, path)
			}
		}
	}
	for name := range spec["components"].(map[string]any)["schemas"].(map[string]any) {
		if !strings.Contains(page, `id="schema-`+name+`"`) {
			t.Errorf("the reference lacks the schema %s", name)
		}
	}
	for _, want := range []string{"<code>/group/create_group</code>", "<code>ownerUserID</code>", "/?Action=CreateGroup",
		`<a href="#schema-GroupInfo">`, "zimSignature", "Example answer"} {
		if !strings.Contains(page, want) {
			t.Errorf("the reference lacks %q", want)
		}
	}
}
