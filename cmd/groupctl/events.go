package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/groupd/groupd/admin"
)

// adminAPI calls groupd's admin API (/admin/api/…) with the admin token.
func (a *app) adminAPI(ctx context.Context, method, path string, body, out any) error {
	if err := a.connect(); err != nil {
		return err
	}
	token, err := a.c.Token(ctx)
	if err != nil {
		return err
	}
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(a.server, "/")+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("token", token)
	req.Header.Set("operationID", fmt.Sprintf("groupctl-%d", time.Now().UnixNano()))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct {
			ErrCode int    `json:"errCode"`
			ErrMsg  string `json:"errMsg"`
			ErrDlt  string `json:"errDlt"`
		}
		json.NewDecoder(resp.Body).Decode(&e)
		if resp.StatusCode == http.StatusNotFound && e.ErrMsg == "" {
			return fmt.Errorf("%s %s: HTTP 404: this server has no events API (an older groupd?)", method, path)
		}
		return fmt.Errorf("%s %s: HTTP %d: [%d]%s %s", method, path, resp.StatusCode, e.ErrCode, e.ErrMsg, e.ErrDlt)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// cmdEventsDead lists dead letters: events a sink gave up on.
func cmdEventsDead(ctx context.Context, a *app, args []string) error {
	fs := a.flags("events dead")
	sink := fs.String("sink", "", "")
	limit := fs.Int("limit", 100, "")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(rest, 0, 0, "events dead [--sink S] [--limit N]"); err != nil {
		return err
	}
	var st struct{ Sinks []admin.SinkStatus }
	if err := a.adminAPI(ctx, http.MethodGet, "/admin/api/events", nil, &st); err != nil {
		return err
	}
	var dl struct {
		DeadLetters []admin.DeadLetter `json:"deadLetters"`
	}
	path := fmt.Sprintf("/admin/api/events/dead?limit=%d&sink=%s", *limit, url.QueryEscape(*sink))
	if err := a.adminAPI(ctx, http.MethodGet, path, nil, &dl); err != nil {
		return err
	}
	if a.json {
		return a.printJSON(map[string]any{"sinks": st.Sinks, "deadLetters": dl.DeadLetters})
	}
	t := a.table("SINK", "DELIVERED", "BACKLOG", "FAILED ATTEMPTS", "DEAD LETTERS")
	for _, s := range st.Sinks {
		t.row(s.Name, strconv.FormatInt(s.Delivered, 10), strconv.FormatInt(s.Backlog, 10), strconv.FormatInt(s.Failures, 10),
			strconv.FormatInt(s.DeadLetters, 10))
	}
	t.flush()
	if len(dl.DeadLetters) == 0 {
		fmt.Fprintln(a.stdout, "\nno dead letters")
		return nil
	}
	fmt.Fprintln(a.stdout)
	t = a.table("SINK", "EVENT ID", "TYPE", "PARTITION", "ATTEMPTS", "DEAD SINCE", "REPLAY", "ERROR")
	for _, d := range dl.DeadLetters {
		replay := ""
		if d.Replay {
			replay = "pending"
		}
		t.row(d.Sink, strconv.FormatInt(d.EventID, 10), d.Type, d.Partition, strconv.Itoa(d.Attempts), when(d.DeadAt), replay, d.Error)
	}
	return t.flush()
}

// cmdEventsReplay marks dead letters for another delivery.
func cmdEventsReplay(ctx context.Context, a *app, args []string) error {
	fs := a.flags("events replay")
	sink := fs.String("sink", "", "")
	all := fs.Bool("all", false, "")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 && !*all {
		return fmt.Errorf("%w: want events replay [--sink S] (--all | EVENT_ID...)", errUsage)
	}
	if len(rest) > 0 && *all {
		return fmt.Errorf("%w: --all or event IDs, not both", errUsage)
	}
	req := admin.ReplayRequest{Sink: *sink}
	for _, s := range rest {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("%w: %q is not an event ID", errUsage, s)
		}
		req.EventIDs = append(req.EventIDs, id)
	}
	var r struct {
		Marked int `json:"marked"`
	}
	if err := a.adminAPI(ctx, http.MethodPost, "/admin/api/events/replay", req, &r); err != nil {
		return err
	}
	return a.done(r, "marked %d dead letter(s) for replay; the dispatcher delivers them within seconds (groupctl events dead shows what failed again)", r.Marked)
}
