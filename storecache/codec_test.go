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

func TestUserCodecRoundTripsEveryField(t *testing.T) {
	var u domain.User
	fillAll(t, reflect.ValueOf(&u).Elem())
	if got, ok := decodeUser(encodeUser(u)); !ok || got != u {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, u)
	}
	wantNoPrefixDecodes(t, encodeUser(u), func(b []byte) bool { _, ok := decodeUser(b); return ok })
}

func TestMemberPageCodecRoundTripsEveryField(t *testing.T) {
	var a, b domain.Member
	fillAll(t, reflect.ValueOf(&a).Elem())
	b.UserID, b.Seq = "second", -3
	for _, p := range []memberPage{{members: []domain.Member{a, b}, total: 1234}, {members: []domain.Member{}, total: 0}} {
		got, ok := decodeMemberPage(encodeMemberPage(p))
		if !ok || !reflect.DeepEqual(got, p) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, p)
		}
		wantNoPrefixDecodes(t, encodeMemberPage(p), func(b []byte) bool { _, ok := decodeMemberPage(b); return ok })
	}
}

func TestMemberCodecRoundTripsEveryField(t *testing.T) {
	var m domain.Member
	fillAll(t, reflect.ValueOf(&m).Elem())
	if got, ok := decodeMember(encodeMember(m)); !ok || got != m {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, m)
	}
	wantNoPrefixDecodes(t, encodeMember(m), func(b []byte) bool { _, ok := decodeMember(b); return ok })
}

func TestIDPageCodec(t *testing.T) {
	for _, p := range []idPage{{ids: []string{"a", "bb ✓"}, total: 99}, {ids: []string{}, total: 0}} {
		got, ok := decodeIDPage(encodeIDPage(p))
		if !ok || !reflect.DeepEqual(got, p) {
			t.Fatalf("round trip: got %+v, want %+v", got, p)
		}
		wantNoPrefixDecodes(t, encodeIDPage(p), func(b []byte) bool { _, ok := decodeIDPage(b); return ok })
	}
}

// wantNoPrefixDecodes checks that a truncated payload is a miss, never a
// wrong value.
func wantNoPrefixDecodes(t *testing.T, b []byte, decodes func([]byte) bool) {
	t.Helper()
	for i := range len(b) {
		if decodes(b[:i]) {
			t.Fatalf("a payload cut at %d of %d bytes decoded", i, len(b))
		}
	}
}

func TestAttributesCodec(t *testing.T) {
	for _, as := range [][]domain.Attribute{{}, {{Key: "k", Value: "v ✓"}, {Key: "", Value: ""}}} {
		got, ok := decodeAttributes(encodeAttributes(as))
		if !ok || !reflect.DeepEqual(got, as) {
			t.Fatalf("round trip: got %#v, want %#v", got, as)
		}
		wantNoPrefixDecodes(t, encodeAttributes(as), func(b []byte) bool { _, ok := decodeAttributes(b); return ok })
	}
	if got, ok := decodeAttributes(encodeAttributes(nil)); !ok || len(got) != 0 {
		t.Fatalf("nil: %#v %v", got, ok)
	}
}
