package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/groupd/groupd/domain"
)

// dataset describes what the seed holds. It is deterministic for a scale:
// the same scale always makes the same users, groups and memberships.
type dataset struct {
	Scale       float64 `json:"scale"`
	Users       int     `json:"users"`
	Groups      int     `json:"groups"`
	Memberships int     `json:"memberships"`
	HotGroups   int     `json:"hotGroups"`  // groups the hot user is in
	BigMembers  int     `json:"bigMembers"` // members of the big group
	Versions    bool    `json:"versions"`   // version logs seeded too
	batch       int     // memberships per transaction

	// Timings of the seeding run that made the data.
	UsersSeconds       float64 `json:"usersSeconds"`
	MembershipsSeconds float64 `json:"membershipsSeconds"` // groups + memberships
	VersionsSeconds    float64 `json:"versionsSeconds"`
	SeededAt           string  `json:"seededAt"`
}

func newDataset(scale float64) dataset {
	n := func(full int) int { return max(1, int(math.Round(float64(full)*scale))) }
	d := dataset{
		Scale:       scale,
		Users:       max(60, n(100_000)),
		Groups:      max(20, n(100_000)),
		Memberships: n(2_000_000),
		HotGroups:   n(10_000),
		BigMembers:  n(100_000),
	}
	d.BigMembers = min(d.BigMembers, d.Users)
	d.HotGroups = min(d.HotGroups, d.Groups)
	// Every other group has 5 to 50 members.
	others := d.Groups - 1
	d.Memberships = max(d.Memberships, d.BigMembers+others*5)
	d.Memberships = min(d.Memberships, d.BigMembers+others*50)
	return d
}

func userID(i int) string  { return fmt.Sprintf("u%07d", i) }
func groupID(i int) string { return strconv.Itoa(3_000_000_000 + i) }

// The hot user is in HotGroups groups; the big group has BigMembers members.
var (
	hotUser  = userID(0)
	bigGroup = groupID(0)
)

// memberUser is a member of the big group the member-list reads act as.
func (d dataset) bigGroupReader() string { return hotUser }

// groupSizes returns each group's member count: the big group first, the
// others between 5 and 50 (mostly small, exponentially distributed), summing
// to Memberships.
func (d dataset) groupSizes(rng *rand.Rand) []int {
	sizes := make([]int, d.Groups)
	sizes[0] = d.BigMembers
	rest := d.Memberships - d.BigMembers
	others := d.Groups - 1
	mean := float64(rest) / float64(max(1, others))
	sum := 0
	for i := 1; i < d.Groups; i++ {
		s := 5 + int(rng.ExpFloat64()*max(0.1, mean-5))
		s = min(50, s)
		sizes[i] = s
		sum += s
	}
	// Walk the sum to the target one member at a time.
	for sum != rest {
		i := 1 + rng.IntN(others)
		switch {
		case sum < rest && sizes[i] < 50:
			sizes[i]++
			sum++
		case sum > rest && sizes[i] > 5:
			sizes[i]--
			sum--
		}
	}
	return sizes
}

// members returns the user indexes of group gi (owner first) given its size.
// The hot user is in groups 0..HotGroups-1.
func (d dataset) members(rng *rand.Rand, gi, size int, pick map[int]bool) []int {
	if gi == 0 {
		out := make([]int, 0, size)
		out = append(out, 1) // owner
		for u := 0; len(out) < size; u++ {
			if u != 1 {
				out = append(out, u)
			}
		}
		return out
	}
	clear(pick)
	out := make([]int, 0, size)
	add := func(u int) {
		if !pick[u] {
			pick[u] = true
			out = append(out, u)
		}
	}
	owner := 1 + rng.IntN(d.Users-1)
	add(owner)
	if gi < d.HotGroups {
		add(0)
	}
	for len(out) < size {
		add(1 + rng.IntN(d.Users-1))
	}
	return out
}

const seedFile = "bench-seed.json"

func readSeedInfo(dir string) (dataset, bool) {
	b, err := os.ReadFile(filepath.Join(dir, seedFile))
	if err != nil {
		return dataset{}, false
	}
	var d dataset
	if json.Unmarshal(b, &d) != nil {
		return dataset{}, false
	}
	return d, true
}

func writeSeedInfo(dir string, d dataset) error {
	b, _ := json.MarshalIndent(d, "", "  ")
	return os.WriteFile(filepath.Join(dir, seedFile), append(b, '\n'), 0o644)
}

// seed fills store with d through Store.Write, many rows per transaction,
// and records the timings in d.
func seed(ctx context.Context, store domain.Store, d *dataset, logf func(string, ...any)) error {
	rng := rand.New(rand.NewPCG(1, uint64(d.Users)))
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()

	// Users, 10,000 per transaction.
	start := time.Now()
	const userBatch = 10_000
	for lo := 0; lo < d.Users; lo += userBatch {
		hi := min(d.Users, lo+userBatch)
		users := make([]domain.User, 0, hi-lo)
		for i := lo; i < hi; i++ {
			users = append(users, domain.User{
				UserID: userID(i), Nickname: "User " + strconv.Itoa(i),
				FaceURL:    "https://cdn.example.com/avatar/" + strconv.Itoa(i) + ".png",
				CreateTime: base + int64(i),
			})
		}
		if err := store.Write(ctx, func(tx domain.Tx) error { return tx.InsertUsers(ctx, users) }); err != nil {
			return fmt.Errorf("seed users: %w", err)
		}
	}
	d.UsersSeconds = time.Since(start).Seconds()
	logf("seeded %d users in %.1fs (%.0f/s)", d.Users, d.UsersSeconds, float64(d.Users)/d.UsersSeconds)

	// Groups and memberships, about 50,000 memberships per transaction.
	sizes := d.groupSizes(rng)
	var joined [][]int32 // user → group indexes, for the version logs
	if d.Versions {
		joined = make([][]int32, d.Users)
	}
	start = time.Now()
	memberBatch := d.batch
	pick := make(map[int]bool, 64)
	var groups []domain.Group
	var members [][]domain.Member
	inBatch := 0
	flush := func() error {
		if len(groups) == 0 {
			return nil
		}
		// One InsertMembers for the whole batch: the store then updates
		// each user's joined count once per batch, not once per group.
		all := make([]domain.Member, 0, inBatch)
		for _, ms := range members {
			all = append(all, ms...)
		}
		err := store.Write(ctx, func(tx domain.Tx) error {
			for _, g := range groups {
				if err := tx.InsertGroup(ctx, g); err != nil {
					return err
				}
			}
			return tx.InsertMembers(ctx, all)
		})
		groups, members, inBatch = groups[:0], members[:0], 0
		return err
	}
	for gi := 0; gi < d.Groups; gi++ {
		us := d.members(rng, gi, sizes[gi], pick)
		gid := groupID(gi)
		owner := userID(us[0])
		created := base + int64(gi)*1000
		groups = append(groups, domain.Group{
			GroupID: gid, Name: "Group " + strconv.Itoa(gi),
			Notification: "Welcome to group " + strconv.Itoa(gi) + ". Be kind.",
			Introduction: "A group for the benchmark",
			FaceURL:      "https://cdn.example.com/group/" + strconv.Itoa(gi) + ".png",
			GroupType:    domain.GroupTypeWorking, CreatorUserID: owner, OwnerUserID: owner,
			CreateTime: created, DataSeq: 1,
		})
		ms := make([]domain.Member, len(us))
		for j, u := range us {
			role := domain.RoleMember
			switch {
			case j == 0:
				role = domain.RoleOwner
			case j == 1 && len(us) >= 20:
				role = domain.RoleAdmin
			}
			inviter := owner
			if j == 0 {
				inviter = ""
			}
			ms[j] = domain.Member{GroupID: gid, UserID: userID(u), RoleLevel: role, JoinTime: created + int64(j),
				JoinSource: domain.JoinSourceInvitation, InviterUserID: inviter, OperatorUserID: owner}
			if joined != nil {
				joined[u] = append(joined[u], int32(gi))
			}
		}
		members = append(members, ms)
		inBatch += len(ms)
		if inBatch >= memberBatch {
			if err := flush(); err != nil {
				return fmt.Errorf("seed memberships: %w", err)
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("seed memberships: %w", err)
	}
	d.MembershipsSeconds = time.Since(start).Seconds()
	logf("seeded %d groups and %d memberships in %.1fs (%.0f memberships/s)",
		d.Groups, d.Memberships, d.MembershipsSeconds, float64(d.Memberships)/d.MembershipsSeconds)

	if !d.Versions {
		return nil
	}
	// Version logs as the domain writes them: each membership in its
	// group's member log and in its user's joined-group log.
	start = time.Now()
	rng = rand.New(rand.NewPCG(1, uint64(d.Users)))
	_ = d.groupSizes(rng) // same stream as above
	type logCall struct {
		owner domain.VersionOwner
		ids   []string
	}
	var calls []logCall
	n := 0
	flushLogs := func() error {
		err := store.Write(ctx, func(tx domain.Tx) error {
			for _, c := range calls {
				if _, err := tx.LogVersion(ctx, c.owner, domain.OpInsert, c.ids); err != nil {
					return err
				}
			}
			return nil
		})
		calls, n = calls[:0], 0
		return err
	}
	for gi := 0; gi < d.Groups; gi++ {
		us := d.members(rng, gi, sizes[gi], pick)
		ids := make([]string, len(us))
		for j, u := range us {
			ids[j] = userID(u)
		}
		for len(ids) > 0 {
			k := min(len(ids), 10_000)
			calls = append(calls, logCall{domain.VersionOwner{Kind: domain.VersionGroupMembers, ID: groupID(gi)}, ids[:k]})
			ids, n = ids[k:], n+k
		}
		if n >= memberBatch {
			if err := flushLogs(); err != nil {
				return fmt.Errorf("seed version logs: %w", err)
			}
		}
	}
	for u, gs := range joined {
		ids := make([]string, len(gs))
		for j, g := range gs {
			ids[j] = groupID(int(g))
		}
		calls = append(calls, logCall{domain.VersionOwner{Kind: domain.VersionUserGroups, ID: userID(u)}, ids})
		n += len(ids)
		if n >= memberBatch {
			if err := flushLogs(); err != nil {
				return fmt.Errorf("seed version logs: %w", err)
			}
		}
	}
	if err := flushLogs(); err != nil {
		return fmt.Errorf("seed version logs: %w", err)
	}
	d.VersionsSeconds = time.Since(start).Seconds()
	logf("seeded version logs (%d entries) in %.1fs", 2*d.Memberships, d.VersionsSeconds)
	return nil
}

// writeUsers registers k fresh users for the write phases (unique per run,
// so a reused dataset never sees the same invitation twice).
func writeUsers(ctx context.Context, store domain.Store, run string, k int) ([]string, error) {
	ids := make([]string, k)
	users := make([]domain.User, k)
	for i := range k {
		ids[i] = "w" + run + "-" + strconv.Itoa(i)
		users[i] = domain.User{UserID: ids[i], Nickname: "Writer " + strconv.Itoa(i), CreateTime: time.Now().UnixMilli()}
	}
	err := store.Write(ctx, func(tx domain.Tx) error { return tx.InsertUsers(ctx, users) })
	if errors.Is(err, domain.ErrUserExists) {
		return nil, fmt.Errorf("write users of run %s exist already: %w", run, err)
	}
	return ids, err
}

// smallGroups is the index range of groups the writes invite into.
func (d dataset) smallGroups() (lo, n int) { return 1, d.Groups - 1 }
