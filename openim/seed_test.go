package openim

import (
	"testing"
)

// seedWorld rebuilds the groups of the two OpenIM seed pages, at the seeds'
// own creation times.
func seedWorld(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.register(t, "4771680259", "3517105008", "2699373280", "9906953281",
		"u1", "u2", "u3", "u4", "u5", "u6", "u7")

	// 2137448827: created by 2699373280, later handed to 3517105008.
	e.clock.Set(1687753739612)
	creator := e.userToken(t, "2699373280")
	e.createGroup(t, creator, "2137448827", "2699373280", nil, []string{"3517105008", "9906953281"})
	e.ok(t, "/group/transfer_group", creator, map[string]any{
		"groupID": "2137448827", "oldOwnerUserID": "2699373280", "newOwnerUserID": "3517105008"})
	// 2559217223: 4771680259 and four members.
	e.clock.Set(1687760824104)
	e.data(t, "/group/create_group", e.admin, map[string]any{
		"ownerUserID": "4771680259", "memberUserIDs": []string{"u1", "u2", "u3", "u4"},
		"groupInfo": map[string]any{"groupID": "2559217223", "groupName": "Group1", "groupType": 2}})
	// 2759960147: 4771680259 and six members, 9906953281 among them.
	e.clock.Set(1688106933734)
	e.data(t, "/group/create_group", e.admin, map[string]any{
		"ownerUserID": "4771680259", "memberUserIDs": []string{"9906953281", "u1", "u2", "u3", "u4", "u5"},
		"groupInfo": map[string]any{"groupID": "2759960147", "groupName": "Group2", "groupType": 2}})
	// 3686066424: 9906953281's own, joined last (the seed's clock had gone back).
	e.clock.Set(1687933342067)
	e.data(t, "/group/create_group", e.userToken(t, "9906953281"), map[string]any{
		"ownerUserID": "9906953281", "memberUserIDs": []string{"u6", "u7"},
		"groupInfo": map[string]any{"groupID": "3686066424", "groupName": "Group3", "groupType": 2}})
	// and the first group's name, set by its new owner.
	e.ok(t, "/group/set_group_info", e.userToken(t, "3517105008"), map[string]any{
		"groupInfoForSet": map[string]any{"groupID": "2137448827", "groupName": "11111"}})
	return e
}

const seedGroup2137448827 = `{
  "groupID": "2137448827", "groupName": "11111", "notification": "", "introduction": "", "faceURL": "",
  "ownerUserID": "3517105008", "createTime": 1687753739612, "memberCount": 3, "ex": "", "status": 0,
  "creatorUserID": "2699373280", "groupType": 2, "needVerification": 0, "lookMemberInfo": 0,
  "applyMemberFriend": 0, "notificationUpdateTime": 0, "notificationUserID": ""}`

// Seed openim-get_groups_info.txt, success example.
func TestSeedGetGroupsInfo(t *testing.T) {
	e := seedWorld(t)
	r := e.ok(t, "/group/get_groups_info", e.admin, map[string]any{"groupIDs": []string{"2559217223", "2137448827"}})
	jsonEqual(t, r.raw, `{
  "errCode": 0, "errMsg": "", "errDlt": "",
  "data": {"groupInfos": [
    {"groupID": "2559217223", "groupName": "Group1", "notification": "", "introduction": "", "faceURL": "",
     "ownerUserID": "4771680259", "createTime": 1687760824104, "memberCount": 5, "ex": "", "status": 0,
     "creatorUserID": "4771680259", "groupType": 2, "needVerification": 0, "lookMemberInfo": 0,
     "applyMemberFriend": 0, "notificationUpdateTime": 0, "notificationUserID": ""},
    `+seedGroup2137448827+`
  ]}}`)
}

// Seed openim-get_joined_group_list.txt, success example.
func TestSeedGetJoinedGroupList(t *testing.T) {
	e := seedWorld(t)
	self := e.userToken(t, "9906953281")
	for _, token := range []string{self, e.admin} {
		r := e.ok(t, "/group/get_joined_group_list", token, map[string]any{
			"fromUserID": "9906953281", "pagination": map[string]any{"showNumber": 10, "pageNumber": 1}})
		jsonEqual(t, r.raw, `{
  "errCode": 0, "errMsg": "", "errDlt": "",
  "data": {"total": 3, "groups": [
    `+seedGroup2137448827+`,
    {"groupID": "2759960147", "groupName": "Group2", "notification": "", "introduction": "", "faceURL": "",
     "ownerUserID": "4771680259", "createTime": 1688106933734, "memberCount": 7, "ex": "", "status": 0,
     "creatorUserID": "4771680259", "groupType": 2, "needVerification": 0, "lookMemberInfo": 0,
     "applyMemberFriend": 0, "notificationUpdateTime": 0, "notificationUserID": ""},
    {"groupID": "3686066424", "groupName": "Group3", "notification": "", "introduction": "", "faceURL": "",
     "ownerUserID": "9906953281", "createTime": 1687933342067, "memberCount": 3, "ex": "", "status": 0,
     "creatorUserID": "9906953281", "groupType": 2, "needVerification": 0, "lookMemberInfo": 0,
     "applyMemberFriend": 0, "notificationUpdateTime": 0, "notificationUserID": ""}
  ]}}`)
	}
}

// The failure example of both seeds, byte for byte.
func TestSeedFailures(t *testing.T) {
	e := seedWorld(t)
	const want = `{"errCode":1004,"errMsg":"RecordNotFoundError","errDlt":": [1004]RecordNotFoundError"}`
	for _, c := range []struct {
		path string
		body map[string]any
	}{
		{"/group/get_groups_info", map[string]any{"groupIDs": []string{"404", "405"}}},
		{"/group/get_joined_group_list", map[string]any{"fromUserID": "nobody",
			"pagination": map[string]any{"showNumber": 10, "pageNumber": 1}}},
	} {
		t.Run(c.path, func(t *testing.T) {
			r := e.post(t, c.path, e.admin, c.body)
			if string(r.raw) != want {
				t.Fatalf("got  %s\nwant %s", r.raw, want)
			}
		})
	}
}

// Unknown IDs are left out when some exist.
func TestGetGroupsInfoSomeUnknown(t *testing.T) {
	e := seedWorld(t)
	d := e.data(t, "/group/get_groups_info", e.userToken(t, "u1"), map[string]any{"groupIDs": []string{"nope", "3686066424"}})
	infos := d["groupInfos"].([]any)
	if len(infos) != 1 || infos[0].(map[string]any)["groupID"] != "3686066424" {
		t.Fatalf("got %v", infos)
	}
}
