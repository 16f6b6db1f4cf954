package storecache

import (
	"encoding/binary"

	"github.com/groupd/groupd/domain"
)

// Cached values are encoded in a compact binary form rather than JSON:
// decoding a group from JSON took longer than reading it from SQLite, so
// with JSON the cache slowed down every read it served. Each payload starts
// with a format byte; a payload in another format (an older JSON entry in
// Redis) fails to decode and counts as a miss.
const (
	formatGroup   byte = 0xB1
	formatIDs     byte = 0xB2
	formatUser    byte = 0xB3
	formatMembers byte = 0xB4
	formatIDPage  byte = 0xB5
	formatMember  byte = 0xB6
	formatAttrs   byte = 0xB7
)

type encoder struct{ b []byte }

func (e *encoder) str(s string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) int(v int64) { e.b = binary.AppendVarint(e.b, v) }

type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) int() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) len() int {
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > uint64(len(d.b)-n) {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

func (d *decoder) str() string {
	n := d.len()
	if d.bad {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// encodeGroup encodes every field of g (TestGroupCodecRoundTripsEveryField
// fails when a field is added to domain.Group and not here).
func encodeGroup(g domain.Group) []byte {
	e := encoder{b: make([]byte, 0, 128+len(g.Name)+len(g.Notification)+len(g.Introduction)+len(g.FaceURL)+len(g.Ex))}
	e.b = append(e.b, formatGroup)
	for _, s := range []string{g.GroupID, g.Name, g.Notification, g.Introduction, g.FaceURL, g.Ex,
		g.CreatorUserID, g.OwnerUserID, g.NotificationUserID} {
		e.str(s)
	}
	for _, v := range []int64{int64(g.Status), int64(g.GroupType), int64(g.NeedVerification), int64(g.LookMemberInfo),
		int64(g.ApplyMemberFriend), g.NotificationUpdateTime, g.CreateTime, g.MemberCount, g.DataSeq,
		g.MemberCountLimit, int64(g.InviteMode), int64(g.BeInvitedMode), g.NumberMessage, g.MuteUntil, g.Seq} {
		e.int(v)
	}
	muteAll := int64(0)
	if g.MuteAll {
		muteAll = 1
	}
	e.int(muteAll)
	if g.MutedRoles == nil {
		e.int(-1)
	} else {
		e.int(int64(len(g.MutedRoles)))
		for _, r := range g.MutedRoles {
			e.int(int64(r))
		}
	}
	return e.b
}

func decodeGroup(b []byte) (g domain.Group, ok bool) {
	if len(b) == 0 || b[0] != formatGroup {
		return g, false
	}
	d := decoder{b: b[1:]}
	for _, p := range []*string{&g.GroupID, &g.Name, &g.Notification, &g.Introduction, &g.FaceURL, &g.Ex,
		&g.CreatorUserID, &g.OwnerUserID, &g.NotificationUserID} {
		*p = d.str()
	}
	ints := []*int{&g.Status, &g.GroupType, &g.NeedVerification, &g.LookMemberInfo, &g.ApplyMemberFriend}
	for _, p := range ints {
		*p = int(d.int())
	}
	for _, p := range []*int64{&g.NotificationUpdateTime, &g.CreateTime, &g.MemberCount, &g.DataSeq, &g.MemberCountLimit} {
		*p = d.int()
	}
	g.InviteMode, g.BeInvitedMode = int(d.int()), int(d.int())
	g.NumberMessage, g.MuteUntil, g.Seq = d.int(), d.int(), d.int()
	g.MuteAll = d.int() == 1
	if n := d.int(); n >= 0 && n <= int64(len(d.b)) {
		g.MutedRoles = make([]int, n)
		for i := range g.MutedRoles {
			g.MutedRoles[i] = int(d.int())
		}
	} else if n != -1 {
		d.bad = true
	}
	return g, !d.bad && len(d.b) == 0
}

// encodeIDs encodes an ID list (nil and empty alike).
func encodeIDs(ids []string) []byte {
	size := 1 + binary.MaxVarintLen64
	for _, id := range ids {
		size += len(id) + 2
	}
	e := encoder{b: make([]byte, 0, size)}
	e.b = append(e.b, formatIDs)
	e.b = binary.AppendUvarint(e.b, uint64(len(ids)))
	for _, id := range ids {
		e.str(id)
	}
	return e.b
}

// decodeIDs decodes an ID list into substrings of one string: one
// allocation for the text however long the list.
func decodeIDs(b []byte) ([]string, bool) {
	if len(b) == 0 || b[0] != formatIDs {
		return nil, false
	}
	d := decoder{b: b[1:]}
	n := d.len()
	if d.bad || n > len(d.b) {
		return nil, false
	}
	text := string(d.b) // the lengths are in there too; substrings skip them
	ids := make([]string, n)
	off := 0
	for i := range ids {
		l, k := binary.Uvarint(d.b[off:])
		if k <= 0 || l > uint64(len(d.b)-off-k) {
			return nil, false
		}
		off += k
		ids[i] = text[off : off+int(l)]
		off += int(l)
	}
	return ids, off == len(d.b)
}

func encodeUser(u domain.User) []byte {
	e := encoder{b: make([]byte, 0, 16+len(u.UserID)+len(u.Nickname)+len(u.FaceURL)+len(u.Ex))}
	e.b = append(e.b, formatUser)
	for _, s := range []string{u.UserID, u.Nickname, u.FaceURL, u.Ex} {
		e.str(s)
	}
	e.int(u.CreateTime)
	return e.b
}

func decodeUser(b []byte) (u domain.User, ok bool) {
	if len(b) == 0 || b[0] != formatUser {
		return u, false
	}
	d := decoder{b: b[1:]}
	for _, p := range []*string{&u.UserID, &u.Nickname, &u.FaceURL, &u.Ex} {
		*p = d.str()
	}
	u.CreateTime = d.int()
	return u, !d.bad && len(d.b) == 0
}

// encodeMemberPage encodes a page of members and the total; every field of
// each member (TestMemberPageCodecRoundTripsEveryField).
func encodeMemberPage(p memberPage) []byte {
	e := encoder{b: make([]byte, 0, 16+len(p.members)*96)}
	e.b = append(e.b, formatMembers)
	e.int(p.total)
	e.b = binary.AppendUvarint(e.b, uint64(len(p.members)))
	for _, m := range p.members {
		e.member(m)
	}
	return e.b
}

func decodeMemberPage(b []byte) (p memberPage, ok bool) {
	if len(b) == 0 || b[0] != formatMembers {
		return p, false
	}
	d := decoder{b: b[1:]}
	p.total = d.int()
	n := d.len()
	if d.bad {
		return p, false
	}
	p.members = make([]domain.Member, n)
	for i := range p.members {
		if p.members[i] = d.member(); d.bad {
			return p, false
		}
	}
	return p, len(d.b) == 0
}

func encodeMember(m domain.Member) []byte {
	e := encoder{b: make([]byte, 0, 96)}
	e.b = append(e.b, formatMember)
	e.member(m)
	return e.b
}

func decodeMember(b []byte) (m domain.Member, ok bool) {
	if len(b) == 0 || b[0] != formatMember {
		return m, false
	}
	d := decoder{b: b[1:]}
	m = d.member()
	return m, !d.bad && len(d.b) == 0
}

// member encodes every field of m (TestMemberPageCodecRoundTripsEveryField).
func (e *encoder) member(m domain.Member) {
	for _, s := range []string{m.GroupID, m.UserID, m.Nickname, m.FaceURL, m.InviterUserID, m.OperatorUserID, m.Ex} {
		e.str(s)
	}
	for _, v := range []int64{int64(m.RoleLevel), int64(m.CustomRole), m.JoinTime, int64(m.JoinSource), m.MuteEndTime, m.Seq} {
		e.int(v)
	}
}

func (d *decoder) member() (m domain.Member) {
	for _, s := range []*string{&m.GroupID, &m.UserID, &m.Nickname, &m.FaceURL, &m.InviterUserID, &m.OperatorUserID, &m.Ex} {
		*s = d.str()
	}
	m.RoleLevel, m.CustomRole, m.JoinTime = int(d.int()), int(d.int()), d.int()
	m.JoinSource, m.MuteEndTime, m.Seq = int(d.int()), d.int(), d.int()
	return m
}

func encodeIDPage(p idPage) []byte {
	ids := encodeIDs(p.ids)
	e := encoder{b: make([]byte, 0, 1+binary.MaxVarintLen64+len(ids))}
	e.b = append(e.b, formatIDPage)
	e.int(p.total)
	e.b = append(e.b, ids...)
	return e.b
}

func decodeIDPage(b []byte) (p idPage, ok bool) {
	if len(b) == 0 || b[0] != formatIDPage {
		return p, false
	}
	d := decoder{b: b[1:]}
	p.total = d.int()
	if d.bad {
		return p, false
	}
	p.ids, ok = decodeIDs(d.b)
	return p, ok
}

// encodeAttributes encodes attributes (nil and empty alike).
func encodeAttributes(as []domain.Attribute) []byte {
	e := encoder{b: make([]byte, 0, 8+len(as)*32)}
	e.b = append(e.b, formatAttrs)
	e.b = binary.AppendUvarint(e.b, uint64(len(as)))
	for _, a := range as {
		e.str(a.Key)
		e.str(a.Value)
	}
	return e.b
}

func decodeAttributes(b []byte) ([]domain.Attribute, bool) {
	if len(b) == 0 || b[0] != formatAttrs {
		return nil, false
	}
	d := decoder{b: b[1:]}
	n := d.len()
	if d.bad {
		return nil, false
	}
	as := make([]domain.Attribute, n)
	for i := range as {
		as[i].Key, as[i].Value = d.str(), d.str()
	}
	return as, !d.bad && len(d.b) == 0
}
