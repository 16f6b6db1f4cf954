package jsontext

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestProblem(t *testing.T) {
	for _, c := range []struct {
		body string
		bad  bool
	}{
		{`{"a":"plain ✓ text"}`, false},
		{`{"a":"escapes \" \\ \/ \n \u00e9 \u2028"}`, false},
		{`{"a":"pair \ud83d\ude00"}`, false},
		{`{"a":"pair \uD83D\uDE00 upper"}`, false},
		{`{"a":"\\ud800 is text, not an escape"}`, false},
		{`{"a":"a` + "\xff" + `b"}`, true},
		{`{"a":"` + "\xc3" + `"}`, true},
		{`{"a":"lone high \ud800"}`, true},
		{`{"a":"lone high at end \ud800`, true},
		{`{"a":"lone low \udc00"}`, true},
		{`{"a":"reversed \ude00\ud83d"}`, true},
		{`{"a":"high then text \ud83dx"}`, true},
		{`{"a":"high then other escape \ud83d\n"}`, true},
		{`{"a":"bad escape \uZZZZ"}`, false}, // the decoder refuses it
	} {
		got := Problem([]byte(c.body))
		if (got != "") != c.bad {
			t.Errorf("%q: problem %q, want bad=%v", c.body, got, c.bad)
		}
		if got == "" && !c.bad && json.Valid([]byte(c.body)) {
			// What passes decodes to text without U+FFFD.
			var v map[string]string
			if err := json.Unmarshal([]byte(c.body), &v); err != nil || strings.ContainsRune(v["a"], '\uFFFD') {
				t.Errorf("%q passed but decodes to %q (%v)", c.body, v["a"], err)
			}
		}
	}
}

func FuzzProblem(f *testing.F) {
	f.Add([]byte(`{"a":"\ud83d\ude00"}`))
	f.Add([]byte(`{"a":"\ud800"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if Problem(b) != "" {
			return
		}
		// A body without a problem never decodes to U+FFFD it did not spell.
		var v any
		if json.Unmarshal(b, &v) != nil {
			return
		}
		out, _ := json.Marshal(v)
		if strings.ContainsRune(string(out), '\uFFFD') && !strings.ContainsRune(string(b), '\uFFFD') &&
			!strings.Contains(strings.ToLower(string(b)), `\ufffd`) {
			t.Fatalf("%q passed but decoded to U+FFFD", b)
		}
	})
}
