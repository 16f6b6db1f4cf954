package zim

import (
	"container/heap"
	"context"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Sign returns the ZIM request signature: the lowercase hex MD5 of AppId,
// SignatureNonce, ServerSecret and Timestamp concatenated.
func Sign(appID uint32, nonce, serverSecret string, timestamp int64) string {
	sum := md5.Sum([]byte(strconv.FormatUint(uint64(appID), 10) + nonce + serverSecret + strconv.FormatInt(timestamp, 10)))
	return hex.EncodeToString(sum[:])
}

// maxNonceLen bounds SignatureNonce (the reference's are 16 hex digits).
const maxNonceLen = 64

// authenticate checks the common parameters of a request: AppId, Timestamp
// within MaxSkew of now, SignatureNonce, SignatureVersion 2.0 and Signature,
// compared in constant time; then that the nonce was not used before within
// the window.
func (h *handler) authenticate(ctx context.Context, q url.Values) error {
	if h.cfg.ServerSecret == "" {
		return fail(CodeSecretUnavailable, "the ZIM server API is not configured (no server secret)")
	}
	appIDText := q.Get("AppId")
	appID, err := strconv.ParseUint(appIDText, 10, 32)
	if err != nil {
		return fail(CodeAppIDInvalid, "AppId is missing or not an unsigned 32-bit number")
	}
	if uint32(appID) != h.cfg.AppID {
		return fail(CodeAppIDInvalid, "AppId "+appIDText+" is not served here")
	}
	tsText := q.Get("Timestamp")
	if tsText == "" {
		return fail(CodeTimestampEmpty, "Timestamp is empty")
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fail(CodeTimestampInvalid, "Timestamp is not Unix seconds")
	}
	nonce := q.Get("SignatureNonce")
	if nonce == "" {
		return fail(CodeNonceEmpty, "SignatureNonce is empty")
	}
	sig := q.Get("Signature")
	if sig == "" {
		return fail(CodeSignatureEmpty, "Signature is empty")
	}
	switch v := q.Get("SignatureVersion"); v {
	case "":
		return fail(CodeSignatureVersionEmpty, "SignatureVersion is empty")
	case "2.0":
	default:
		return fail(CodeSignatureVersionBad, "SignatureVersion "+strconv.Quote(v)+" is not supported; use 2.0")
	}
	now := h.now()
	sent := time.Unix(ts, 0)
	if d := now.Sub(sent); d > h.cfg.MaxSkew || d < -h.cfg.MaxSkew {
		return fail(CodeSignatureExpired, "signature expired: Timestamp is more than "+h.cfg.MaxSkew.String()+" away from the server time")
	}
	if len(nonce) > maxNonceLen {
		return fail(CodeSignatureInvalid, "SignatureNonce is longer than "+strconv.Itoa(maxNonceLen)+" bytes")
	}
	want := Sign(h.cfg.AppID, nonce, h.cfg.ServerSecret, ts)
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(sig)), []byte(want)) != 1 {
		return fail(CodeSignatureInvalid, "signature does not match")
	}
	// A nonce stays remembered for as long as its Timestamp is acceptable.
	seen, err := h.nonces.Seen(ctx, h.appKey()+":"+nonce, sent.Add(h.cfg.MaxSkew))
	if err != nil {
		h.log.Error("zim: replay check failed", "err", err)
		return fail(CodeServerError, "replay protection is unavailable (shared state cannot be reached); please retry")
	}
	if seen {
		return fail(CodeSignatureInvalid, "SignatureNonce was already used: replayed request")
	}
	return nil
}

// appKey is the canonical AppId, so that "012345" and "12345" share nonces
// and rate limits.
func (h *handler) appKey() string { return strconv.FormatUint(uint64(h.cfg.AppID), 10) }

// NonceStore remembers the signature nonces seen, for replay protection. A
// cluster of groupd nodes shares one (e.g. Redis SET key NX PX).
type NonceStore interface {
	// Seen reports whether key was recorded before and has not expired;
	// if not, it records key until expiry. It is atomic. An error (the
	// shared state cannot be reached) refuses the request with 660000001.
	Seen(ctx context.Context, key string, expiry time.Time) (bool, error)
}

// MemoryNonces is an in-memory NonceStore of bounded size. Entries leave
// when they expire; when full, the entry closest to expiry makes room.
type MemoryNonces struct {
	mu  sync.Mutex
	now func() time.Time
	max int
	m   map[string]int64 // key → expiry (Unix ns)
	h   expiryHeap
}

// NewMemoryNonces returns a MemoryNonces holding at most max entries
// (default 1<<20), with clock now (default time.Now).
func NewMemoryNonces(max int, now func() time.Time) *MemoryNonces {
	if max <= 0 {
		max = 1 << 20
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryNonces{now: now, max: max, m: make(map[string]int64)}
}

// Seen implements NonceStore; it never fails.
func (n *MemoryNonces) Seen(_ context.Context, key string, expiry time.Time) (bool, error) {
	return n.seen(key, expiry), nil
}

func (n *MemoryNonces) seen(key string, expiry time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := n.now().UnixNano()
	for len(n.h) > 0 && n.h[0].exp <= now {
		n.drop()
	}
	if exp, ok := n.m[key]; ok && exp > now {
		return true
	}
	for len(n.h) >= n.max {
		n.drop()
	}
	exp := expiry.UnixNano()
	n.m[key] = exp
	heap.Push(&n.h, nonceEntry{key: key, exp: exp})
	return false
}

// Len returns how many nonces are remembered.
func (n *MemoryNonces) Len() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.m)
}

func (n *MemoryNonces) drop() {
	e := heap.Pop(&n.h).(nonceEntry)
	if n.m[e.key] == e.exp {
		delete(n.m, e.key)
	}
}

type nonceEntry struct {
	key string
	exp int64
}

type expiryHeap []nonceEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].exp < h[j].exp }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(nonceEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
