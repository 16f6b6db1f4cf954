package zim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/groupd/groupd/domain"
)

// seedExample is the response example of seeds/zim-QueryGroupInfo.txt
// (checked against the copy in testdata by TestSeedExampleMatchesFile).
const seedExample = `{
    "Code": 0,
    "Message": "success",
    "RequestId": "343649807833778782",
    "GroupName": "GroupName",
    "GroupNotice": "GroupNotice",
    "GroupDataSeq": 1,
    "GroupAvatar": "https://xxx.com/xxx.png",
    "IsAllForbid": true,
    "ForbidList": [2,3],
    "LimitInfo": {
        "MemberCountLimit": 100,
        "JoinMode": 1,
        "InviteMode": 1,
        "BeInvitedMode": 1,
        "NumberMessage": 100
    },
    "ForbidExpireTime": 1000,
    "GroupCreateTime": 10000,
    "GroupId": "GroupId",
    "GroupAttributes": [
        {
            "Key": "1",
            "Value": "1"
        },
        {
            "Key": "2",
            "Value": "2"
        }
    ]
}`

// seedFile is a copy of seeds/zim-QueryGroupInfo.txt from the shared folder,
// kept in the repository so that the check runs in every checkout.
const seedFile = "testdata/zim-QueryGroupInfo.txt"

func TestSeedExampleMatchesFile(t *testing.T) {
	text, err := os.ReadFile(seedFile)
	if err != nil {
		t.Fatal(err)
	}
	s := string(text)
	i := strings.Index(s, "Response example")
	if i < 0 {
		t.Fatal("no response example in the seed")
	}
	s = s[i:]
	start := strings.Index(s, "{")
	if start < 0 {
		t.Fatal("no JSON object after the response example heading")
	}
	depth, end := 0, -1
	for j := start; j < len(s) && end < 0; j++ {
		switch s[j] {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				end = j + 1
			}
		}
	}
	if end < 0 {
		t.Fatal("response example not closed")
	}
	var fromFile, embedded any
	if err := json.Unmarshal([]byte(s[start:end]), &fromFile); err != nil {
		t.Fatalf("seed example: %v", err)
	}
	if err := json.Unmarshal([]byte(seedExample), &embedded); err != nil {
		t.Fatalf("seedExample: %v", err)
	}
	if !reflect.DeepEqual(fromFile, embedded) {
		t.Fatalf("seed example changed:\n%s", s[start:end])
	}
}

// TestSeedCopyMatchesShared checks the copy in testdata against the shared
// folder, when that folder is beside the repository (an extra check: the
// copy alone is what TestSeedExampleMatchesFile reads).
func TestSeedCopyMatchesShared(t *testing.T) {
	shared, err := os.ReadFile("../../shared/seeds/zim-QueryGroupInfo.txt")
	if err != nil {
		t.Skip("shared/seeds not beside the repository; testdata copy checked alone")
	}
	local, err := os.ReadFile(seedFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shared, local) {
		t.Fatalf("%s differs from ../../shared/seeds/zim-QueryGroupInfo.txt: copy the shared seed again", seedFile)
	}
}

// shape lists an object's keys in order with their JSON types, recursing
// into objects and the first element of arrays: "LimitInfo.JoinMode number".
func shape(t *testing.T, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out []string
	var object func(prefix string)
	var value func(path string, tok json.Token)
	value = func(path string, tok json.Token) {
		switch tok {
		case json.Delim('{'):
			out = append(out, path+" object")
			object(path + ".")
		case json.Delim('['):
			out = append(out, path+" array")
			for i := 0; dec.More(); i++ {
				if i > 0 { // the first element stands for all
					var skip any
					_ = dec.Decode(&skip)
					continue
				}
				tok, _ := dec.Token()
				value(path+"[]", tok)
			}
			_, _ = dec.Token() // ]
		default:
			out = append(out, path+" "+scalarType(tok))
		}
	}
	object = func(prefix string) {
		for dec.More() {
			k, _ := dec.Token()
			tok, err := dec.Token()
			if err != nil {
				t.Fatal(err)
			}
			value(prefix+k.(string), tok)
		}
		_, _ = dec.Token() // }
	}
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	object("")
	return out
}

func scalarType(v any) string {
	switch v.(type) {
	case json.Number:
		return "number"
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// TestQueryGroupInfoSeed builds the seed's group through the API and compares
// the answer with the seed example field by field: names, order, JSON types,
// and the values that do not depend on time or history.
func TestQueryGroupInfoSeed(t *testing.T) {
	e := setup(t)
	e.register("userId")
	e.post("CreateGroup", obj{
		"GroupId": "GroupId", "GroupName": "GroupName", "GroupNotice": "GroupNotice",
		"GroupAvatar": "https://xxx.com/xxx.png", "GroupOwner": "o", "UserId": []string{"a", "b"},
		"Attributes":      []obj{{"Key": "1", "Value": "1"}, {"Key": "2", "Value": "2"}},
		"CreateGroupTime": 10000,
	}).ok()
	// A fresh group has GroupDataSeq 1, as in the seed.
	if gi := e.info("GroupId"); gi.GroupDataSeq != 1 {
		t.Fatalf("fresh GroupDataSeq %d", gi.GroupDataSeq)
	}
	e.get("ModifyGroupLimit", url.Values{"FromUserId": {"o"}, "GroupId": {"GroupId"}, "MemberCountLimit": {"100"},
		"JoinMode": {"1"}, "InviteMode": {"1"}, "BeInvitedMode": {"1"}}).ok()
	hundred := int64(100) // NumberMessage has no ZIM setter; it is stored as given.
	if err := e.svc.UpdateGroup(context.Background(), domain.Actor{Admin: true}, "GroupId", domain.GroupPatch{NumberMessage: &hundred}); err != nil {
		t.Fatal(err)
	}
	e.get("MuteGroup", url.Values{"FromUserId": {"o"}, "GroupId": {"GroupId"}, "MuteRoleList[]": {"2", "3"}, "Duration": {"3600"}}).ok()

	r := e.post("QueryGroupInfo", obj{"FromUserId": "userId", "GroupId": "GroupId"}).ok()

	gotShape, wantShape := shape(t, r.body), shape(t, []byte(seedExample))
	if !reflect.DeepEqual(gotShape, wantShape) {
		t.Fatalf("shape differs:\n got  %q\n want %q", gotShape, wantShape)
	}
	var got, want map[string]any
	r.into(&got)
	_ = json.Unmarshal([]byte(seedExample), &want)
	for _, k := range []string{"Code", "Message", "GroupName", "GroupNotice", "GroupAvatar", "ForbidList", "LimitInfo", "GroupCreateTime", "GroupId", "GroupAttributes"} {
		if !reflect.DeepEqual(got[k], want[k]) {
			t.Errorf("%s = %v, want %v", k, got[k], want[k])
		}
	}
	// The seed shows IsAllForbid with a ForbidList although its own note says
	// they never come together; groupd sends the role list alone.
	if got["IsAllForbid"] != false {
		t.Errorf("IsAllForbid with a ForbidList")
	}
	if want := float64(e.clock.Now().UnixMilli() + 3600_000); got["ForbidExpireTime"] != want {
		t.Errorf("ForbidExpireTime %v, want %v", got["ForbidExpireTime"], want)
	}
	if got["GroupDataSeq"] != float64(4) { // create, limits, NumberMessage, mute
		t.Errorf("GroupDataSeq %v, want 4", got["GroupDataSeq"])
	}
	if id, _ := got["RequestId"].(string); len(id) != 18 {
		t.Errorf("RequestId %q", got["RequestId"])
	}
}
