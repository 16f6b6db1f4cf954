package openim

import (
	"bytes"
	"encoding/json"
)

// opt is a request field that may be left unchanged: absent or null means
// "unchanged", a value (including "" and 0) means "set". OpenIM's protobuf
// wrapper shape {"value": v} is accepted too.
type opt[T any] struct {
	set bool
	v   T
}

func (o *opt[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*o = opt[T]{}
		return nil
	}
	if len(b) > 0 && b[0] == '{' {
		var w struct {
			Value T `json:"value"`
		}
		if err := json.Unmarshal(b, &w); err != nil {
			return err
		}
		*o = opt[T]{set: true, v: w.Value}
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*o = opt[T]{set: true, v: v}
	return nil
}

// ptr is the field as the domain's patches want it: nil = unchanged.
func (o opt[T]) ptr() *T {
	if !o.set {
		return nil
	}
	v := o.v
	return &v
}

// nonEmpty is the "empty string means unchanged" rule of set_group_info
// and update_user_info.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
