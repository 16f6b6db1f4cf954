// Package sdkcompat is the compatibility suite of groupd against OpenIM's own
// Go SDK: it builds and starts the real groupd binary (SQLite, and
// PostgreSQL when it answers at 127.0.0.1:5432) and drives every OpenIM
// route through openim-sdk-core v3.8.3's typed HTTP callers (pkg/api, and
// pkg/network.ApiPost for the routes pkg/api does not list) with the
// protocol structs the SDK pins. Any answer the SDK cannot decode fails.
//
// It is its own module so the server's module does not take the SDK's
// dependencies; `go test ./...` at the repository root does not run it.
// See README.md.
package sdkcompat
