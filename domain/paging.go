package domain

import "context"

// Keyset pages. Each list is ordered by the store-assigned Seq of its rows;
// a page returns the rows with Seq > after and Next, the Seq of its last row
// when more may follow (0 on the last page). Rows inserted while a client
// pages get higher Seqs, so they never shift a later page; each page costs
// O(limit) index reads.

// GroupPage is one page of groups.
type GroupPage struct {
	Groups []Group
	Next   int64
	// Total counts all rows of the list, from the store's maintained counts.
	Total int64
}

// MemberPage is one page of a group's members, with their user profiles.
// Members are as stored: empty nicknames are not filled from the profiles.
type MemberPage struct {
	Group   Group
	Members []Member
	Users   map[string]User
	Next    int64
}

// MuteStatus is a group under some mute: its own (MuteAll, MutedRoles) and
// whether any member is muted.
type MuteStatus struct {
	Group        Group
	MembersMuted bool
}

// MutePage is one scan window of groups under some mute.
type MutePage struct {
	Groups []MuteStatus
	Next   int64
}

func checkLimit(limit int) error {
	if limit <= 0 {
		return Errorf(KindInvalid, "page size %d is not positive", limit)
	}
	return nil
}

// GroupsAfter pages the groups that are not dismissed by creation order
// (app admins). Total counts the same groups, so that a client paging to
// the end sees Total groups, and only a short page is the last.
func (s *Service) GroupsAfter(ctx context.Context, a Actor, after int64, limit int) (GroupPage, error) {
	if err := requireAppAdmin(a); err != nil {
		return GroupPage{}, err
	}
	if err := checkLimit(limit); err != nil {
		return GroupPage{}, err
	}
	groups, err := s.store.ListLiveGroupsAfter(ctx, after, limit+1)
	if err != nil {
		return GroupPage{}, storeErr(err, "list groups")
	}
	var page GroupPage
	if len(groups) > limit {
		groups = groups[:limit]
		page.Next = groups[limit-1].Seq
	}
	page.Groups = groups
	page.Total, err = s.store.CountLiveGroups(ctx)
	return page, storeErr(err, "count groups")
}

// JoinedGroupsAfter pages the groups userID is a member of, in join order
// (the user themself or app admins). Dismissed groups whose memberships were
// kept are left out of the page (Total still counts them).
func (s *Service) JoinedGroupsAfter(ctx context.Context, a Actor, userID string, after int64, limit int) (GroupPage, error) {
	if err := s.checkID("userID", userID); err != nil {
		return GroupPage{}, err
	}
	if err := requireSelfOrAdmin(a, userID); err != nil {
		return GroupPage{}, err
	}
	if err := checkLimit(limit); err != nil {
		return GroupPage{}, err
	}
	if _, err := requireUser(ctx, s.store, userID); err != nil {
		return GroupPage{}, err
	}
	ms, err := s.store.ListJoinedAfter(ctx, userID, after, limit+1)
	if err != nil {
		return GroupPage{}, storeErr(err, "list joined groups")
	}
	var page GroupPage
	if len(ms) > limit {
		ms = ms[:limit]
		page.Next = ms[limit-1].Seq
	}
	groups, err := s.groupsInOrder(ctx, s.store, groupIDsOf(ms))
	if err != nil {
		return GroupPage{}, err
	}
	page.Groups = make([]Group, 0, len(groups))
	for _, g := range groups {
		if g.Status != StatusDismissed {
			page.Groups = append(page.Groups, g)
		}
	}
	page.Total, err = s.store.CountJoined(ctx, userID)
	return page, storeErr(err, "count joined groups")
}

// MembersAfter pages a group's members in join order (members and app
// admins), with the members' user profiles.
func (s *Service) MembersAfter(ctx context.Context, a Actor, groupID string, after int64, limit int) (MemberPage, error) {
	if err := s.checkID("groupID", groupID); err != nil {
		return MemberPage{}, err
	}
	if err := checkLimit(limit); err != nil {
		return MemberPage{}, err
	}
	g, err := s.readableGroup(ctx, a, groupID)
	if err != nil {
		return MemberPage{}, err
	}
	ms, err := s.store.ListMembersAfter(ctx, groupID, after, limit+1)
	if err != nil {
		return MemberPage{}, storeErr(err, "list members")
	}
	page := MemberPage{Group: g}
	if len(ms) > limit {
		ms = ms[:limit]
		page.Next = ms[limit-1].Seq
	}
	page.Members = ms
	page.Users, err = existingUsers(ctx, s.store, memberIDs(ms))
	return page, err
}

// MutedGroupsAfter scans the window groups with Seq > after (app admins) and
// returns the live ones under a group mute in force or with a member muted.
// Next is the Seq of the last group scanned, 0 when the scan reached the end;
// a window may hold no muted group while Next is not 0.
func (s *Service) MutedGroupsAfter(ctx context.Context, a Actor, after int64, window int) (MutePage, error) {
	if err := requireAppAdmin(a); err != nil {
		return MutePage{}, err
	}
	if err := checkLimit(window); err != nil {
		return MutePage{}, err
	}
	raw, err := s.store.ListGroupsAfter(ctx, after, window+1)
	if err != nil {
		return MutePage{}, storeErr(err, "list groups")
	}
	var page MutePage
	if len(raw) > window {
		raw = raw[:window]
		page.Next = raw[window-1].Seq
	}
	now := s.NowMillis()
	live := make([]Group, 0, len(raw))
	ids := make([]string, 0, len(raw))
	for _, g := range raw {
		if g.Status != StatusDismissed && g.MemberCount > 0 {
			live = append(live, g)
			ids = append(ids, g.GroupID)
		}
	}
	muted, err := s.groupsWithMutedMembers(ctx, ids, now)
	if err != nil {
		return MutePage{}, err
	}
	page.Groups = []MuteStatus{}
	for _, g := range live {
		st := MuteStatus{Group: g, MembersMuted: muted[g.GroupID]}
		if st.MembersMuted || g.MuteActive(now) {
			page.Groups = append(page.Groups, st)
		}
	}
	return page, nil
}

// groupsWithMutedMembers asks the store which groups have a muted member.
func (s *Service) groupsWithMutedMembers(ctx context.Context, ids []string, now int64) (map[string]bool, error) {
	m, err := s.store.GroupsWithMutedMembers(ctx, ids, now)
	return m, storeErr(err, "find muted members")
}
