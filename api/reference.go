package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// ReferenceHandler serves a readable reference of the OpenAPI document
// (GET /openapi.html): every operation by tag with its parameters, request
// and answer fields, and the examples of a live run; every schema's
// fields. It is rendered in Go from the embedded document, once, and needs
// no script.
func ReferenceHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, err := Reference()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		w.Write(page)
	})
}

var reference struct {
	once sync.Once
	page []byte
	err  error
}

// Reference is the reference page's HTML.
func Reference() ([]byte, error) {
	reference.once.Do(func() { reference.page, reference.err = renderReference(spec) })
	return reference.page, reference.err
}

type refDoc struct {
	Title, Version string
	Description    []refPara
	Tags           []refTag
	Schemas        []refSchema
	Security       []refField
}

// refPara is a paragraph of the description, or a bulleted list.
type refPara struct {
	Text    string
	Bullets []string
}

type refTag struct {
	Name, Description, ID string
	Ops                   []refOp
}

type refOp struct {
	ID, Method, Path, Summary, Security string
	Params                              []refField
	Body                                *refSchemaRef
	Answers                             []refAnswer
	ExampleRequest, ExampleQuery        string
	ExampleAnswer                       string
}

type refAnswer struct {
	Status, Description string
	Schema              *refSchemaRef
}

type refSchemaRef struct {
	Name   string // a components/schemas name, linked; "" when inline
	Fields []refField
}

type refField struct {
	Name, In, Type, Description string
	Required                    bool
	Link                        string // schema name of the type, when it is one
}

type refSchema struct {
	Name   string
	Fields []refField
}

type jobj = map[string]any

func str(v any) string { s, _ := v.(string); return s }

func renderReference(raw []byte) ([]byte, error) {
	var doc jobj
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	comp, _ := doc["components"].(jobj)
	resolve := func(v any) jobj {
		m, _ := v.(jobj)
		for m != nil {
			ref := str(m["$ref"])
			if ref == "" {
				return m
			}
			var cur any = doc
			for _, k := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
				cm, _ := cur.(jobj)
				cur = cm[k]
			}
			m, _ = cur.(jobj)
		}
		return m
	}
	refName := func(v any) string {
		m, _ := v.(jobj)
		return strings.TrimPrefix(str(m["$ref"]), "#/components/schemas/")
	}
	var typeOf func(v any) (string, string)
	typeOf = func(v any) (string, string) {
		m, _ := v.(jobj)
		if name := refName(m); name != "" {
			return name, name
		}
		if alts, ok := m["oneOf"].([]any); ok {
			var parts []string
			link := ""
			for _, a := range alts {
				t, l := typeOf(a)
				parts = append(parts, t)
				if l != "" {
					link = l
				}
			}
			return strings.Join(parts, " or "), link
		}
		var t string
		switch tv := m["type"].(type) {
		case string:
			t = tv
		case []any:
			var parts []string
			for _, x := range tv {
				parts = append(parts, str(x))
			}
			t = strings.Join(parts, " or ")
		}
		if f := str(m["format"]); f != "" {
			t += " (" + f + ")"
		}
		if enum, ok := m["enum"].([]any); ok {
			var vals []string
			for _, e := range enum {
				vals = append(vals, fmt.Sprint(e))
			}
			t += " = " + strings.Join(vals, " | ")
		}
		switch {
		case strings.HasPrefix(t, "array"):
			it, l := typeOf(m["items"])
			return "array of " + it, l
		case strings.HasPrefix(t, "object") && m["additionalProperties"] != nil:
			it, l := typeOf(m["additionalProperties"])
			return "map of " + it, l
		}
		return t, ""
	}
	fields := func(schema any) []refField {
		s := resolve(schema)
		props, _ := s["properties"].(jobj)
		var req []string
		reqs, _ := s["required"].([]any)
		for _, r := range reqs {
			req = append(req, str(r))
		}
		names := make([]string, 0, len(props))
		for k := range props {
			names = append(names, k)
		}
		sort.Strings(names)
		var out []refField
		for _, n := range names {
			t, l := typeOf(props[n])
			pm, _ := props[n].(jobj)
			out = append(out, refField{Name: n, Type: t, Link: l, Required: slices.Contains(req, n), Description: str(pm["description"])})
		}
		return out
	}
	schemaRef := func(schema any) *refSchemaRef {
		if schema == nil {
			return nil
		}
		return &refSchemaRef{Name: refName(schema), Fields: fields(schema)}
	}
	pretty := func(v any) string {
		if v == nil {
			return ""
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		enc.Encode(v)
		return strings.TrimSpace(buf.String())
	}

	info, _ := doc["info"].(jobj)
	out := refDoc{Title: str(info["title"]), Version: str(info["version"])}
	for _, p := range strings.Split(strings.ReplaceAll(str(info["description"]), "**", ""), "\n\n") {
		if rest, ok := strings.CutPrefix(p, "* "); ok {
			out.Description = append(out.Description, refPara{Bullets: strings.Split(rest, "\n* ")})
		} else {
			out.Description = append(out.Description, refPara{Text: p})
		}
	}
	byTag := map[string]*refTag{}
	for _, t := range doc["tags"].([]any) {
		tm := t.(jobj)
		name := str(tm["name"])
		out.Tags = append(out.Tags, refTag{Name: name, Description: str(tm["description"]), ID: "tag-" + strings.ReplaceAll(name, " ", "-")})
	}
	for i := range out.Tags {
		byTag[out.Tags[i].Name] = &out.Tags[i]
	}
	paths, _ := doc["paths"].(jobj)
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, path := range keys {
		item := paths[path].(jobj)
		for _, method := range []string{"get", "post"} {
			opv, ok := item[method]
			if !ok {
				continue
			}
			op := opv.(jobj)
			ro := refOp{ID: str(op["operationId"]), Method: strings.ToUpper(method), Path: path, Summary: str(op["summary"])}
			if strings.HasPrefix(path, "/#Action=") {
				ro.Path = "/?Action=" + strings.TrimPrefix(path, "/#Action=")
			}
			var sec []string
			if reqs, ok := op["security"].([]any); ok {
				for _, r := range reqs {
					for name := range r.(jobj) {
						sec = append(sec, name)
					}
				}
				if len(reqs) == 0 {
					sec = append(sec, "none")
				}
			}
			ro.Security = strings.Join(sec, ", ")
			params, _ := op["parameters"].([]any)
			for _, p := range params {
				pm := resolve(p)
				t, _ := typeOf(pm["schema"])
				req, _ := pm["required"].(bool)
				ro.Params = append(ro.Params, refField{Name: str(pm["name"]), In: str(pm["in"]), Type: t, Required: req, Description: str(pm["description"])})
			}
			if body := resolve(op["requestBody"]); body != nil {
				ct := resolve(resolve(body["content"])["application/json"])
				ro.Body = schemaRef(ct["schema"])
				ro.ExampleRequest = pretty(ct["example"])
			}
			ro.ExampleQuery = str(op["x-example-query"])
			resps, _ := op["responses"].(jobj)
			codes := make([]string, 0, len(resps))
			for c := range resps {
				codes = append(codes, c)
			}
			sort.Strings(codes)
			for _, c := range codes {
				r := resolve(resps[c])
				a := refAnswer{Status: c, Description: str(r["description"])}
				if ct := resolve(resolve(r["content"])["application/json"]); ct != nil {
					a.Schema = schemaRef(ct["schema"])
					if c == "200" {
						ro.ExampleAnswer = pretty(ct["example"])
					}
				}
				ro.Answers = append(ro.Answers, a)
			}
			var tag string
			if tags, ok := op["tags"].([]any); ok && len(tags) > 0 {
				tag = str(tags[0])
			}
			t := byTag[tag]
			if t == nil {
				out.Tags = append(out.Tags, refTag{Name: tag, ID: "tag-" + strconv.Itoa(len(out.Tags))})
				t = &out.Tags[len(out.Tags)-1]
				byTag = map[string]*refTag{}
				for i := range out.Tags {
					byTag[out.Tags[i].Name] = &out.Tags[i]
				}
				t = byTag[tag]
			}
			t.Ops = append(t.Ops, ro)
		}
	}
	schemas, _ := comp["schemas"].(jobj)
	names := make([]string, 0, len(schemas))
	for k := range schemas {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, n := range names {
		out.Schemas = append(out.Schemas, refSchema{Name: n, Fields: fields(schemas[n])})
	}
	secs, _ := comp["securitySchemes"].(jobj)
	for _, n := range []string{"token", "zimSignature"} {
		if s, ok := secs[n].(jobj); ok {
			out.Security = append(out.Security, refField{Name: n, In: str(s["in"]) + " " + str(s["name"]), Description: str(s["description"])})
		}
	}
	var buf bytes.Buffer
	if err := referenceTmpl.Execute(&buf, out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var referenceTmpl = template.Must(template.New("ref").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} API reference</title>
<style>
body { font-family: system-ui, sans-serif; color: #1d2330; margin: 0; background: #f8f9fb; line-height: 1.45; }
.wrap { display: grid; grid-template-columns: 16rem 1fr; max-width: 1300px; margin: 0 auto; }
nav { position: sticky; top: 0; height: 100vh; overflow: auto; padding: 1rem; border-right: 1px solid #e4e7ec; background: #fff; box-sizing: border-box; font-size: .88rem; }
nav a { display: block; color: #2f6fec; text-decoration: none; padding: .1rem 0; word-break: break-all; }
nav h2 { font-size: .8rem; text-transform: uppercase; color: #667085; margin: 1rem 0 .3rem; }
main { padding: 1rem 2rem 3rem; min-width: 0; }
section.op { background: #fff; border: 1px solid #e4e7ec; border-radius: 8px; padding: .8rem 1.2rem; margin: 1rem 0; }
.method { display: inline-block; font-weight: 700; font-size: .8rem; padding: .1rem .45rem; border-radius: 4px; background: #eef2ff; color: #2f6fec; margin-right: .4rem; }
.method.GET { background: #dcfae6; color: #067647; }
code, pre { font-family: ui-monospace, monospace; font-size: .85rem; }
pre { background: #f2f4f7; padding: .6rem .8rem; border-radius: 6px; overflow: auto; max-height: 24rem; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; margin: .3rem 0 .8rem; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #e4e7ec; vertical-align: top; }
th { color: #667085; font-weight: 500; }
.req { color: #b42318; font-size: .75rem; }
h3 { margin: .2rem 0; font-size: 1.05rem; } h4 { margin: .8rem 0 .2rem; font-size: .92rem; color: #344054; }
details summary { cursor: pointer; color: #344054; font-size: .9rem; margin: .4rem 0; }
a { color: #2f6fec; }
@media (max-width: 800px) { .wrap { grid-template-columns: 1fr; } nav { position: static; height: auto; } main { padding: 1rem; } }
</style>
</head>
<body>
<div class="wrap">
<nav aria-label="Operations">
  <strong>{{.Title}} API</strong> <span>v{{.Version}}</span>
  <a href="/openapi.json">openapi.json</a>
  {{range .Tags}}<h2>{{.Name}}</h2>{{range .Ops}}<a href="#{{.ID}}">{{.Path}}</a>{{end}}{{end}}
  <h2>Schemas</h2><a href="#schemas">all schemas</a>
</nav>
<main>
<h1>{{.Title}} API reference</h1>
{{range .Description}}{{if .Bullets}}<ul>{{range .Bullets}}<li>{{.}}</li>{{end}}</ul>{{else}}<p>{{.Text}}</p>{{end}}{{end}}
<h2>Security</h2>
<table><tr><th>scheme</th><th>where</th><th></th></tr>
{{range .Security}}<tr><td><code>{{.Name}}</code></td><td>{{.In}}</td><td>{{.Description}}</td></tr>{{end}}</table>
{{range .Tags}}
<h2 id="{{.ID}}">{{.Name}}</h2>{{if .Description}}<p>{{.Description}}</p>{{end}}
{{range .Ops}}
<section class="op" id="{{.ID}}">
<h3><span class="method {{.Method}}">{{.Method}}</span><code>{{.Path}}</code></h3>
<p>{{.Summary}} <small>(security: {{.Security}}; operationId <code>{{.ID}}</code>)</small></p>
{{if .Params}}<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th></th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">required</span>{{end}}</td><td>{{.In}}</td><td>{{.Type}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}
{{with .Body}}<h4>Request body{{if .Name}}: <a href="#schema-{{.Name}}">{{.Name}}</a>{{end}}</h4>{{template "fields" .Fields}}{{end}}
{{range .Answers}}<h4>{{.Status}}: {{.Description}}{{with .Schema}}{{if .Name}} <a href="#schema-{{.Name}}">{{.Name}}</a>{{end}}{{end}}</h4>{{if eq .Status "200"}}{{with .Schema}}{{template "fields" .Fields}}{{end}}{{end}}{{end}}
{{if .ExampleRequest}}<details><summary>Example request</summary><pre>{{.ExampleRequest}}</pre></details>{{end}}
{{if .ExampleQuery}}<details><summary>Example query</summary><pre>{{.ExampleQuery}}</pre></details>{{end}}
{{if .ExampleAnswer}}<details><summary>Example answer</summary><pre>{{.ExampleAnswer}}</pre></details>{{end}}
</section>
{{end}}{{end}}
<h2 id="schemas">Schemas</h2>
{{range .Schemas}}<h3 id="schema-{{.Name}}">{{.Name}}</h3>{{template "fields" .Fields}}{{end}}
</main>
</div>
</body>
</html>
{{define "fields"}}{{if .}}<table><tr><th>field</th><th>type</th><th></th></tr>
{{range .}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">required</span>{{end}}</td><td>{{if .Link}}<a href="#schema-{{.Link}}">{{.Type}}</a>{{else}}{{.Type}}{{end}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}{{end}}`))
