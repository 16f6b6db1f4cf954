package openim

import (
	"slices"
	"testing"
)

// TestGroupPermissions runs every permission rule of the group routes, each
// on a fresh world: g1 with owner, admin, member, member2; outsider and
// fresh are registered but not members; appadmin is imAdmin.
func TestGroupPermissions(t *testing.T) {
	page := map[string]any{"pageNumber": 1, "showNumber": 10}
	setInfo := func(id string) map[string]any {
		return map[string]any{"groupInfoForSet": map[string]any{"groupID": id, "groupName": "x"}}
	}
	kick := func(ids ...string) map[string]any { return map[string]any{"groupID": "g1", "kickedUserIDs": ids} }
	cases := []struct {
		name string
		who  string
		path string
		body map[string]any
		code int
		// members, when set, is g1's member list after the call.
		members []string
	}{
		// set_group_info / set_group_info_ex: owner, admin, app admin.
		{"set info owner", "owner", "/group/set_group_info", setInfo("g1"), 0, nil},
		{"set info admin", "admin", "/group/set_group_info", setInfo("g1"), 0, nil},
		{"set info app admin", "appadmin", "/group/set_group_info", setInfo("g1"), 0, nil},
		{"set info member", "member", "/group/set_group_info", setInfo("g1"), codeNoPermission, nil},
		{"set info outsider", "outsider", "/group/set_group_info", setInfo("g1"), codeRecordNotFound, nil},
		{"set info unknown group", "appadmin", "/group/set_group_info", setInfo("nope"), codeGroupIDNotFound, nil},
		{"set info ex owner", "owner", "/group/set_group_info_ex", map[string]any{"groupID": "g1", "ex": ""}, 0, nil},
		{"set info ex admin", "admin", "/group/set_group_info_ex", map[string]any{"groupID": "g1", "ex": ""}, 0, nil},
		{"set info ex app admin", "appadmin", "/group/set_group_info_ex", map[string]any{"groupID": "g1", "ex": ""}, 0, nil},
		{"set info ex member", "member", "/group/set_group_info_ex", map[string]any{"groupID": "g1", "ex": ""}, codeNoPermission, nil},
		{"set info ex outsider", "outsider", "/group/set_group_info_ex", map[string]any{"groupID": "g1", "ex": ""}, codeRecordNotFound, nil},

		// invite_user_to_group: members and app admins.
		{"invite by member", "member", "/group/invite_user_to_group", map[string]any{"groupID": "g1", "invitedUserIDs": []string{"fresh"}}, 0,
			[]string{"owner", "admin", "member", "member2", "fresh"}},
		{"invite by admin", "admin", "/group/invite_user_to_group", map[string]any{"groupID": "g1", "invitedUserIDs": []string{"fresh"}}, 0, nil},
		{"invite by owner", "owner", "/group/invite_user_to_group", map[string]any{"groupID": "g1", "invitedUserIDs": []string{"fresh"}}, 0, nil},
		{"invite by app admin", "appadmin", "/group/invite_user_to_group", map[string]any{"groupID": "g1", "invitedUserIDs": []string{"fresh"}}, 0, nil},
		{"invite by outsider", "outsider", "/group/invite_user_to_group", map[string]any{"groupID": "g1", "invitedUserIDs": []string{"fresh"}}, codeRecordNotFound, nil},
		{"invite a member", "owner", "/group/invite_user_to_group", map[string]any{"groupID": "g1", "invitedUserIDs": []string{"fresh", "member"}}, codeDuplicateKey,
			[]string{"owner", "admin", "member", "member2"}},
		{"invite unknown user", "owner", "/group/invite_user_to_group", map[string]any{"groupID": "g1", "invitedUserIDs": []string{"fresh", "ghost"}}, codeRecordNotFound,
			[]string{"owner", "admin", "member", "member2"}},
		{"invite to unknown group", "appadmin", "/group/invite_user_to_group", map[string]any{"groupID": "nope", "invitedUserIDs": []string{"fresh"}}, codeGroupIDNotFound, nil},
		{"invite twice in one call", "owner", "/group/invite_user_to_group", map[string]any{"groupID": "g1", "invitedUserIDs": []string{"fresh", "fresh"}}, codeArgs, nil},
		{"invite over 1000", "owner", "/group/invite_user_to_group", map[string]any{"groupID": "g1", "invitedUserIDs": manyIDs(1001)}, codeArgs, nil},

		// kick_group: owner kicks anyone but the owner; admins kick ordinary members; nobody kicks self.
		{"owner kicks member", "owner", "/group/kick_group", kick("member"), 0, []string{"owner", "admin", "member2"}},
		{"owner kicks admin", "owner", "/group/kick_group", kick("admin"), 0, []string{"owner", "member", "member2"}},
		{"owner kicks self", "owner", "/group/kick_group", kick("owner"), codeArgs, nil},
		{"admin kicks member", "admin", "/group/kick_group", kick("member"), 0, []string{"owner", "admin", "member2"}},
		{"admin kicks owner", "admin", "/group/kick_group", kick("owner"), codeArgs, nil},
		{"admin kicks self", "admin", "/group/kick_group", kick("admin"), codeArgs, nil},
		{"admin kicks member and owner", "admin", "/group/kick_group", kick("member", "owner"), codeArgs,
			[]string{"owner", "admin", "member", "member2"}},
		{"member kicks member", "member", "/group/kick_group", kick("member2"), codeNoPermission, nil},
		{"outsider kicks member", "outsider", "/group/kick_group", kick("member"), codeNoPermission, nil},
		{"app admin kicks admin", "appadmin", "/group/kick_group", kick("admin"), 0, []string{"owner", "member", "member2"}},
		{"app admin kicks owner", "appadmin", "/group/kick_group", kick("owner"), codeArgs, nil},
		{"kick non-member", "owner", "/group/kick_group", kick("outsider"), codeUserIDNotFound, nil},
		{"kick over 1000", "owner", "/group/kick_group", kick(manyIDs(1001)...), codeArgs, nil},

		// quit_group: self or app admin; the owner cannot quit.
		{"member quits", "member", "/group/quit_group", map[string]any{"groupID": "g1"}, 0, []string{"owner", "admin", "member2"}},
		{"admin quits", "admin", "/group/quit_group", map[string]any{"groupID": "g1", "userID": "admin"}, 0, []string{"owner", "member", "member2"}},
		{"owner quits", "owner", "/group/quit_group", map[string]any{"groupID": "g1"}, codeNoPermission, nil},
		{"member quits for other", "member", "/group/quit_group", map[string]any{"groupID": "g1", "userID": "member2"}, codeNoPermission, nil},
		{"owner quits for member", "owner", "/group/quit_group", map[string]any{"groupID": "g1", "userID": "member"}, codeNoPermission, nil},
		{"app admin quits member", "appadmin", "/group/quit_group", map[string]any{"groupID": "g1", "userID": "member"}, 0, []string{"owner", "admin", "member2"}},
		{"outsider quits", "outsider", "/group/quit_group", map[string]any{"groupID": "g1"}, codeRecordNotFound, nil},
		{"quit unknown group", "member", "/group/quit_group", map[string]any{"groupID": "nope"}, codeGroupIDNotFound, nil},

		// transfer_group: the old owner or an app admin, to a member.
		{"owner transfers", "owner", "/group/transfer_group", map[string]any{"groupID": "g1", "oldOwnerUserID": "owner", "newOwnerUserID": "member"}, 0, nil},
		{"app admin transfers", "appadmin", "/group/transfer_group", map[string]any{"groupID": "g1", "oldOwnerUserID": "owner", "newOwnerUserID": "admin"}, 0, nil},
		{"admin transfers", "admin", "/group/transfer_group", map[string]any{"groupID": "g1", "oldOwnerUserID": "owner", "newOwnerUserID": "admin"}, codeNoPermission, nil},
		{"member transfers", "member", "/group/transfer_group", map[string]any{"groupID": "g1", "oldOwnerUserID": "owner", "newOwnerUserID": "member"}, codeNoPermission, nil},
		{"transfer to outsider", "owner", "/group/transfer_group", map[string]any{"groupID": "g1", "oldOwnerUserID": "owner", "newOwnerUserID": "outsider"}, codeArgs, nil},
		{"transfer wrong old owner", "owner", "/group/transfer_group", map[string]any{"groupID": "g1", "oldOwnerUserID": "admin", "newOwnerUserID": "member"}, codeNoPermission, nil},

		// dismiss_group: owner or app admin.
		{"owner dismisses", "owner", "/group/dismiss_group", map[string]any{"groupID": "g1"}, 0, nil},
		{"app admin dismisses", "appadmin", "/group/dismiss_group", map[string]any{"groupID": "g1"}, 0, nil},
		{"admin dismisses", "admin", "/group/dismiss_group", map[string]any{"groupID": "g1"}, codeNoPermission, nil},
		{"member dismisses", "member", "/group/dismiss_group", map[string]any{"groupID": "g1"}, codeNoPermission, nil},
		{"outsider dismisses", "outsider", "/group/dismiss_group", map[string]any{"groupID": "g1"}, codeNoPermission, nil},
		{"dismiss unknown", "appadmin", "/group/dismiss_group", map[string]any{"groupID": "nope"}, codeGroupIDNotFound, nil},

		// member reads: members and app admins.
		{"list by member", "member", "/group/get_group_member_list", map[string]any{"groupID": "g1", "pagination": page}, 0, nil},
		{"list by app admin", "appadmin", "/group/get_group_member_list", map[string]any{"groupID": "g1", "pagination": page}, 0, nil},
		{"list by outsider", "outsider", "/group/get_group_member_list", map[string]any{"groupID": "g1", "pagination": page}, codeNoPermission, nil},
		{"list unknown group", "appadmin", "/group/get_group_member_list", map[string]any{"groupID": "nope", "pagination": page}, codeGroupIDNotFound, nil},
		{"info by member", "member", "/group/get_group_members_info", map[string]any{"groupID": "g1", "userIDs": []string{"owner"}}, 0, nil},
		{"info by app admin", "appadmin", "/group/get_group_members_info", map[string]any{"groupID": "g1", "userIDs": []string{"owner"}}, 0, nil},
		{"info by outsider", "outsider", "/group/get_group_members_info", map[string]any{"groupID": "g1", "userIDs": []string{"owner"}}, codeNoPermission, nil},
		{"info over 1000", "member", "/group/get_group_members_info", map[string]any{"groupID": "g1", "userIDs": manyIDs(1001)}, codeArgs, nil},
		{"ids by member", "member", "/group/get_group_member_user_id", map[string]any{"groupID": "g1"}, 0, nil},
		{"ids by app admin", "appadmin", "/group/get_group_member_user_id", map[string]any{"groupID": "g1"}, 0, nil},
		{"ids by outsider", "outsider", "/group/get_group_member_user_id", map[string]any{"groupID": "g1"}, codeNoPermission, nil},
		{"abstract by member", "member", "/group/get_group_abstract_info", map[string]any{"groupIDs": []string{"g1"}}, 0, nil},
		{"abstract by app admin", "appadmin", "/group/get_group_abstract_info", map[string]any{"groupIDs": []string{"g1"}}, 0, nil},
		{"abstract by outsider", "outsider", "/group/get_group_abstract_info", map[string]any{"groupIDs": []string{"g1"}}, codeNoPermission, nil},
		{"abstract over 1000", "appadmin", "/group/get_group_abstract_info", map[string]any{"groupIDs": manyIDs(1001)}, codeArgs, nil},

		// get_joined_group_list: self or app admin.
		{"joined self", "member", "/group/get_joined_group_list", map[string]any{"fromUserID": "member", "pagination": page}, 0, nil},
		{"joined other", "member", "/group/get_joined_group_list", map[string]any{"fromUserID": "owner", "pagination": page}, codeNoPermission, nil},
		{"joined by app admin", "appadmin", "/group/get_joined_group_list", map[string]any{"fromUserID": "owner", "pagination": page}, 0, nil},

		// get_groups_info: any user.
		{"groups info by outsider", "outsider", "/group/get_groups_info", map[string]any{"groupIDs": []string{"g1"}}, 0, nil},
		{"groups info over 1000", "outsider", "/group/get_groups_info", map[string]any{"groupIDs": manyIDs(1001)}, codeArgs, nil},
		{"groups info empty", "outsider", "/group/get_groups_info", map[string]any{"groupIDs": []string{}}, codeArgs, nil},

		// create_group: the owner themself or an app admin.
		{"create for self", "outsider", "/group/create_group", map[string]any{"ownerUserID": "outsider", "groupInfo": map[string]any{"groupType": 2}}, 0, nil},
		{"create for other", "outsider", "/group/create_group", map[string]any{"ownerUserID": "member", "groupInfo": map[string]any{"groupType": 2}}, codeNoPermission, nil},
		{"create for other by app admin", "appadmin", "/group/create_group", map[string]any{"ownerUserID": "member", "groupInfo": map[string]any{"groupType": 2}}, 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			if c.code == 0 {
				w.ok(t, c.path, w.tok(c.who), c.body)
			} else {
				w.fail(t, c.path, w.tok(c.who), c.body, c.code)
			}
			if c.members != nil {
				if got := w.memberIDs(t); !slices.Equal(got, c.members) {
					t.Fatalf("members after: %v, want %v", got, c.members)
				}
			}
		})
	}
}

// An app admin transfers without naming the old owner, who then takes the
// new owner's previous role.
func TestTransferRoles(t *testing.T) {
	w := newWorld(t)
	w.ok(t, "/group/transfer_group", w.env.admin, map[string]any{"groupID": "g1", "newOwnerUserID": "member"})
	roles := w.roles(t)
	if roles["member"] != 100 || roles["owner"] != 20 || roles["admin"] != 60 {
		t.Fatalf("roles after app admin transfer: %v", roles)
	}
}
