package api

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"strings"

	"github.com/groupd/groupd/client"
	"github.com/groupd/groupd/client/zim"
)

// obj is a JSON object of the spec.
type obj = map[string]any

// schemas turns Go wire types into JSON Schemas under components/schemas.
type schemas struct {
	prefix string // "" for OpenIM, "Zim" for ZIM
	defs   obj
}

func (s *schemas) ref(t reflect.Type) obj {
	name := s.prefix + t.Name()
	if _, ok := s.defs[name]; !ok {
		s.defs[name] = obj{} // placeholder against recursion
		s.defs[name] = s.object(t)
	}
	return obj{"$ref": "#/components/schemas/" + name}
}

// schema is the schema of a field's type.
func (s *schemas) schema(t reflect.Type) obj {
	switch t.Kind() {
	case reflect.Pointer:
		inner := s.schema(t.Elem())
		if typ, ok := inner["type"].(string); ok {
			out := obj{}
			for k, v := range inner {
				out[k] = v
			}
			out["type"] = []string{typ, "null"}
			return out
		}
		return obj{"oneOf": []any{inner, obj{"type": "null"}}}
	case reflect.Struct:
		return s.ref(t)
	case reflect.Slice:
		return obj{"type": "array", "items": s.schema(t.Elem())}
	case reflect.Map:
		return obj{"type": "object", "additionalProperties": s.schema(t.Elem())}
	case reflect.String:
		return obj{"type": "string"}
	case reflect.Bool:
		return obj{"type": "boolean"}
	case reflect.Int32:
		return obj{"type": "integer", "format": "int32"}
	case reflect.Int, reflect.Int64:
		return obj{"type": "integer", "format": "int64"}
	case reflect.Uint64:
		return obj{"type": "integer", "format": "uint64", "minimum": 0}
	}
	panic(fmt.Sprintf("api: no schema for %v", t))
}

// object is a struct's schema: its JSON fields (embedded structs
// flattened); fields without omitempty are required.
func (s *schemas) object(t reflect.Type) obj {
	props, required := obj{}, []string{}
	s.fields(t, props, &required)
	out := obj{"type": "object", "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}

func (s *schemas) fields(t reflect.Type, props obj, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			s.fields(f.Type, props, required)
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		props[name] = s.schema(f.Type)
		if bound := f.Tag.Get("maximum"); bound != "" {
			// A bound the wire enforces (tag maximum:"N"), as a copy: the
			// type's schema may be shared.
			prop := obj{}
			maps.Copy(prop, props[name].(obj))
			n, err := strconv.Atoi(bound)
			if err != nil {
				panic(fmt.Sprintf("api: field %s: maximum %q", f.Name, bound))
			}
			prop["maximum"] = n
			props[name] = prop
		}
		if !strings.Contains(opts, "omitempty") {
			*required = append(*required, name)
		}
	}
}

// examples are the request and answer of one route, from a live run.
type examples struct {
	Request  json.RawMessage // OpenIM and ZIM POST: the body
	Query    string          // ZIM GET: the Action's own parameters
	Response json.RawMessage // the whole answer
}

const description = `groupd is a self-hostable group service. It speaks two wire dialects over
the same groups:

* **OpenIM** (paths under /auth, /user and /group): every route is POST with
  a JSON body and the header operationID; every route but get_admin_token and
  parse_token needs the header token (an HS256 JWT from /auth/get_admin_token
  or /auth/get_user_token). Every answer is HTTP 200 with
  {errCode, errMsg, errDlt, data}; errCode 0 is success. (HTTP 429 and 503,
  with the same envelope, mean rate limited and busy.)
* **ZIM** (ZEGOCLOUD ZIM's server API, on the root path): the Action query
  parameter picks the operation; each request is signed with AppId,
  SignatureNonce, Timestamp, SignatureVersion=2.0 and
  Signature = md5(AppId + SignatureNonce + ServerSecret + Timestamp).
  GET Actions carry their parameters in the query (arrays as Name[]=a&Name[]=b),
  POST Actions a JSON body. Every answer is HTTP 200 with {Code, Message,
  RequestId, ...}; Code 0 is success. OpenAPI paths cannot hold a query,
  so each Action is described under the path "/#Action=X" (the convention
  of action-style APIs): the request goes to "/" with Action=X in the query,
  as its Action parameter says; the fragment never reaches the server.

A reference page of this document is served at /openapi.html.`

// generate builds the spec; ex holds the examples by path ("/#Action=X"
// for ZIM).
func generate(ex map[string]examples) obj {
	oim := &schemas{defs: obj{}}
	zs := &schemas{prefix: "Zim", defs: oim.defs}
	paths := obj{}
	for _, ep := range client.Endpoints() {
		op := obj{
			"operationId": strings.ReplaceAll(strings.TrimPrefix(ep.Path, "/"), "/", "."),
			"summary":     ep.Summary,
			"tags":        []string{"openim " + strings.Split(ep.Path, "/")[1]},
			"parameters":  []any{obj{"$ref": "#/components/parameters/operationID"}},
		}
		if !ep.Public {
			op["security"] = []any{obj{"token": []string{}}}
		} else {
			op["security"] = []any{}
		}
		body := obj{"schema": oim.ref(ep.Request)}
		if e, ok := ex[ep.Path]; ok && e.Request != nil {
			body["example"] = e.Request
		}
		op["requestBody"] = obj{"required": true, "content": obj{"application/json": body}}
		envelope := obj{"type": "object", "required": []string{"errCode", "errMsg", "errDlt"}, "properties": obj{
			"errCode": obj{"type": "integer", "format": "int32", "description": "0 on success, else an OpenIM error code"},
			"errMsg":  obj{"type": "string", "description": "the error's name"},
			"errDlt":  obj{"type": "string", "description": "the detail, ending in \": [code]Name\""},
		}}
		if ep.Response != nil {
			envelope["properties"].(obj)["data"] = oim.ref(ep.Response)
		}
		answer := obj{"schema": envelope}
		if e, ok := ex[ep.Path]; ok && e.Response != nil {
			answer["example"] = e.Response
		}
		op["responses"] = obj{"200": obj{"description": "The answer; errCode tells success from failure.",
			"content": obj{"application/json": answer}},
			"429": obj{"$ref": "#/components/responses/RateLimited"},
			"431": obj{"$ref": "#/components/responses/HeadersTooLarge"},
			"503": obj{"$ref": "#/components/responses/Busy"}}
		paths[ep.Path] = obj{"post": op}
	}
	for _, a := range zim.Actions() {
		key := "/#Action=" + a.Name
		params := []any{
			obj{"name": "Action", "in": "query", "required": true, "schema": obj{"type": "string", "enum": []string{a.Name}}},
			obj{"$ref": "#/components/parameters/AppId"},
			obj{"$ref": "#/components/parameters/SignatureNonce"},
			obj{"$ref": "#/components/parameters/Timestamp"},
			obj{"$ref": "#/components/parameters/SignatureVersion"},
		}
		op := obj{"operationId": "zim." + a.Name, "summary": a.Summary, "tags": []string{"zim"},
			"security": []any{obj{"zimSignature": []string{}}}}
		e, hasEx := ex[key]
		if a.Method == "GET" {
			for i := range a.Request.NumField() {
				f := a.Request.Field(i)
				name := f.Tag.Get("query")
				sch := zs.schema(f.Type)
				if f.Type.Kind() == reflect.Pointer {
					sch = zs.schema(f.Type.Elem())
				}
				p := obj{"name": name, "in": "query", "schema": sch}
				if f.Type.Kind() == reflect.Slice {
					p["name"] = name + "[]"
					p["style"], p["explode"] = "form", true
				}
				params = append(params, p)
			}
		} else {
			body := obj{"schema": zs.ref(a.Request)}
			if hasEx && e.Request != nil {
				body["example"] = e.Request
			}
			op["requestBody"] = obj{"required": true, "content": obj{"application/json": body}}
		}
		op["parameters"] = params
		// A refused call answers the bare envelope; a success (or an
		// all-failed batch) the Action's whole answer.
		answer := obj{"schema": obj{"anyOf": []any{zs.ref(a.Response), obj{"$ref": "#/components/schemas/ZimEnvelope"}}}}
		if hasEx && e.Response != nil {
			answer["example"] = e.Response
		}
		op["responses"] = obj{"200": obj{"description": "The answer; Code tells success from failure.",
			"content": obj{"application/json": answer}},
			"431": obj{"$ref": "#/components/responses/HeadersTooLarge"},
			"503": obj{"$ref": "#/components/responses/ZimBusy"}}
		paths[key] = obj{strings.ToLower(a.Method): op}
	}
	oim.defs["ErrorEnvelope"] = obj{"type": "object", "required": []string{"errCode", "errMsg", "errDlt"}, "properties": obj{
		"errCode": obj{"type": "integer", "format": "int32"}, "errMsg": obj{"type": "string"}, "errDlt": obj{"type": "string"}}}
	oim.defs["ZimEnvelope"] = obj{"type": "object", "required": []string{"Code", "Message", "RequestId"}, "properties": obj{
		"Code": obj{"type": "integer", "format": "int32"}, "Message": obj{"type": "string"}, "RequestId": obj{"type": "string"}}}
	str := func(desc string) obj {
		return obj{"in": "query", "required": true, "schema": obj{"type": "string"}, "description": desc}
	}
	appID := str("the app's ID (unsigned 32-bit)")
	appID["name"] = "AppId"
	nonce := str("a random string used once, usually 16 hex digits")
	nonce["name"] = "SignatureNonce"
	ts := str("Unix seconds, within 10 minutes of the server's clock")
	ts["name"] = "Timestamp"
	ver := obj{"name": "SignatureVersion", "in": "query", "required": true, "schema": obj{"type": "string", "enum": []string{"2.0"}}}
	return obj{
		"openapi": "3.1.0",
		"info":    obj{"title": "groupd", "version": "1", "description": description},
		"servers": []any{obj{"url": "http://localhost:10002"}},
		"tags": []any{
			obj{"name": "openim auth", "description": "OpenIM dialect: tokens"},
			obj{"name": "openim user", "description": "OpenIM dialect: users"},
			obj{"name": "openim group", "description": "OpenIM dialect: groups, members, requests, mutes, sync"},
			obj{"name": "zim", "description": "ZIM server API dialect"},
		},
		"paths": paths,
		"components": obj{
			"schemas": oim.defs,
			"securitySchemes": obj{
				"token": obj{"type": "apiKey", "in": "header", "name": "token",
					"description": "an OpenIM token from /auth/get_admin_token or /auth/get_user_token"},
				"zimSignature": obj{"type": "apiKey", "in": "query", "name": "Signature",
					"description": "md5(AppId + SignatureNonce + ServerSecret + Timestamp), lowercase hex; with the query parameters AppId, SignatureNonce, Timestamp and SignatureVersion=2.0 it signs the request"},
			},
			"responses": obj{
				"RateLimited": obj{"description": "Over --openim-user-qps: errCode 500, errDlt \"rate limited: …\"; Retry-After: 1.",
					"headers": obj{"Retry-After": obj{"$ref": "#/components/headers/RetryAfter"}},
					"content": obj{"application/json": obj{"schema": obj{"$ref": "#/components/schemas/ErrorEnvelope"}}}},
				"Busy": obj{"description": "Over --max-inflight: errCode 500, errDlt \"server busy: …\"; Retry-After: 1.",
					"headers": obj{"Retry-After": obj{"$ref": "#/components/headers/RetryAfter"}},
					"content": obj{"application/json": obj{"schema": obj{"$ref": "#/components/schemas/ErrorEnvelope"}}}},
				"ZimBusy": obj{"description": "Over --max-inflight: Code 7, service request overload; Retry-After: 1.",
					"headers": obj{"Retry-After": obj{"$ref": "#/components/headers/RetryAfter"}},
					"content": obj{"application/json": obj{"schema": obj{"$ref": "#/components/schemas/ZimEnvelope"}}}},
				"HeadersTooLarge": obj{"description": "Request headers over 64 KiB, refused by the HTTP server before any dialect.",
					"content": obj{"text/plain": obj{"schema": obj{"type": "string"}}}},
			},
			"headers": obj{
				"RetryAfter": obj{"description": "seconds to wait before trying again", "schema": obj{"type": "integer"}},
			},
			"parameters": obj{
				"operationID": obj{"name": "operationID", "in": "header", "required": true, "schema": obj{"type": "string"},
					"description": "any string identifying the call; the server logs it"},
				"AppId": appID, "SignatureNonce": nonce, "Timestamp": ts, "SignatureVersion": ver,
			},
		},
	}
}
