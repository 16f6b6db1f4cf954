package sqlite_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/groupd/groupd/domain"
)

// The optional read capabilities answer what the Reader methods they stand
// in for answer.
func TestOptionalReadsMatchReader(t *testing.T) {
	db := mustOpen(t)
	ctx := context.Background()
	err := db.Write(ctx, func(tx domain.Tx) error {
		for i := range 30 {
			gid := fmt.Sprintf("g%02d", i)
			if err := tx.InsertGroup(ctx, domain.Group{GroupID: gid}); err != nil {
				return err
			}
			if err := tx.InsertMembers(ctx, []domain.Member{{GroupID: gid, UserID: "u", RoleLevel: domain.RoleMember}}); err != nil {
				return err
			}
		}
		_, err := tx.LogVersion(ctx, domain.VersionOwner{Kind: domain.VersionUserGroups, ID: "u"}, domain.OpInsert, []string{"g00"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []domain.Page{{Limit: 10}, {Offset: 25, Limit: 10}, {Offset: 40, Limit: 10}, {}} {
		ids, total, err := db.JoinedGroupIDPage(ctx, "u", p)
		if err != nil {
			t.Fatal(err)
		}
		ms, wantTotal, err := db.ListJoined(ctx, "u", p)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]string, len(ms))
		for i, m := range ms {
			want[i] = m.GroupID
		}
		if total != wantTotal || !reflect.DeepEqual(ids, want) {
			t.Fatalf("page %+v: got %v (total %d), want %v (total %d)", p, ids, total, want, wantTotal)
		}
	}
	for _, owner := range []domain.VersionOwner{{Kind: domain.VersionUserGroups, ID: "u"}, {Kind: domain.VersionUserGroups, ID: "nobody"}} {
		st, err := db.VersionState(ctx, owner)
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := db.VersionLog(ctx, owner, 1<<62, 1)
		if err != nil {
			t.Fatal(err)
		}
		if st != want {
			t.Fatalf("%v: VersionState %+v, VersionLog state %+v", owner, st, want)
		}
	}
}
