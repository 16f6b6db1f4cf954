package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestSpecValidates: the document is valid OpenAPI 3.1 for a real
// validator (kin-openapi), examples included, and keeps the rules linters
// such as Redocly's recommended set check and kin-openapi does not: no
// query in a path, a security requirement on every operation, a 4xx
// answer on every operation.
func TestSpecValidates(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(Spec())
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("openapi.json is not valid OpenAPI: %v", err)
	}
	if l := doc.Info.License; l != nil && (l.Name == "" || l.URL == "") {
		t.Errorf("info.license %+v: a license needs a name and a url", l)
	}
	for path, item := range doc.Paths.Map() {
		if strings.ContainsAny(path, "?") {
			t.Errorf("path %q holds a query", path)
		}
		for method, op := range item.Operations() {
			if op.Security == nil {
				t.Errorf("%s %s: no security requirement (say [] for none)", method, path)
			} else {
				for _, req := range *op.Security {
					for name := range req {
						if doc.Components.SecuritySchemes[name] == nil {
							t.Errorf("%s %s: security scheme %q is not defined", method, path, name)
						}
					}
				}
			}
			has4xx := false
			for code := range op.Responses.Map() {
				has4xx = has4xx || strings.HasPrefix(code, "4")
			}
			if !has4xx {
				t.Errorf("%s %s: no 4xx answer", method, path)
			}
			if op.OperationID == "" || op.Summary == "" {
				t.Errorf("%s %s: no operationId or summary", method, path)
			}
			if strings.HasPrefix(path, "/#Action=") {
				if method != http.MethodGet && method != http.MethodPost {
					t.Errorf("%s %s: ZIM Actions are GET or POST", method, path)
				}
				action := op.Parameters.GetByInAndName("query", "Action")
				if action == nil || !action.Required || len(action.Schema.Value.Enum) != 1 || action.Schema.Value.Enum[0] != strings.TrimPrefix(path, "/#Action=") {
					t.Errorf("%s %s: the Action query parameter does not name the Action", method, path)
				}
			}
		}
	}
}
