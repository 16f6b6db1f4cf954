package zim

import (
	"sort"
)

// ActionInfo is one Action the handler serves, for tools that check the
// API description against the server (the OpenAPI spec test).
type ActionInfo struct {
	Name   string
	Method string // GET or POST
}

// Actions lists every Action of the routing table, by name.
func Actions() []ActionInfo {
	out := make([]ActionInfo, 0, len(actions))
	for name, a := range actions {
		out = append(out, ActionInfo{Name: name, Method: a.method})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// IsRateLimitCode reports whether code answers a request refused by a rate
// limit (per AppID and Action, per group, or an Action's own frequency code).
func IsRateLimitCode(code int) bool {
	switch code {
	case CodeAppRateLimited, CodeGroupRateLimited, CodeMemberListRate, CodeKickRate,
		CodeAppGroupListRate, CodeCreateGroupRate, CodeUserRegisterRate:
		return true
	}
	return false
}
