package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/groupd/groupd/client"
)

func cmdVersion(ctx context.Context, a *app, args []string) error {
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	fmt.Fprintln(a.stdout, "groupctl", v)
	return nil
}

// needArgs checks the number of arguments.
func needArgs(args []string, min, max int, what string) error {
	if len(args) < min || max >= 0 && len(args) > max {
		return fmt.Errorf("%w: want %s", errUsage, what)
	}
	return nil
}

func cmdUserRegister(ctx context.Context, a *app, args []string) error {
	fs := a.flags("user register")
	var u client.NewUser
	fs.StringVar(&u.Nickname, "nickname", "", "")
	fs.StringVar(&u.FaceURL, "face-url", "", "")
	fs.StringVar(&u.Ex, "ex", "", "")
	ids, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(ids, 1, -1, "user register [--nickname N] ID..."); err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	users := make([]client.NewUser, len(ids))
	for i, id := range ids {
		users[i] = u
		users[i].UserID = id
	}
	if err := a.c.UserRegister(ctx, &client.UserRegisterReq{Users: users}); err != nil {
		return err
	}
	if a.json {
		return a.printJSON(map[string]any{"registered": ids})
	}
	fmt.Fprintf(a.stdout, "registered %d user(s): %s\n", len(ids), strings.Join(ids, ", "))
	return nil
}

func cmdUserInfo(ctx context.Context, a *app, args []string) error {
	ids, err := parse(a.flags("user info"), args)
	if err != nil {
		return err
	}
	if err := needArgs(ids, 1, -1, "user info ID..."); err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	resp, err := a.c.GetUsersInfo(ctx, &client.UserIDsReq{UserIDs: ids})
	if err != nil {
		return notFound(err, plural("user", ids))
	}
	found := map[string]bool{}
	for _, u := range resp.UsersInfo {
		found[u.UserID] = true
	}
	if a.json {
		if err := a.printJSON(resp.UsersInfo); err != nil {
			return err
		}
		return missing("user", ids, found)
	}
	t := a.table("USER ID", "NICKNAME", "FACE URL", "CREATED")
	for _, u := range resp.UsersInfo {
		t.row(u.UserID, u.Nickname, u.FaceURL, when(u.CreateTime))
	}
	if err := t.flush(); err != nil {
		return err
	}
	return missing("user", ids, found)
}

func cmdUserGroups(ctx context.Context, a *app, args []string) error {
	fs := a.flags("user groups")
	page := fs.Int("page", 1, "")
	size := fs.Int("size", 100, "")
	ids, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(ids, 1, 1, "user groups ID"); err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	resp, err := a.c.GetJoinedGroupList(ctx, &client.JoinedGroupListReq{FromUserID: ids[0],
		Pagination: client.Pagination{PageNumber: int32(*page), ShowNumber: int32(*size)}})
	if err != nil {
		return notFound(err, "user "+ids[0])
	}
	if a.json {
		return a.printJSON(resp)
	}
	if err := a.groupTable(resp.Groups); err != nil {
		return err
	}
	a.footer(len(resp.Groups), resp.Total, *page, *size, "group")
	return nil
}

func cmdGroupCreate(ctx context.Context, a *app, args []string) error {
	fs := a.flags("group create")
	var req client.CreateGroupReq
	var members, admins string
	var nv int
	fs.StringVar(&req.OwnerUserID, "owner", "", "")
	fs.StringVar(&req.GroupInfo.GroupID, "id", "", "")
	fs.StringVar(&req.GroupInfo.GroupName, "name", "", "")
	fs.StringVar(&req.GroupInfo.Notification, "notification", "", "")
	fs.StringVar(&req.GroupInfo.Introduction, "introduction", "", "")
	fs.StringVar(&req.GroupInfo.FaceURL, "face-url", "", "")
	fs.StringVar(&req.GroupInfo.Ex, "ex", "", "")
	fs.StringVar(&members, "members", "", "")
	fs.StringVar(&admins, "admins", "", "")
	fs.IntVar(&nv, "need-verification", 0, "")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(rest, 0, 0, "group create --owner ID --name NAME [--id ID] [--members a,b] [--admins c]"); err != nil {
		return err
	}
	if req.OwnerUserID == "" {
		return fmt.Errorf("%w: group create needs --owner", errUsage)
	}
	if err := a.connect(); err != nil {
		return err
	}
	req.GroupInfo.GroupType = 2
	req.GroupInfo.NeedVerification = int32(nv)
	req.MemberUserIDs, req.AdminUserIDs = splitList(members), splitList(admins)
	resp, err := a.c.CreateGroup(ctx, &req)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(resp.GroupInfo)
	}
	return a.groupTable([]client.GroupInfo{resp.GroupInfo})
}

func splitList(s string) []string {
	out := []string{}
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func cmdGroupInfo(ctx context.Context, a *app, args []string) error {
	ids, err := parse(a.flags("group info"), args)
	if err != nil {
		return err
	}
	if err := needArgs(ids, 1, -1, "group info ID..."); err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	resp, err := a.c.GetGroupsInfo(ctx, &client.GroupIDsReq{GroupIDs: ids})
	if err != nil {
		return notFound(err, plural("group", ids))
	}
	if a.json {
		if err := a.printJSON(resp.GroupInfos); err != nil {
			return err
		}
	} else if err := a.groupTable(resp.GroupInfos); err != nil {
		return err
	}
	found := map[string]bool{}
	for _, g := range resp.GroupInfos {
		found[g.GroupID] = true
	}
	return missing("group", ids, found)
}

// plural is "group 1" or "groups 1, 2".
func plural(noun string, ids []string) string {
	if len(ids) == 1 {
		return noun + " " + ids[0]
	}
	return noun + "s " + strings.Join(ids, ", ")
}

// missing is an error naming the ids that were asked for and not found.
func missing(noun string, ids []string, found map[string]bool) error {
	var lost []string
	for _, id := range ids {
		if !found[id] {
			lost = append(lost, id)
		}
	}
	if len(lost) == 0 {
		return nil
	}
	return fmt.Errorf("%s not found", plural(noun, lost))
}

func cmdGroupMembers(ctx context.Context, a *app, args []string) error {
	fs := a.flags("group members")
	page := fs.Int("page", 1, "")
	size := fs.Int("size", 100, "")
	keyword := fs.String("keyword", "", "")
	ids, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(ids, 1, 1, "group members ID"); err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	resp, err := a.c.GetGroupMemberList(ctx, &client.MemberListReq{GroupID: ids[0], Keyword: *keyword,
		Pagination: client.Pagination{PageNumber: int32(*page), ShowNumber: int32(*size)}})
	if err != nil {
		return notFound(err, "group "+ids[0])
	}
	if a.json {
		return a.printJSON(resp)
	}
	t := a.table("USER ID", "NICKNAME", "ROLE", "JOINED", "MUTED UNTIL")
	for _, m := range resp.Members {
		t.row(m.UserID, m.Nickname, roleName(m.RoleLevel), when(m.JoinTime), when(m.MuteEndTime))
	}
	if err := t.flush(); err != nil {
		return err
	}
	a.footer(len(resp.Members), resp.Total, *page, *size, "member")
	return nil
}

func cmdGroupSearch(ctx context.Context, a *app, args []string) error {
	fs := a.flags("group search")
	name := fs.String("name", "", "")
	id := fs.String("id", "", "")
	page := fs.Int("page", 1, "")
	size := fs.Int("size", 100, "")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 1 && *name == "" {
		*name = rest[0]
	} else if err := needArgs(rest, 0, 0, "group search [--name SUBSTRING] [--id ID]"); err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	resp, err := a.c.GetGroups(ctx, &client.GetGroupsReq{GroupName: *name, GroupID: *id,
		Pagination: client.Pagination{PageNumber: int32(*page), ShowNumber: int32(*size)}})
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(resp)
	}
	t := a.table("GROUP ID", "NAME", "OWNER", "OWNER NAME", "MEMBERS", "STATUS", "CREATED")
	for _, g := range resp.Groups {
		gi := g.GroupInfo
		t.row(gi.GroupID, gi.GroupName, g.GroupOwnerUserID, g.GroupOwnerUserName, strconv.FormatInt(gi.MemberCount, 10),
			statusName(gi.Status), when(gi.CreateTime))
	}
	if err := t.flush(); err != nil {
		return err
	}
	a.footer(len(resp.Groups), resp.Total, *page, *size, "group")
	return nil
}

func cmdGroupInvite(ctx context.Context, a *app, args []string) error {
	fs := a.flags("group invite")
	reason := fs.String("reason", "", "")
	ids, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(ids, 2, -1, "group invite GROUP USER..."); err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	if err := a.c.InviteUserToGroup(ctx, &client.InviteReq{GroupID: ids[0], InvitedUserIDs: ids[1:], Reason: *reason}); err != nil {
		return err
	}
	return a.done(map[string]any{"groupID": ids[0], "invited": ids[1:]}, "invited %s into %s", strings.Join(ids[1:], ", "), ids[0])
}

func cmdGroupKick(ctx context.Context, a *app, args []string) error {
	fs := a.flags("group kick")
	reason := fs.String("reason", "", "")
	ids, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(ids, 2, -1, "group kick GROUP USER..."); err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	if err := a.c.KickGroup(ctx, &client.KickReq{GroupID: ids[0], KickedUserIDs: ids[1:], Reason: *reason}); err != nil {
		return err
	}
	return a.done(map[string]any{"groupID": ids[0], "kicked": ids[1:]}, "removed %s from %s", strings.Join(ids[1:], ", "), ids[0])
}

func cmdGroupMute(ctx context.Context, a *app, args []string) error {
	fs := a.flags("group mute")
	seconds := fs.Int64("seconds", 0, "")
	ids, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(ids, 1, 2, "group mute GROUP [USER --seconds N]"); err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	if len(ids) == 1 {
		if err := a.c.MuteGroup(ctx, &client.GroupIDReq{GroupID: ids[0]}); err != nil {
			return err
		}
		return a.done(map[string]any{"groupID": ids[0], "muted": true}, "muted group %s", ids[0])
	}
	if *seconds <= 0 {
		return fmt.Errorf("%w: muting a member needs --seconds N", errUsage)
	}
	if err := a.c.MuteGroupMember(ctx, &client.MuteMemberReq{GroupID: ids[0], UserID: ids[1], MutedSeconds: *seconds}); err != nil {
		return err
	}
	return a.done(map[string]any{"groupID": ids[0], "userID": ids[1], "mutedSeconds": *seconds},
		"muted %s in %s for %s", ids[1], ids[0], time.Duration(*seconds)*time.Second)
}

func cmdGroupUnmute(ctx context.Context, a *app, args []string) error {
	ids, err := parse(a.flags("group unmute"), args)
	if err != nil {
		return err
	}
	if err := needArgs(ids, 1, 2, "group unmute GROUP [USER]"); err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	if len(ids) == 1 {
		if err := a.c.CancelMuteGroup(ctx, &client.GroupIDReq{GroupID: ids[0]}); err != nil {
			return err
		}
		return a.done(map[string]any{"groupID": ids[0], "muted": false}, "unmuted group %s", ids[0])
	}
	if err := a.c.CancelMuteGroupMember(ctx, &client.CancelMuteMemberReq{GroupID: ids[0], UserID: ids[1]}); err != nil {
		return err
	}
	return a.done(map[string]any{"groupID": ids[0], "userID": ids[1], "muted": false}, "unmuted %s in %s", ids[1], ids[0])
}

func cmdGroupDismiss(ctx context.Context, a *app, args []string) error {
	ids, err := parse(a.flags("group dismiss"), args)
	if err != nil {
		return err
	}
	if err := needArgs(ids, 1, 1, "group dismiss GROUP"); err != nil {
		return err
	}
	if err := a.connect(); err != nil {
		return err
	}
	if err := a.c.DismissGroup(ctx, &client.DismissReq{GroupID: ids[0]}); err != nil {
		return err
	}
	return a.done(map[string]any{"groupID": ids[0], "dismissed": true}, "dismissed group %s", ids[0])
}
