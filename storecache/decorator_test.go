package storecache

import (
	"reflect"
	"testing"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/declared"
)

// Every store and transaction method is either handled by the cache or
// passes through on purpose: a method added to domain.Store or domain.Tx
// fails this test until it is placed on one side or the other.
func TestDecoratorDecidesEveryMethod(t *testing.T) {
	const fresh = "reads the database, never staler than the cache"
	const log = "the event log's bookkeeping: nothing the cache holds"
	declared.Cover(t, ".", "Store", reflect.TypeFor[domain.Store](), map[string]string{
		"Close": "closes the store", "Ping": "pings the store",
		"CountGroups": fresh, "CountJoined": fresh, "CountLiveGroups": fresh,
		"GetMembers": fresh, "GetRequest": fresh,
		"GroupsWithMutedMembers": fresh, "ListGroupsAfter": fresh, "ListJoined": fresh,
		"ListJoinedAfter": fresh, "ListLiveGroupsAfter": fresh, "ListMembersAfter": fresh,
		"ListRequests": fresh, "ListUsers": fresh, "SearchGroups": fresh, "VersionLog": fresh, "VersionState": fresh,
		"GroupDataUnseen": fresh,
		// The event log is read by the dispatcher only, never cached.
		"ReadEvents": fresh, "EventPosOf": fresh, "EventHead": fresh, "PruneEvents": log, "SinkState": fresh,
		"DeliveredSeqs": fresh, "SaveSinkProgress": log, "DeadLetters": fresh, "CountDeadLetters": fresh,
		"ReplayDeadLetters": log, "TakeReplays": fresh, "ResolveDeadLetter": log, "TryLease": log,
	})
	const own = "a transaction's reads are its own, never cached"
	const untouched = "changes nothing the cache holds"
	declared.Cover(t, ".", "cacheTx", reflect.TypeFor[domain.Tx](), map[string]string{
		"CountGroups": own, "CountJoined": own, "CountLiveGroups": own, "GetAttributes": own, "GetGroup": own,
		"GetGroups": own, "GetMember": own, "GetMembers": own, "GetRequest": own, "GetUsers": own,
		"GroupsWithMutedMembers": own, "JoinedGroupIDPage": own, "JoinedGroupIDs": own, "ListGroupsAfter": own,
		"ListJoined": own, "ListJoinedAfter": own, "ListLiveGroupsAfter": own, "ListMembers": own,
		"ListMembersAfter": own, "ListRequests": own, "ListUsers": own, "LockGroup": own, "MemberUserIDs": own,
		"SearchGroups": own, "VersionLog": own, "VersionState": own, "GroupDataUnseen": own,
		"CompactVersions": untouched,
		// A membership's group_data_seen is sync bookkeeping no cached
		// value holds (domain.Member has no such field).
		"MarkGroupDataSeen": untouched,
		// A new user has no cached profile: absence is never cached.
		"InsertUsers": untouched,
		"LogVersion":  untouched, "PutRequest": untouched,
	})
}
