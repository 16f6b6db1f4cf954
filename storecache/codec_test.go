package storecache

import (
	"reflect"
	"testing"

	"github.com/groupd/groupd/domain"
)

// fillAll sets every field of the struct v points to to a distinct
// non-zero value, so that a field the codec forgets shows.
func fillAll(t *testing.T, v reflect.Value) {
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(v.Type().Field(i).Name + " ✓")
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(1000 + i))
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Slice:
			if f.Type().Elem().Kind() != reflect.Int {
				t.Fatalf("field %s: no test value for %s", v.Type().Field(i).Name, f.Type())
			}
			f.Set(reflect.ValueOf([]int{3, 100, 2}))
		default:
			t.Fatalf("field %s of kind %s: teach fillAll and the codec", v.Type().Field(i).Name, f.Kind())
		}
	}
}

func TestGroupCodecRoundTripsEveryField(t *testing.T) {
	var g domain.Group
	fillAll(t, reflect.ValueOf(&g).Elem())
	got, ok := decodeGroup(encodeGroup(g))
	if !ok || !reflect.DeepEqual(got, g) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, g)
	}
	for _, roles := range [][]int{nil, {}} {
		g := domain.Group{GroupID: "g", MutedRoles: roles}
		if got, ok := decodeGroup(encodeGroup(g)); !ok || !reflect.DeepEqual(got, g) {
			t.Fatalf("MutedRoles %#v: got %#v", roles, got.MutedRoles)
		}
	}
	// Truncated or foreign payloads are misses, never wrong groups.
	b := encodeGroup(g)
	for i := range len(b) {
		if _, ok := decodeGroup(b[:i]); ok {
			t.Fatalf("a payload cut at %d of %d bytes decoded", i, len(b))
		}
	}
	if _, ok := decodeGroup([]byte(`{"GroupID":"g"}`)); ok {
		t.Fatal("a JSON payload decoded")
	}
}

func TestIDsCodec(t *testing.T) {
	for _, ids := range [][]string{{}, {"a"}, {"", "bb", "ccc ✓"}} {
		got, ok := decodeIDs(encodeIDs(ids))
		if !ok || got == nil || !reflect.DeepEqual(got, ids) {
			t.Fatalf("%q: got %q %v", ids, got, ok)
		}
	}
	if got, ok := decodeIDs(encodeIDs(nil)); !ok || got == nil || len(got) != 0 {
		t.Fatalf("nil: got %#v %v", got, ok)
	}
	b := encodeIDs([]string{"one", "two"})
	for i := range len(b) {
		if _, ok := decodeIDs(b[:i]); ok {
			t.Fatalf("a payload cut at %d of %d bytes decoded", i, len(b))
		}
	}
	if _, ok := decodeIDs([]byte(`["a"]`)); ok {
		t.Fatal("a JSON payload decoded")
	}
}
