package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/groupd/groupd/client"
)

func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// done reports a change: v as JSON, or the sentence for humans.
func (a *app) done(v any, format string, args ...any) error {
	if a.json {
		return a.printJSON(v)
	}
	fmt.Fprintf(a.stdout, format+"\n", args...)
	return nil
}

// table is tab-aligned output for humans.
type table struct{ w *tabwriter.Writer }

func (a *app) table(header ...string) *table {
	t := &table{w: tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)}
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		if c == "" {
			cells[i] = "-"
		} else {
			cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(c)
		}
	}
	fmt.Fprintln(t.w, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.w.Flush() }

func (a *app) groupTable(groups []client.GroupInfo) error {
	t := a.table("GROUP ID", "NAME", "OWNER", "MEMBERS", "STATUS", "VERIFICATION", "CREATED")
	for _, g := range groups {
		t.row(g.GroupID, g.GroupName, g.OwnerUserID, strconv.FormatInt(g.MemberCount, 10), statusName(g.Status),
			verificationName(g.NeedVerification), when(g.CreateTime))
	}
	return t.flush()
}

// footer tells where a page stands in the whole list.
func (a *app) footer(shown int, total int64, page, size int, noun string) {
	if size <= 0 {
		size = 100
	}
	first := int64((page-1)*size) + 1
	if shown == 0 {
		fmt.Fprintf(a.stdout, "(no %ss on page %d; %d in all)\n", noun, page, total)
		return
	}
	fmt.Fprintf(a.stdout, "(%d–%d of %d %ss)\n", first, first+int64(shown)-1, total, noun)
}

// when formats Unix milliseconds; 0 is "".
func when(ms int64) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05Z")
}

func roleName(level int32) string {
	switch level {
	case client.RoleOwner:
		return "owner"
	case client.RoleAdmin:
		return "admin"
	case client.RoleMember:
		return "member"
	}
	return strconv.Itoa(int(level))
}

func statusName(s int32) string {
	switch s {
	case client.GroupStatusNormal:
		return "normal"
	case client.GroupStatusBanned:
		return "banned"
	case client.GroupStatusDismissed:
		return "dismissed"
	case client.GroupStatusMuted:
		return "muted"
	}
	return strconv.Itoa(int(s))
}

func verificationName(v int32) string {
	switch v {
	case 0:
		return "apply needs approval"
	case 1:
		return "all need approval"
	case 2:
		return "join directly"
	}
	return strconv.Itoa(int(v))
}

// codeText says in words what an OpenIM errCode means, for the errors whose
// answer carries no detail of its own.
var codeText = map[int]string{
	client.CodeInternal:          "the server failed; see its log",
	client.CodeArgs:              "the server refused the arguments",
	client.CodeNoPermission:      "not allowed (a wrong --secret or --admin-user-id?)",
	client.CodeDuplicateKey:      "already exists",
	client.CodeRecordNotFound:    "not found",
	client.CodeUserIDNotFound:    "user not registered",
	client.CodeRegisteredAlready: "user already registered",
	client.CodeGroupIDNotFound:   "group not found",
	client.CodeGroupIDExisted:    "a group with this ID exists already",
	client.CodeNotInGroupYet:     "not a member of the group",
	client.CodeDismissed:         "the group is dismissed",
	client.CodeRequestHandled:    "the request was handled already",
	client.CodeMutedInGroup:      "the member is muted",
	client.CodeMutedGroup:        "the group is muted",
}

// explain makes an error read well: what went wrong in words, then the
// errCode for scripts and searches, e.g.
// "group 2559217223 not found (errCode 1004 RecordNotFoundError)".
func explain(err error) string {
	var ce *client.Error
	if !errors.As(err, &ce) {
		return err.Error()
	}
	var what string
	var ne *notFoundError
	switch {
	case errors.As(err, &ne):
		what = ne.what
	case ce.Detail() != "":
		what = ce.Detail()
	case codeText[ce.Code] != "":
		what = codeText[ce.Code]
	default:
		what = "the server refused the call"
	}
	if outer := err.Error(); outer != ce.Error() && ne == nil {
		// Context added around the client's error ("create group: …").
		if prefix, ok := strings.CutSuffix(outer, ce.Error()); ok {
			what = prefix + what
		}
	}
	code := fmt.Sprintf("errCode %d %s", ce.Code, ce.Msg)
	if ce.HTTPStatus != 0 {
		code += fmt.Sprintf(", HTTP %d", ce.HTTPStatus)
	}
	return what + " (" + code + ")"
}

// notFoundError names what a command looked for and did not find.
type notFoundError struct {
	what string
	err  error
}

func (e *notFoundError) Error() string { return e.what + ": " + e.err.Error() }
func (e *notFoundError) Unwrap() error { return e.err }

// notFound rewrites err as "<what> not found" when the server answered
// that what was asked for does not exist.
func notFound(err error, what string) error {
	if client.IsCode(err, client.CodeRecordNotFound) || client.IsCode(err, client.CodeGroupIDNotFound) ||
		client.IsCode(err, client.CodeUserIDNotFound) {
		return &notFoundError{what: what + " not found", err: err}
	}
	return err
}
