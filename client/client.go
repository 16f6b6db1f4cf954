// Package client is a Go client for groupd's OpenIM dialect: typed requests
// and answers for every route, the admin token fetched from the secret and
// refreshed before it expires, an operationID on every call, and errors as
// *Error values carrying OpenIM's errCode.
//
//	c := client.New("http://localhost:10002", client.WithSecret(secret))
//	g, err := c.CreateGroup(ctx, &client.CreateGroupReq{OwnerUserID: "alice",
//		GroupInfo: client.NewGroupInfo{GroupName: "Team", GroupType: 2}})
//	var ce *client.Error
//	if errors.As(err, &ce) && ce.Code == client.CodeRecordNotFound { ... }
//
// The ZIM dialect's request signing is in the subpackage client/zim.
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultAdminUserID is the admin user ID get_admin_token is asked for.
const DefaultAdminUserID = "imAdmin"

// Client calls one groupd server. It is safe for concurrent use.
type Client struct {
	base        string
	hc          *http.Client
	secret      string
	adminUserID string
	fixedToken  string
	now         func() time.Time
	newOpID     func() string

	mu      sync.Mutex
	token   string
	expires time.Time // zero: never fetched
}

// Option configures a Client.
type Option func(*Client)

// WithSecret makes the client act as an app admin: it fetches an admin
// token with the secret on first use and again before the token expires.
func WithSecret(secret string) Option { return func(c *Client) { c.secret = secret } }

// WithAdminUserID sets the admin user ID of WithSecret (default imAdmin).
func WithAdminUserID(id string) Option { return func(c *Client) { c.adminUserID = id } }

// WithToken makes the client send a fixed token (a user's, say) and never
// fetch one.
func WithToken(token string) Option { return func(c *Client) { c.fixedToken = token } }

// WithHTTPClient sets the HTTP client (default: http.DefaultClient).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithClock sets the clock that decides when the admin token is refreshed.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithOperationIDs sets how operationIDs are made when the context carries
// none (see WithOperationID).
func WithOperationIDs(next func() string) Option { return func(c *Client) { c.newOpID = next } }

// New returns a client of the server at baseURL ("http://host:10002").
func New(baseURL string, opts ...Option) *Client {
	c := &Client{base: strings.TrimRight(baseURL, "/"), hc: http.DefaultClient, adminUserID: DefaultAdminUserID, now: time.Now}
	c.newOpID = newOperationIDs()
	for _, o := range opts {
		o(c)
	}
	return c
}

// WithUserToken returns a client like c that sends token instead of c's
// own (to act as that user).
func (c *Client) WithUserToken(token string) *Client {
	return New(c.base, WithHTTPClient(c.hc), WithToken(token), WithOperationIDs(c.newOpID), WithClock(c.now))
}

// BaseURL is the server's address as given to New.
func (c *Client) BaseURL() string { return c.base }

type opIDKey struct{}

// WithOperationID returns ctx whose calls send this operationID (to tie a
// call to the server's log line).
func WithOperationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, opIDKey{}, id)
}

// newOperationIDs makes IDs of a random per-client prefix and a counter:
// unique, and easy to follow in the server's log.
func newOperationIDs() func() string {
	b := make([]byte, 6)
	rand.Read(b)
	prefix := hex.EncodeToString(b)
	var n atomic.Uint64
	return func() string { return prefix + "-" + strconv.FormatUint(n.Add(1), 10) }
}

// Error is an answer with a non-zero errCode (or a non-200 HTTP status).
type Error struct {
	Code int    // OpenIM errCode (e.g. 1004)
	Msg  string // errMsg, the error's name (e.g. "RecordNotFoundError")
	Dlt  string // errDlt, the detail
	// HTTPStatus is the HTTP status when it was not 200 (429 rate limited,
	// 503 busy); 0 otherwise.
	HTTPStatus int
	// Path and OperationID identify the call.
	Path        string
	OperationID string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("groupd %s: errCode %d %s", e.Path, e.Code, e.Msg)
	if d := e.Detail(); d != "" {
		s += ": " + d
	}
	if e.HTTPStatus != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.HTTPStatus)
	}
	return s
}

// Detail is errDlt without the ": [code]Name" OpenIM appends to it (and
// the ": " that an empty detail leaves in front): "user x not found", or ""
// when the server said no more than the code.
func (e *Error) Detail() string {
	d := strings.TrimSpace(e.Dlt)
	suffix := fmt.Sprintf("[%d]%s", e.Code, e.Msg)
	if rest, ok := strings.CutSuffix(d, suffix); ok {
		d = rest
	}
	for {
		rest := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(d), ":"))
		if rest == d {
			break
		}
		d = rest
	}
	return strings.TrimLeft(d, ": ")
}

// OpenIM error codes groupd answers with.
const (
	CodeInternal          = 500
	CodeArgs              = 1001
	CodeNoPermission      = 1002
	CodeDuplicateKey      = 1003
	CodeRecordNotFound    = 1004
	CodeUserIDNotFound    = 1101
	CodeRegisteredAlready = 1102
	CodeGroupIDNotFound   = 1201
	CodeGroupIDExisted    = 1202
	CodeNotInGroupYet     = 1203
	CodeDismissed         = 1204
	CodeGroupType         = 1205
	CodeRequestHandled    = 1206
	CodeMutedInGroup      = 1402
	CodeMutedGroup        = 1403
	CodeTokenExpired      = 1501
	CodeTokenInvalid      = 1502
	CodeTokenMalformed    = 1503
	CodeTokenNotValidYet  = 1504
	CodeTokenUnknown      = 1505
	CodeTokenKicked       = 1506
	CodeTokenNotExist     = 1507
)

// IsCode reports whether err is an *Error with errCode code.
func IsCode(err error, code int) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// envelope is every answer's body.
type envelope struct {
	ErrCode int             `json:"errCode"`
	ErrMsg  string          `json:"errMsg"`
	ErrDlt  string          `json:"errDlt"`
	Data    json.RawMessage `json:"data"`
}

// Call posts req to path and decodes the answer's data into resp (nil:
// ignore data). It adds the operationID and, except on
// /auth/get_admin_token, the token. With WithSecret, an admin token the
// server calls expired or kicked is fetched anew and the call made once
// more (a token error happens before the server does anything).
func (c *Client) Call(ctx context.Context, path string, req, resp any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("groupd %s: encode request: %w", path, err)
	}
	public := path == "/auth/get_admin_token"
	for attempt := 0; ; attempt++ {
		token := ""
		if !public {
			if token, err = c.Token(ctx); err != nil {
				return err
			}
		}
		err = c.post(ctx, path, token, body, resp)
		if attempt == 0 && c.fixedToken == "" && c.secret != "" && !public && isStaleToken(err) {
			c.mu.Lock()
			if c.token == token {
				c.token, c.expires = "", time.Time{}
			}
			c.mu.Unlock()
			continue
		}
		return err
	}
}

func isStaleToken(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Code == CodeTokenExpired || e.Code == CodeTokenKicked || e.Code == CodeTokenNotExist)
}

func (c *Client) post(ctx context.Context, path, token string, body []byte, resp any) error {
	opID, _ := ctx.Value(opIDKey{}).(string)
	if opID == "" {
		opID = c.newOpID()
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("groupd %s: %w", path, err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("operationID", opID)
	if token != "" {
		hreq.Header.Set("token", token)
	}
	hresp, err := c.hc.Do(hreq)
	if err != nil {
		return fmt.Errorf("groupd %s: %w", path, err)
	}
	defer hresp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(hresp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("groupd %s: read answer: %w", path, err)
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("groupd %s: HTTP %d, not an OpenIM answer: %.200q", path, hresp.StatusCode, raw)
	}
	if env.ErrCode != 0 || hresp.StatusCode != http.StatusOK {
		e := &Error{Code: env.ErrCode, Msg: env.ErrMsg, Dlt: env.ErrDlt, Path: path, OperationID: opID}
		if hresp.StatusCode != http.StatusOK {
			e.HTTPStatus = hresp.StatusCode
		}
		return e
	}
	if resp != nil && len(env.Data) > 0 && string(env.Data) != "null" {
		if err := json.Unmarshal(env.Data, resp); err != nil {
			return fmt.Errorf("groupd %s: decode data: %w", path, err)
		}
	}
	return nil
}

// refreshMargin is how long before its expiry the admin token is replaced:
// a tenth of its lifetime, at most an hour.
func refreshMargin(ttl time.Duration) time.Duration { return min(ttl/10, time.Hour) }

// Token returns the token calls send: the fixed one, or the admin token,
// fetched when there is none or it is about to expire. Without either it
// returns "" (the server then answers 1001 "header must have token").
func (c *Client) Token(ctx context.Context) (string, error) {
	if c.fixedToken != "" || c.secret == "" {
		return c.fixedToken, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.token != "" && now.Before(c.expires) {
		return c.token, nil
	}
	body, _ := json.Marshal(GetAdminTokenReq{Secret: c.secret, UserID: c.adminUserID})
	var tr TokenResp
	if err := c.post(ctx, "/auth/get_admin_token", "", body, &tr); err != nil {
		return "", err
	}
	ttl := time.Duration(tr.ExpireTimeSeconds) * time.Second
	c.token, c.expires = tr.Token, now.Add(ttl-refreshMargin(ttl))
	return c.token, nil
}
