// Package reqinfo carries what a wire dialect learned while serving a
// request (the route it matched and the code it answered) back out to the
// middleware around it, which cannot read the dialect's body. It has no
// dependencies, so the dialects can record without knowing who listens.
package reqinfo

import "context"

// Info is one request's outcome as the dialect saw it.
type Info struct {
	// Dialect is "openim" or "zim".
	Dialect string
	// Route is the OpenIM path or the ZIM Action ("" when none matched).
	Route string
	// Code is the OpenIM errCode or ZIM Code answered.
	Code int
	// RateLimited is true when the answer refused the request for its rate.
	RateLimited bool
	// Recorded is true once a dialect recorded the request.
	Recorded bool
}

type key struct{}

// NewContext returns ctx carrying a fresh Info for the dialect to fill.
func NewContext(ctx context.Context) (context.Context, *Info) {
	info := &Info{}
	return context.WithValue(ctx, key{}, info), info
}

// Record notes the dialect's outcome in ctx's Info; without one it does
// nothing. It is called from the request's own goroutine.
func Record(ctx context.Context, dialect, route string, code int, rateLimited bool) {
	if info, ok := ctx.Value(key{}).(*Info); ok {
		*info = Info{Dialect: dialect, Route: route, Code: code, RateLimited: rateLimited, Recorded: true}
	}
}
