package openim

import (
	"net/http"
	"reflect"
)

// Route is one route the handler serves, for tools that check the API
// description against the server (the OpenAPI spec test).
type Route struct {
	Path   string // e.g. "/group/create_group"; always POST
	Public bool   // served without a token
	// Request is the type the JSON body decodes into.
	Request reflect.Type
}

// Routes lists every route NewHandler serves, in registration order.
func Routes() []Route {
	h := &Handler{mux: http.NewServeMux()}
	h.routes()
	return h.routeList
}
