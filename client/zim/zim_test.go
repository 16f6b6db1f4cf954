package zim_test

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/groupd/groupd/client/zim"
	"github.com/groupd/groupd/internal/testserver"
)

func TestSignReferenceVector(t *testing.T) {
	// The reference's own sample.
	got := zim.Sign(12345, "4fd24687296dd9f3", "9193cc662a4c0ec135ec71fb57194b38", 1615186943)
	if want := "43e5cfcca828314675f91b001390566a"; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	s := zim.Signer{AppID: 12345, ServerSecret: "9193cc662a4c0ec135ec71fb57194b38",
		Now: func() time.Time { return time.Unix(1615186943, 0) }, Nonce: func() string { return "4fd24687296dd9f3" }}
	q := s.Query("QueryGroupInfo", url.Values{"GroupId": {"g"}})
	if q.Get("Signature") != "43e5cfcca828314675f91b001390566a" || q.Get("Action") != "QueryGroupInfo" ||
		q.Get("SignatureVersion") != "2.0" || q.Get("GroupId") != "g" || q.Get("Timestamp") != "1615186943" {
		t.Fatalf("query %v", q)
	}
}

func TestClientAgainstServer(t *testing.T) {
	srv := testserver.New(t, testserver.Options{})
	c := &zim.Client{Base: srv.URL, Signer: zim.Signer{AppID: testserver.ZIMAppID, ServerSecret: testserver.ZIMServerSecret}}
	ctx := context.Background()
	if err := c.Do(ctx, "UserRegister", nil, map[string]any{"UserInfo": []map[string]any{{"UserId": "alice"}, {"UserId": "bob"}}}, nil); err != nil {
		t.Fatal(err)
	}
	var created struct{ GroupId string }
	if err := c.Do(ctx, "CreateGroup", nil, map[string]any{"GroupId": "team", "GroupName": "Team", "GroupOwner": "alice", "UserId": []string{"bob"}}, &created); err != nil {
		t.Fatal(err)
	}
	if created.GroupId != "team" {
		t.Fatalf("CreateGroup answered %+v", created)
	}
	// A GET Action with its parameters in the query.
	if err := c.Do(ctx, "MuteGroupMembers", url.Values{"FromUserId": {"alice"}, "GroupId": {"team"}, "UserIds[]": {"bob"}, "Duration": {"600"}}, nil, nil); err != nil {
		t.Fatal(err)
	}
	// A wrong secret is a typed error.
	bad := &zim.Client{Base: srv.URL, Signer: zim.Signer{AppID: testserver.ZIMAppID, ServerSecret: "wrong"}}
	var ze *zim.Error
	if err := bad.Do(ctx, "QueryGroupInfo", nil, map[string]any{"FromUserId": "alice", "GroupId": "team"}, nil); !errors.As(err, &ze) || ze.Code != 100000005 {
		t.Fatalf("wrong secret: %v", err)
	}
}
