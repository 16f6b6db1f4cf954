package zim

// Hot-path benchmarks of the ZIM dialect: decode, authorise (signature and
// nonce), load, encode, and whole QueryGroupInfo requests through
// ServeHTTP. They run only with -bench; see bench/README.md.

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/store/sqlite"
)

const (
	benchAppID  = 1234567
	benchSecret = "0123456789abcdef0123456789abcdef"
)

var benchNonce atomic.Int64

// benchQuery is a signed query string for action with a fresh nonce.
func benchQuery(action string) string {
	nonce := strconv.FormatInt(benchNonce.Add(1), 16)
	ts := time.Now().Unix()
	return "Action=" + action + "&AppId=" + strconv.Itoa(benchAppID) + "&SignatureNonce=" + nonce +
		"&Timestamp=" + strconv.FormatInt(ts, 10) + "&SignatureVersion=2.0&Signature=" + Sign(benchAppID, nonce, benchSecret, ts)
}

// benchHandler seeds 1,000 users and 100 groups of 10 (one with 3
// attributes) and returns the handler without rate limits.
func benchHandler(b *testing.B) *handler {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "groupd.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	uid := func(i int) string { return "zu" + strconv.Itoa(i) }
	err = db.Write(ctx, func(tx domain.Tx) error {
		users := make([]domain.User, 1000)
		for i := range users {
			users[i] = domain.User{UserID: uid(i), Nickname: "User " + strconv.Itoa(i)}
		}
		if err := tx.InsertUsers(ctx, users); err != nil {
			return err
		}
		for g := range 100 {
			gid := "zg" + strconv.Itoa(g)
			if err := tx.InsertGroup(ctx, domain.Group{GroupID: gid, Name: "Group " + strconv.Itoa(g), Notification: "Hello",
				OwnerUserID: uid(g), GroupType: domain.GroupTypeWorking, DataSeq: 1}); err != nil {
				return err
			}
			ms := make([]domain.Member, 10)
			for j := range ms {
				role := domain.RoleMember
				if j == 0 {
					role = domain.RoleOwner
				}
				ms[j] = domain.Member{GroupID: gid, UserID: uid(g + j*100), RoleLevel: role}
			}
			if err := tx.InsertMembers(ctx, ms); err != nil {
				return err
			}
		}
		return tx.PutAttributes(ctx, "zg1", []domain.Attribute{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}, {Key: "c", Value: "3"}})
	})
	if err != nil {
		b.Fatal(err)
	}
	svc := domain.NewService(db, domain.Options{})
	return NewHandler(svc, Config{AppID: benchAppID, ServerSecret: benchSecret}, nil).(*handler)
}

type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (d *discardWriter) Header() http.Header { return d.h }
func (d *discardWriter) WriteHeader(s int)   { d.status = s }
func (d *discardWriter) Write(p []byte) (int, error) {
	d.n += len(p)
	return len(p), nil
}

var queryGroupInfoBody = []byte(`{"FromUserId":"zu1","GroupId":"zg1"}`)

// BenchmarkServeQueryGroupInfo runs whole QueryGroupInfo requests:
// authenticate, decode, load, encode.
func BenchmarkServeQueryGroupInfo(b *testing.B) {
	h := benchHandler(b)
	dw := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		r, _ := http.NewRequest(http.MethodPost, "/?"+benchQuery("QueryGroupInfo"), bytes.NewReader(queryGroupInfoBody))
		clear(dw.h)
		h.ServeHTTP(dw, r)
	}
	if dw.status != http.StatusOK {
		b.Fatalf("status %d", dw.status)
	}
}

// BenchmarkAuthenticate checks a request's signature and nonce.
func BenchmarkAuthenticate(b *testing.B) {
	h := NewHandler(nil, Config{AppID: benchAppID, ServerSecret: benchSecret}, nil).(*handler)
	b.ReportAllocs()
	for b.Loop() {
		r, _ := http.NewRequest(http.MethodPost, "/?"+benchQuery("QueryGroupInfo"), nil)
		if err := h.authenticate(context.Background(), r.URL.Query()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode decodes a QueryGroupInfo body.
func BenchmarkDecode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var req struct {
			FromUserID string `json:"FromUserId"`
			GroupID    string `json:"GroupId"`
		}
		if err := decodeJSON(queryGroupInfoBody, &req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad runs the domain calls behind QueryGroupInfo.
func BenchmarkLoad(b *testing.B) {
	h := benchHandler(b)
	c := &call{ctx: context.Background(), name: "QueryGroupInfo", action: actions["QueryGroupInfo"], body: queryGroupInfoBody}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.queryGroupInfo(c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncode writes a QueryGroupInfo answer.
func BenchmarkEncode(b *testing.B) {
	h := benchHandler(b)
	c := &call{ctx: context.Background(), name: "QueryGroupInfo", action: actions["QueryGroupInfo"], body: queryGroupInfoBody}
	resp, err := h.queryGroupInfo(c)
	if err != nil {
		b.Fatal(err)
	}
	dw := &discardWriter{h: http.Header{}}
	r, _ := http.NewRequest(http.MethodPost, "/?Action=QueryGroupInfo", nil)
	b.ReportAllocs()
	for b.Loop() {
		clear(dw.h)
		h.write(dw, r, "123456789012345678", "QueryGroupInfo", resp, nil)
	}
}
