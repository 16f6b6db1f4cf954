// The instrumented store's methods, one per method of domain.Reader and
// domain.Tx. The wrapped store is a named field, not embedded, so a method
// added to the interfaces and not timed here fails to compile.

package metrics

import (
	"context"
	"time"

	"github.com/groupd/groupd/domain"
)

func (s *store) GetUsers(ctx context.Context, ids []string) (v0 []domain.User, err error) {
	defer s.m.observeSince("GetUsers", time.Now(), &err)
	return s.next.GetUsers(ctx, ids)
}

func (s *store) ListUsers(ctx context.Context, page domain.Page) (v0 []domain.User, v1 int64, err error) {
	defer s.m.observeSince("ListUsers", time.Now(), &err)
	return s.next.ListUsers(ctx, page)
}

func (s *store) GetGroup(ctx context.Context, groupID string) (v0 domain.Group, err error) {
	defer s.m.observeSince("GetGroup", time.Now(), &err)
	return s.next.GetGroup(ctx, groupID)
}

func (s *store) GetGroups(ctx context.Context, ids []string) (v0 []domain.Group, err error) {
	defer s.m.observeSince("GetGroups", time.Now(), &err)
	return s.next.GetGroups(ctx, ids)
}

func (s *store) ListGroupsAfter(ctx context.Context, afterSeq int64, limit int) (v0 []domain.Group, err error) {
	defer s.m.observeSince("ListGroupsAfter", time.Now(), &err)
	return s.next.ListGroupsAfter(ctx, afterSeq, limit)
}

func (s *store) CountGroups(ctx context.Context) (v0 int64, err error) {
	defer s.m.observeSince("CountGroups", time.Now(), &err)
	return s.next.CountGroups(ctx)
}

func (s *store) ListLiveGroupsAfter(ctx context.Context, afterSeq int64, limit int) (v0 []domain.Group, err error) {
	defer s.m.observeSince("ListLiveGroupsAfter", time.Now(), &err)
	return s.next.ListLiveGroupsAfter(ctx, afterSeq, limit)
}

func (s *store) CountLiveGroups(ctx context.Context) (v0 int64, err error) {
	defer s.m.observeSince("CountLiveGroups", time.Now(), &err)
	return s.next.CountLiveGroups(ctx)
}

func (s *store) SearchGroups(ctx context.Context, q domain.GroupSearch) (v0 []domain.Group, v1 int64, err error) {
	defer s.m.observeSince("SearchGroups", time.Now(), &err)
	return s.next.SearchGroups(ctx, q)
}

func (s *store) GetMember(ctx context.Context, groupID, userID string) (v0 domain.Member, err error) {
	defer s.m.observeSince("GetMember", time.Now(), &err)
	return s.next.GetMember(ctx, groupID, userID)
}

func (s *store) GetMembers(ctx context.Context, groupID string, userIDs []string) (v0 []domain.Member, err error) {
	defer s.m.observeSince("GetMembers", time.Now(), &err)
	return s.next.GetMembers(ctx, groupID, userIDs)
}

func (s *store) ListMembers(ctx context.Context, q domain.MemberQuery) (v0 []domain.Member, v1 int64, err error) {
	defer s.m.observeSince("ListMembers", time.Now(), &err)
	return s.next.ListMembers(ctx, q)
}

func (s *store) ListMembersAfter(ctx context.Context, groupID string, afterSeq int64, limit int) (v0 []domain.Member, err error) {
	defer s.m.observeSince("ListMembersAfter", time.Now(), &err)
	return s.next.ListMembersAfter(ctx, groupID, afterSeq, limit)
}

func (s *store) MemberUserIDs(ctx context.Context, groupID string) (v0 []string, err error) {
	defer s.m.observeSince("MemberUserIDs", time.Now(), &err)
	return s.next.MemberUserIDs(ctx, groupID)
}

func (s *store) ListJoined(ctx context.Context, userID string, page domain.Page) (v0 []domain.Member, v1 int64, err error) {
	defer s.m.observeSince("ListJoined", time.Now(), &err)
	return s.next.ListJoined(ctx, userID, page)
}

func (s *store) ListJoinedAfter(ctx context.Context, userID string, afterSeq int64, limit int) (v0 []domain.Member, err error) {
	defer s.m.observeSince("ListJoinedAfter", time.Now(), &err)
	return s.next.ListJoinedAfter(ctx, userID, afterSeq, limit)
}

func (s *store) CountJoined(ctx context.Context, userID string) (v0 int64, err error) {
	defer s.m.observeSince("CountJoined", time.Now(), &err)
	return s.next.CountJoined(ctx, userID)
}

func (s *store) JoinedGroupIDs(ctx context.Context, userID string) (v0 []string, err error) {
	defer s.m.observeSince("JoinedGroupIDs", time.Now(), &err)
	return s.next.JoinedGroupIDs(ctx, userID)
}

func (s *store) GetAttributes(ctx context.Context, groupID string) (v0 []domain.Attribute, err error) {
	defer s.m.observeSince("GetAttributes", time.Now(), &err)
	return s.next.GetAttributes(ctx, groupID)
}

func (s *store) GetRequest(ctx context.Context, groupID, userID string) (v0 domain.GroupRequest, err error) {
	defer s.m.observeSince("GetRequest", time.Now(), &err)
	return s.next.GetRequest(ctx, groupID, userID)
}

func (s *store) ListRequests(ctx context.Context, q domain.RequestQuery) (v0 []domain.GroupRequest, v1 int64, err error) {
	defer s.m.observeSince("ListRequests", time.Now(), &err)
	return s.next.ListRequests(ctx, q)
}

func (s *store) VersionLog(ctx context.Context, owner domain.VersionOwner, since int64, limit int) (v0 domain.VersionState, v1 []domain.VersionEntry, err error) {
	defer s.m.observeSince("VersionLog", time.Now(), &err)
	return s.next.VersionLog(ctx, owner, since, limit)
}

func (t *tx) GetUsers(ctx context.Context, ids []string) (v0 []domain.User, err error) {
	defer t.m.observeSince("tx.GetUsers", time.Now(), &err)
	return t.next.GetUsers(ctx, ids)
}

func (t *tx) ListUsers(ctx context.Context, page domain.Page) (v0 []domain.User, v1 int64, err error) {
	defer t.m.observeSince("tx.ListUsers", time.Now(), &err)
	return t.next.ListUsers(ctx, page)
}

func (t *tx) GetGroup(ctx context.Context, groupID string) (v0 domain.Group, err error) {
	defer t.m.observeSince("tx.GetGroup", time.Now(), &err)
	return t.next.GetGroup(ctx, groupID)
}

func (t *tx) GetGroups(ctx context.Context, ids []string) (v0 []domain.Group, err error) {
	defer t.m.observeSince("tx.GetGroups", time.Now(), &err)
	return t.next.GetGroups(ctx, ids)
}

func (t *tx) ListGroupsAfter(ctx context.Context, afterSeq int64, limit int) (v0 []domain.Group, err error) {
	defer t.m.observeSince("tx.ListGroupsAfter", time.Now(), &err)
	return t.next.ListGroupsAfter(ctx, afterSeq, limit)
}

func (t *tx) CountGroups(ctx context.Context) (v0 int64, err error) {
	defer t.m.observeSince("tx.CountGroups", time.Now(), &err)
	return t.next.CountGroups(ctx)
}

func (t *tx) ListLiveGroupsAfter(ctx context.Context, afterSeq int64, limit int) (v0 []domain.Group, err error) {
	defer t.m.observeSince("tx.ListLiveGroupsAfter", time.Now(), &err)
	return t.next.ListLiveGroupsAfter(ctx, afterSeq, limit)
}

func (t *tx) CountLiveGroups(ctx context.Context) (v0 int64, err error) {
	defer t.m.observeSince("tx.CountLiveGroups", time.Now(), &err)
	return t.next.CountLiveGroups(ctx)
}

func (t *tx) SearchGroups(ctx context.Context, q domain.GroupSearch) (v0 []domain.Group, v1 int64, err error) {
	defer t.m.observeSince("tx.SearchGroups", time.Now(), &err)
	return t.next.SearchGroups(ctx, q)
}

func (t *tx) GetMember(ctx context.Context, groupID, userID string) (v0 domain.Member, err error) {
	defer t.m.observeSince("tx.GetMember", time.Now(), &err)
	return t.next.GetMember(ctx, groupID, userID)
}

func (t *tx) GetMembers(ctx context.Context, groupID string, userIDs []string) (v0 []domain.Member, err error) {
	defer t.m.observeSince("tx.GetMembers", time.Now(), &err)
	return t.next.GetMembers(ctx, groupID, userIDs)
}

func (t *tx) ListMembers(ctx context.Context, q domain.MemberQuery) (v0 []domain.Member, v1 int64, err error) {
	defer t.m.observeSince("tx.ListMembers", time.Now(), &err)
	return t.next.ListMembers(ctx, q)
}

func (t *tx) ListMembersAfter(ctx context.Context, groupID string, afterSeq int64, limit int) (v0 []domain.Member, err error) {
	defer t.m.observeSince("tx.ListMembersAfter", time.Now(), &err)
	return t.next.ListMembersAfter(ctx, groupID, afterSeq, limit)
}

func (t *tx) MemberUserIDs(ctx context.Context, groupID string) (v0 []string, err error) {
	defer t.m.observeSince("tx.MemberUserIDs", time.Now(), &err)
	return t.next.MemberUserIDs(ctx, groupID)
}

func (t *tx) ListJoined(ctx context.Context, userID string, page domain.Page) (v0 []domain.Member, v1 int64, err error) {
	defer t.m.observeSince("tx.ListJoined", time.Now(), &err)
	return t.next.ListJoined(ctx, userID, page)
}

func (t *tx) ListJoinedAfter(ctx context.Context, userID string, afterSeq int64, limit int) (v0 []domain.Member, err error) {
	defer t.m.observeSince("tx.ListJoinedAfter", time.Now(), &err)
	return t.next.ListJoinedAfter(ctx, userID, afterSeq, limit)
}

func (t *tx) CountJoined(ctx context.Context, userID string) (v0 int64, err error) {
	defer t.m.observeSince("tx.CountJoined", time.Now(), &err)
	return t.next.CountJoined(ctx, userID)
}

func (t *tx) JoinedGroupIDs(ctx context.Context, userID string) (v0 []string, err error) {
	defer t.m.observeSince("tx.JoinedGroupIDs", time.Now(), &err)
	return t.next.JoinedGroupIDs(ctx, userID)
}

func (t *tx) GetAttributes(ctx context.Context, groupID string) (v0 []domain.Attribute, err error) {
	defer t.m.observeSince("tx.GetAttributes", time.Now(), &err)
	return t.next.GetAttributes(ctx, groupID)
}

func (t *tx) GetRequest(ctx context.Context, groupID, userID string) (v0 domain.GroupRequest, err error) {
	defer t.m.observeSince("tx.GetRequest", time.Now(), &err)
	return t.next.GetRequest(ctx, groupID, userID)
}

func (t *tx) ListRequests(ctx context.Context, q domain.RequestQuery) (v0 []domain.GroupRequest, v1 int64, err error) {
	defer t.m.observeSince("tx.ListRequests", time.Now(), &err)
	return t.next.ListRequests(ctx, q)
}

func (t *tx) VersionLog(ctx context.Context, owner domain.VersionOwner, since int64, limit int) (v0 domain.VersionState, v1 []domain.VersionEntry, err error) {
	defer t.m.observeSince("tx.VersionLog", time.Now(), &err)
	return t.next.VersionLog(ctx, owner, since, limit)
}

func (t *tx) LockGroup(ctx context.Context, groupID string) (v0 domain.Group, err error) {
	defer t.m.observeSince("tx.LockGroup", time.Now(), &err)
	return t.next.LockGroup(ctx, groupID)
}

func (t *tx) InsertUsers(ctx context.Context, users []domain.User) (err error) {
	defer t.m.observeSince("tx.InsertUsers", time.Now(), &err)
	return t.next.InsertUsers(ctx, users)
}

func (t *tx) UpdateUser(ctx context.Context, u domain.User) (err error) {
	defer t.m.observeSince("tx.UpdateUser", time.Now(), &err)
	return t.next.UpdateUser(ctx, u)
}

func (t *tx) InsertGroup(ctx context.Context, g domain.Group) (err error) {
	defer t.m.observeSince("tx.InsertGroup", time.Now(), &err)
	return t.next.InsertGroup(ctx, g)
}

func (t *tx) UpdateGroup(ctx context.Context, g domain.Group) (err error) {
	defer t.m.observeSince("tx.UpdateGroup", time.Now(), &err)
	return t.next.UpdateGroup(ctx, g)
}

func (t *tx) InsertMembers(ctx context.Context, members []domain.Member) (err error) {
	defer t.m.observeSince("tx.InsertMembers", time.Now(), &err)
	return t.next.InsertMembers(ctx, members)
}

func (t *tx) DeleteMembers(ctx context.Context, groupID string, userIDs []string) (v0 int, err error) {
	defer t.m.observeSince("tx.DeleteMembers", time.Now(), &err)
	return t.next.DeleteMembers(ctx, groupID, userIDs)
}

func (t *tx) DeleteAllMembers(ctx context.Context, groupID string) (v0 int, err error) {
	defer t.m.observeSince("tx.DeleteAllMembers", time.Now(), &err)
	return t.next.DeleteAllMembers(ctx, groupID)
}

func (t *tx) UpdateMember(ctx context.Context, m domain.Member) (err error) {
	defer t.m.observeSince("tx.UpdateMember", time.Now(), &err)
	return t.next.UpdateMember(ctx, m)
}

func (t *tx) PutAttributes(ctx context.Context, groupID string, attrs []domain.Attribute) (err error) {
	defer t.m.observeSince("tx.PutAttributes", time.Now(), &err)
	return t.next.PutAttributes(ctx, groupID, attrs)
}

func (t *tx) DeleteAttributes(ctx context.Context, groupID string, keys []string) (err error) {
	defer t.m.observeSince("tx.DeleteAttributes", time.Now(), &err)
	return t.next.DeleteAttributes(ctx, groupID, keys)
}

func (t *tx) PutRequest(ctx context.Context, r domain.GroupRequest) (err error) {
	defer t.m.observeSince("tx.PutRequest", time.Now(), &err)
	return t.next.PutRequest(ctx, r)
}

func (t *tx) LogVersion(ctx context.Context, owner domain.VersionOwner, op int, elementIDs []string) (v0 int64, err error) {
	defer t.m.observeSince("tx.LogVersion", time.Now(), &err)
	return t.next.LogVersion(ctx, owner, op, elementIDs)
}

func (t *tx) CompactVersions(ctx context.Context, owner domain.VersionOwner, upTo int64) (err error) {
	defer t.m.observeSince("tx.CompactVersions", time.Now(), &err)
	return t.next.CompactVersions(ctx, owner, upTo)
}

func (t *tx) AppendEvents(ctx context.Context, events []domain.Event) (err error) {
	defer t.m.observeSince("tx.AppendEvents", time.Now(), &err)
	return t.next.AppendEvents(ctx, events)
}

func (s *store) JoinedGroupIDPage(ctx context.Context, userID string, page domain.Page) (v0 []string, v1 int64, err error) {
	defer s.m.observeSince("JoinedGroupIDPage", time.Now(), &err)
	return s.next.JoinedGroupIDPage(ctx, userID, page)
}

func (s *store) GroupsWithMutedMembers(ctx context.Context, groupIDs []string, now int64) (v0 map[string]bool, err error) {
	defer s.m.observeSince("GroupsWithMutedMembers", time.Now(), &err)
	return s.next.GroupsWithMutedMembers(ctx, groupIDs, now)
}

func (s *store) GroupDataUnseen(ctx context.Context, userID string) (v0 []domain.GroupDataSeq, err error) {
	defer s.m.observeSince("GroupDataUnseen", time.Now(), &err)
	return s.next.GroupDataUnseen(ctx, userID)
}

func (t *tx) GroupDataUnseen(ctx context.Context, userID string) (v0 []domain.GroupDataSeq, err error) {
	defer t.m.observeSince("tx.GroupDataUnseen", time.Now(), &err)
	return t.next.GroupDataUnseen(ctx, userID)
}

func (t *tx) MarkGroupDataSeen(ctx context.Context, userID string, seen []domain.GroupDataSeq) (err error) {
	defer t.m.observeSince("tx.MarkGroupDataSeen", time.Now(), &err)
	return t.next.MarkGroupDataSeen(ctx, userID, seen)
}

func (s *store) VersionState(ctx context.Context, owner domain.VersionOwner) (v0 domain.VersionState, err error) {
	defer s.m.observeSince("VersionState", time.Now(), &err)
	return s.next.VersionState(ctx, owner)
}

func (t *tx) JoinedGroupIDPage(ctx context.Context, userID string, page domain.Page) (v0 []string, v1 int64, err error) {
	defer t.m.observeSince("tx.JoinedGroupIDPage", time.Now(), &err)
	return t.next.JoinedGroupIDPage(ctx, userID, page)
}

func (t *tx) GroupsWithMutedMembers(ctx context.Context, groupIDs []string, now int64) (v0 map[string]bool, err error) {
	defer t.m.observeSince("tx.GroupsWithMutedMembers", time.Now(), &err)
	return t.next.GroupsWithMutedMembers(ctx, groupIDs, now)
}

func (t *tx) VersionState(ctx context.Context, owner domain.VersionOwner) (v0 domain.VersionState, err error) {
	defer t.m.observeSince("tx.VersionState", time.Now(), &err)
	return t.next.VersionState(ctx, owner)
}

// The event log's reads and bookkeeping, timed like the queries.

func (s *store) ReadEvents(ctx context.Context, after domain.EventPos, limit int) (v0 []domain.Event, err error) {
	defer s.m.observeSince("ReadEvents", time.Now(), &err)
	return s.next.ReadEvents(ctx, after, limit)
}

func (s *store) EventPosOf(ctx context.Context, id int64) (v0 domain.EventPos, v1 bool, err error) {
	defer s.m.observeSince("EventPosOf", time.Now(), &err)
	return s.next.EventPosOf(ctx, id)
}

func (s *store) EventHead(ctx context.Context) (v0 domain.EventPos, err error) {
	defer s.m.observeSince("EventHead", time.Now(), &err)
	return s.next.EventHead(ctx)
}

func (s *store) PruneEvents(ctx context.Context, before int64, limit int) (v0 int, err error) {
	defer s.m.observeSince("PruneEvents", time.Now(), &err)
	return s.next.PruneEvents(ctx, before, limit)
}

func (s *store) SinkState(ctx context.Context, sink string) (v0 domain.EventPos, v1 bool, err error) {
	defer s.m.observeSince("SinkState", time.Now(), &err)
	return s.next.SinkState(ctx, sink)
}

func (s *store) DeliveredSeqs(ctx context.Context, sink string, partitions []string) (v0 map[string]int64, err error) {
	defer s.m.observeSince("DeliveredSeqs", time.Now(), &err)
	return s.next.DeliveredSeqs(ctx, sink, partitions)
}

func (s *store) SaveSinkProgress(ctx context.Context, sink string, pos domain.EventPos, seqs map[string]int64, dead []domain.DeadLetter) (err error) {
	defer s.m.observeSince("SaveSinkProgress", time.Now(), &err)
	return s.next.SaveSinkProgress(ctx, sink, pos, seqs, dead)
}

func (s *store) DeadLetters(ctx context.Context, sink string, limit int) (v0 []domain.DeadLetter, err error) {
	defer s.m.observeSince("DeadLetters", time.Now(), &err)
	return s.next.DeadLetters(ctx, sink, limit)
}

func (s *store) CountDeadLetters(ctx context.Context) (v0 map[string]int64, err error) {
	defer s.m.observeSince("CountDeadLetters", time.Now(), &err)
	return s.next.CountDeadLetters(ctx)
}

func (s *store) ReplayDeadLetters(ctx context.Context, sink string, eventIDs []int64) (v0 int, err error) {
	defer s.m.observeSince("ReplayDeadLetters", time.Now(), &err)
	return s.next.ReplayDeadLetters(ctx, sink, eventIDs)
}

func (s *store) TakeReplays(ctx context.Context, sink string, limit int) (v0 []domain.DeadLetter, v1 []domain.Event, err error) {
	defer s.m.observeSince("TakeReplays", time.Now(), &err)
	return s.next.TakeReplays(ctx, sink, limit)
}

func (s *store) ResolveDeadLetter(ctx context.Context, sink string, eventID int64, errMsg string) (err error) {
	defer s.m.observeSince("ResolveDeadLetter", time.Now(), &err)
	return s.next.ResolveDeadLetter(ctx, sink, eventID, errMsg)
}

func (s *store) TryLease(ctx context.Context, name string) (v0 domain.Lease, v1 bool, err error) {
	defer s.m.observeSince("TryLease", time.Now(), &err)
	return s.next.TryLease(ctx, name)
}
