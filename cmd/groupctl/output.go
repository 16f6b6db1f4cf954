package main

import (
	"encoding/json"
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
