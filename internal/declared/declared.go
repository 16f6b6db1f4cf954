// Package declared checks decorators of an interface: that a wrapper type
// states, for every method of the interface it wraps, what it does —
// handles it itself or passes it through on purpose — so that a method
// added to the interface cannot slip through an embedded field unnoticed.
package declared

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Methods returns the names of the methods declared in the Go package in
// dir (test files excluded) on the receiver type typeName (T or *T).
func Methods(tb testing.TB, dir, typeName string) map[string]bool {
	tb.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		tb.Fatalf("parse %s: %v", dir, err)
	}
	out := map[string]bool{}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				fn, ok := d.(*ast.FuncDecl)
				if !ok || fn.Recv == nil || len(fn.Recv.List) != 1 {
					continue
				}
				t := fn.Recv.List[0].Type
				if star, ok := t.(*ast.StarExpr); ok {
					t = star.X
				}
				if id, ok := t.(*ast.Ident); ok && id.Name == typeName {
					out[fn.Name.Name] = true
				}
			}
		}
	}
	return out
}

// Cover fails tb unless every method of the interface type iface is
// declared on typeName in dir or listed in passThrough (with the reason it
// may go through untouched), and every listed method exists.
func Cover(tb testing.TB, dir, typeName string, iface reflect.Type, passThrough map[string]string) {
	tb.Helper()
	declared := Methods(tb, dir, typeName)
	var names []string
	for i := range iface.NumMethod() {
		names = append(names, iface.Method(i).Name)
	}
	for _, n := range names {
		if !declared[n] && passThrough[n] == "" {
			tb.Errorf("%s: method %s of %s is neither handled by %s nor declared pass-through", dir, n, iface, typeName)
		}
	}
	for n := range passThrough {
		if !slices.Contains(names, n) {
			tb.Errorf("%s: pass-through %s is not a method of %s", dir, n, iface)
		}
		if declared[n] {
			tb.Errorf("%s: %s is both handled by %s and declared pass-through", dir, n, typeName)
		}
	}
}
