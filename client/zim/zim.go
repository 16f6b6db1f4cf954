// Package zim signs requests to groupd's ZIM dialect (ZEGOCLOUD ZIM's
// server API) and sends them.
//
//	s := zim.Signer{AppID: 12345, ServerSecret: secret}
//	u := s.URL("http://localhost:10002", "QueryGroupInfo", nil)
//
// Signature = md5(AppId + SignatureNonce + ServerSecret + Timestamp) in
// lowercase hex; each nonce may be used once.
package zim

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Sign returns the signature of one request.
func Sign(appID uint32, nonce, serverSecret string, timestamp int64) string {
	sum := md5.Sum([]byte(strconv.FormatUint(uint64(appID), 10) + nonce + serverSecret + strconv.FormatInt(timestamp, 10)))
	return hex.EncodeToString(sum[:])
}

// Signer makes the signed query of requests.
type Signer struct {
	AppID        uint32
	ServerSecret string
	// Now is the clock of Timestamp (default time.Now).
	Now func() time.Time
	// Nonce makes SignatureNonce (default 16 random hex digits).
	Nonce func() string
}

// Query returns the common parameters of a request to action, signed, with
// extra's parameters added (GET Actions carry theirs there).
func (s Signer) Query(action string, extra url.Values) url.Values {
	now, nonce := time.Now, randomNonce
	if s.Now != nil {
		now = s.Now
	}
	if s.Nonce != nil {
		nonce = s.Nonce
	}
	ts, n := now().Unix(), nonce()
	q := url.Values{}
	for k, vs := range extra {
		q[k] = append([]string(nil), vs...)
	}
	q.Set("Action", action)
	q.Set("AppId", strconv.FormatUint(uint64(s.AppID), 10))
	q.Set("SignatureNonce", n)
	q.Set("Timestamp", strconv.FormatInt(ts, 10))
	q.Set("SignatureVersion", "2.0")
	q.Set("Signature", Sign(s.AppID, n, s.ServerSecret, ts))
	return q
}

// URL returns base + "/?" + the signed query.
func (s Signer) URL(base, action string, extra url.Values) string {
	return strings.TrimRight(base, "/") + "/?" + s.Query(action, extra).Encode()
}

func randomNonce() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Error is an answer with a non-zero Code.
type Error struct {
	Code      int
	Message   string
	RequestID string
	Action    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("zim %s: Code %d: %s (RequestId %s)", e.Action, e.Code, e.Message, e.RequestID)
}

// Client sends signed requests.
type Client struct {
	Base   string // "http://localhost:10002"
	Signer Signer
	HTTP   *http.Client // default http.DefaultClient
}

// Do calls action: with a nil body as GET with params in the query, else as
// POST with body as JSON. The whole answer is decoded into resp (when not
// nil); a non-zero Code is an *Error.
func (c *Client) Do(ctx context.Context, action string, params url.Values, body, resp any) error {
	method, rd := http.MethodGet, io.Reader(nil)
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("zim %s: encode request: %w", action, err)
		}
		method, rd = http.MethodPost, bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Signer.URL(c.Base, action, params), rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	hresp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("zim %s: %w", action, err)
	}
	defer hresp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(hresp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("zim %s: read answer: %w", action, err)
	}
	var env struct {
		Code      int    `json:"Code"`
		Message   string `json:"Message"`
		RequestID string `json:"RequestId"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("zim %s: HTTP %d, not a ZIM answer: %.200q", action, hresp.StatusCode, raw)
	}
	if env.Code != 0 {
		return &Error{Code: env.Code, Message: env.Message, RequestID: env.RequestID, Action: action}
	}
	if resp != nil {
		if err := json.Unmarshal(raw, resp); err != nil {
			return fmt.Errorf("zim %s: decode answer: %w", action, err)
		}
	}
	return nil
}
