package openim

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// tricky are strings whose JSON encoding has every special case.
var tricky = []string{
	"", "plain", `quote " backslash \ slash /`, "<script>&amp;</script>", "\x00\x01\x1f\x7f",
	"\b\f\n\r\t", "héllo wörld 群组 🚀", "\u2028\u2029", "bad \xff utf8 \xc3", "\xed\xa0\x80 surrogate",
	"\ufffd replacement", "end\\", "\"",
}

func randString(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return tricky[r.IntN(len(tricky))]
	}
	alphabet := []string{"a", "Z", "0", " ", "\"", "\\", "<", ">", "&", "\n", "\t", "\x00", "\x1b", "é", "群", "🚀",
		"\u2028", "\u2029", "\xff", "\xc3", "\x80", "\ufffd", "\x7f", "/", "'"}
	n := r.IntN(12)
	var b []byte
	for range n {
		b = append(b, alphabet[r.IntN(len(alphabet))]...)
	}
	return string(b)
}

func randInt(r *rand.Rand) int64 {
	switch r.IntN(4) {
	case 0:
		return 0
	case 1:
		return math.MinInt64 + r.Int64N(10)
	case 2:
		return math.MaxInt64 - r.Int64N(10)
	}
	return r.Int64N(1<<40) - 1<<39
}

func randGroupInfo(r *rand.Rand) groupInfo {
	return groupInfo{
		GroupID: randString(r), GroupName: randString(r), Notification: randString(r), Introduction: randString(r),
		FaceURL: randString(r), OwnerUserID: randString(r), CreateTime: randInt(r), MemberCount: randInt(r),
		Ex: randString(r), Status: int(randInt(r)), CreatorUserID: randString(r), GroupType: int(randInt(r)),
		NeedVerification: int(randInt(r)), LookMemberInfo: int(randInt(r)), ApplyMemberFriend: int(randInt(r)),
		NotificationUpdateTime: randInt(r), NotificationUserID: randString(r),
	}
}

func randMemberInfo(r *rand.Rand) memberInfo {
	return memberInfo{
		GroupID: randString(r), UserID: randString(r), RoleLevel: int(randInt(r)), JoinTime: randInt(r),
		Nickname: randString(r), FaceURL: randString(r), AppMangerLevel: int(randInt(r)), JoinSource: int(randInt(r)),
		OperatorUserID: randString(r), Ex: randString(r), MuteEndTime: randInt(r), InviterUserID: randString(r),
	}
}

// TestFastJSONMatchesEncodingJSON: the hand-written answers are byte for
// byte what json.Marshal writes.
func TestFastJSONMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	groups := func() []groupInfo {
		switch r.IntN(5) {
		case 0:
			return nil
		case 1:
			return []groupInfo{}
		}
		gs := make([]groupInfo, 1+r.IntN(4))
		for i := range gs {
			gs[i] = randGroupInfo(r)
		}
		return gs
	}
	members := func() []memberInfo {
		switch r.IntN(5) {
		case 0:
			return nil
		case 1:
			return []memberInfo{}
		}
		ms := make([]memberInfo, 1+r.IntN(4))
		for i := range ms {
			ms[i] = randMemberInfo(r)
		}
		return ms
	}
	for i := range 3000 {
		var data appender
		switch i % 3 {
		case 0:
			data = groupInfosResp{GroupInfos: groups()}
		case 1:
			data = joinedGroupListResp{Total: randInt(r), Groups: groups()}
		case 2:
			data = membersResp{Total: randInt(r), Members: members()}
		}
		want, err := json.Marshal(envelope{Data: data})
		if err != nil {
			t.Fatal(err)
		}
		if got := appendOKEnvelope(nil, data); !bytes.Equal(got, want) {
			t.Fatalf("%T:\n got %s\nwant %s", data, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range tricky {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q:\n got %s\nwant %s", s, got, want)
		}
	})
}
