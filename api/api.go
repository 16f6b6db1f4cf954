// Package api holds groupd's OpenAPI 3.1 description of both wire dialects
// (openapi.json, embedded in the binary and served at GET /openapi.json).
//
// The spec is generated from the wire types of the Go client (client and
// client/zim) by this package's tests, which also check it against the
// server: every route the server serves is in the spec and the other way
// round, the examples decode strictly into the real request and response
// types, and the live server's answers match the spec's schemas.
// Regenerate with:
//
//	go test ./api -run TestSpecIsGenerated -update
package api

import (
	_ "embed"
	"net/http"
	"strconv"
)

//go:embed openapi.json
var spec []byte

// Spec returns the OpenAPI document (JSON).
func Spec() []byte { return spec }

// Handler serves the document.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(spec)))
		h.Set("Access-Control-Allow-Origin", "*") // so that Swagger UI and editors elsewhere can load it
		w.Write(spec)
	})
}
