package zim

import (
	"encoding/json"
	"math/big"
	"testing"
)

func TestIntegralNumbers(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"Limit":2.0}`, `{"Limit":2}`},
		{`{"Limit":1.0e2,"Next":0.0}`, `{"Limit":100,"Next":0}`},
		{`[-3E0, 1e+2, 120e-1, 100e-2, 0.000e5, -0.0]`, `[-3, 100, 12, 1, 0, 0]`},
		{`{"a":2.5,"b":1e-1,"c":10.50}`, `{"a":2.5,"b":1e-1,"c":10.50}`},           // fractions stay
		{`{"big":1e21,"huge":1e400}`, `{"big":1e21,"huge":1e400}`},                 // too large for any integer field
		{`{"s":"2.0","t":"a\"1.0\\","n":1.0}`, `{"s":"2.0","t":"a\"1.0\\","n":1}`}, // strings stay
		{`{"x":01.0,"y":1.,"z":.5,"w":-}`, `{"x":01.0,"y":1.,"z":.5,"w":-}`},       // not JSON numbers: left for the decoder
		{`{"k":7,"l":-7,"m":0}`, `{"k":7,"l":-7,"m":0}`},
		{`{"unterminated":"1.0`, `{"unterminated":"1.0`},
		{`12345678901234567890.0`, `12345678901234567890`},
	}
	for _, tt := range tests {
		in := []byte(tt.in)
		if got := string(integralNumbers(in)); got != tt.want {
			t.Errorf("integralNumbers(%s) = %s, want %s", tt.in, got, tt.want)
		}
		if string(in) != tt.in {
			t.Errorf("input changed to %s", in)
		}
	}
}

// FuzzIntegralNumbers: the rewrite never changes what a valid document
// means, and a rewritten number is an integer literal of the same value.
func FuzzIntegralNumbers(f *testing.F) {
	for _, s := range []string{`{"a":1.0}`, `[1e2,2.5,"3.0"]`, `-0.0e-0`, `{"a":"\\"}`, `9.99e1`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := integralNumbers([]byte(s))
		var a, b any
		errA := json.Unmarshal([]byte(s), &a)
		errB := json.Unmarshal(out, &b)
		if (errA == nil) != (errB == nil) {
			t.Fatalf("validity changed: %q (%v) → %q (%v)", s, errA, out, errB)
		}
		if errA == nil && !sameJSON(a, b) {
			t.Fatalf("meaning changed: %q → %q", s, out)
		}
	})
}

// sameJSON compares decoded documents, numbers by exact value.
func sameJSON(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && big.NewFloat(x).Cmp(big.NewFloat(y)) == 0
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k := range x {
			if !sameJSON(x[k], y[k]) {
				return false
			}
		}
		return true
	}
	return a == b
}

func TestParseInt(t *testing.T) {
	for s, want := range map[string]int64{"2": 2, "2.0": 2, "1e2": 100, "-1.0": -1, "0.0": 0} {
		if n, err := parseInt(s); err != nil || n != want {
			t.Errorf("parseInt(%q) = %d, %v; want %d", s, n, err, want)
		}
	}
	for _, s := range []string{"2.5", "x", "", "1e30", "9223372036854775808", " 2"} {
		if n, err := parseInt(s); err == nil {
			t.Errorf("parseInt(%q) = %d, want an error", s, n)
		}
	}
}
