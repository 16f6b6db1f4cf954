package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/groupd/groupd/client"
)

// Batch sizes of the imports: user_register takes any number, but smaller
// calls keep one bad row from failing many; invites are capped at 1000.
const (
	userBatch   = 100
	inviteBatch = 500
	maxFailures = 20 // failures listed in the summary; the rest are counted
)

// csvFile is a CSV file with a header row, columns found by name.
type csvFile struct {
	cols map[string]int // lower-case name → index
	rows [][]string
	path string
}

func readCSV(path string) (*csvFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	records, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(records) == 0 {
		return nil, fmt.Errorf("%s: empty file (want a header row)", path)
	}
	c := &csvFile{cols: map[string]int{}, rows: records[1:], path: path}
	for i, name := range records[0] {
		name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))
		c.cols[name] = i
	}
	return c, nil
}

func (c *csvFile) has(col string) bool { _, ok := c.cols[strings.ToLower(col)]; return ok }

// get is row's value in col ("" when the column or the cell is missing).
func (c *csvFile) get(row []string, col string) string {
	i, ok := c.cols[strings.ToLower(col)]
	if !ok || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

// progress shows how far an import is, on stderr: a bar redrawn in place on
// a terminal, a line every ten percent otherwise.
type progress struct {
	w        io.Writer
	what     string
	total    int
	done     int
	tty      bool
	lastPct  int
	lastDraw time.Time
}

func newProgress(w io.Writer, what string, total int) *progress {
	p := &progress{w: w, what: what, total: total, lastPct: -1}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	p.draw(true)
	return p
}

func (p *progress) add(n int) {
	p.done += n
	p.draw(false)
}

func (p *progress) draw(force bool) {
	pct := 100
	if p.total > 0 {
		pct = p.done * 100 / p.total
	}
	if p.tty {
		if !force && time.Since(p.lastDraw) < 100*time.Millisecond && p.done < p.total {
			return
		}
		p.lastDraw = time.Now()
		const width = 30
		fill := pct * width / 100
		fmt.Fprintf(p.w, "\r%s [%s%s] %3d%% %d/%d", p.what, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), pct, p.done, p.total)
		return
	}
	if step := pct / 10; step > p.lastPct || force {
		p.lastPct = step
		fmt.Fprintf(p.w, "%s: %d/%d rows (%d%%)\n", p.what, p.done, p.total, pct)
	}
}

func (p *progress) finish() {
	p.done = p.total
	p.draw(p.tty)
	if p.tty {
		fmt.Fprintln(p.w)
	}
}

// summary is the result of an import.
type summary struct {
	File     string    `json:"file"`
	Kind     string    `json:"kind"`
	Rows     int       `json:"rows"`
	Done     int       `json:"done"`     // users registered or members added
	Existing int       `json:"existing"` // already there: left as they were
	Admins   int       `json:"admins,omitempty"`
	Groups   int       `json:"groupsCreated,omitempty"`
	Failed   int       `json:"failed"`
	Failures []failure `json:"failures"`
	Seconds  float64   `json:"seconds"`

	failedLines map[int]bool
}

type failure struct {
	Line  int    `json:"line"` // line in the file (the header is line 1)
	ID    string `json:"id"`
	Error string `json:"error"`
}

func (s *summary) fail(line int, id string, err error) {
	s.Failed++
	if s.failedLines == nil {
		s.failedLines = map[int]bool{}
	}
	s.failedLines[line] = true
	if len(s.Failures) < maxFailures {
		s.Failures = append(s.Failures, failure{Line: line, ID: id, Error: err.Error()})
	}
}

func (a *app) report(s *summary) error {
	if s.Failures == nil {
		s.Failures = []failure{}
	}
	if a.json {
		if err := a.printJSON(s); err != nil {
			return err
		}
	} else {
		switch s.Kind {
		case "users":
			fmt.Fprintf(a.stdout, "%s: %d rows: %d users registered, %d already existed, %d failed (%.1fs)\n",
				s.File, s.Rows, s.Done, s.Existing, s.Failed, s.Seconds)
		default:
			fmt.Fprintf(a.stdout, "%s: %d rows: %d members added, %d already members, %d admins set, %d groups created, %d failed (%.1fs)\n",
				s.File, s.Rows, s.Done, s.Existing, s.Admins, s.Groups, s.Failed, s.Seconds)
		}
		for _, f := range s.Failures {
			fmt.Fprintf(a.stdout, "  line %d (%s): %s\n", f.Line, f.ID, f.Error)
		}
		if s.Failed > len(s.Failures) {
			fmt.Fprintf(a.stdout, "  … and %d more failures\n", s.Failed-len(s.Failures))
		}
	}
	if s.Failed > 0 {
		return fmt.Errorf("%d of %d rows failed", s.Failed, s.Rows)
	}
	return nil
}

func cmdImport(ctx context.Context, a *app, args []string) error {
	files, err := parse(a.flags("import"), args)
	if err != nil {
		return err
	}
	if err := needArgs(files, 1, 1, "import FILE.csv"); err != nil {
		return err
	}
	f, err := readCSV(files[0])
	if err != nil {
		return err
	}
	switch {
	case f.has("groupID") && f.has("userID"):
		return a.importMemberships(ctx, f)
	case f.has("userID"):
		return a.importUsers(ctx, f)
	}
	return fmt.Errorf("%s: the header names neither userID (users) nor groupID,userID (memberships)", files[0])
}

func cmdImportUsers(ctx context.Context, a *app, args []string) error {
	f, err := a.importFile(args, "import users FILE.csv")
	if err != nil {
		return err
	}
	return a.importUsers(ctx, f)
}

func cmdImportMemberships(ctx context.Context, a *app, args []string) error {
	f, err := a.importFile(args, "import memberships FILE.csv")
	if err != nil {
		return err
	}
	return a.importMemberships(ctx, f)
}

func (a *app) importFile(args []string, what string) (*csvFile, error) {
	files, err := parse(a.flags("import"), args)
	if err != nil {
		return nil, err
	}
	if err := needArgs(files, 1, 1, what); err != nil {
		return nil, err
	}
	return readCSV(files[0])
}

// importUsers registers the users of the file that are not registered yet.
func (a *app) importUsers(ctx context.Context, f *csvFile) error {
	if !f.has("userID") {
		return fmt.Errorf("%s: no userID column in the header", f.path)
	}
	if err := a.connect(); err != nil {
		return err
	}
	start := time.Now()
	s := &summary{File: f.path, Kind: "users", Rows: len(f.rows)}
	p := newProgress(a.stderr, "importing users", len(f.rows))
	for lo := 0; lo < len(f.rows); lo += userBatch {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := min(lo+userBatch, len(f.rows))
		var users []client.NewUser
		var lines []int
		seen := map[string]bool{}
		for i, row := range f.rows[lo:hi] {
			u := client.NewUser{UserID: f.get(row, "userID"), Nickname: f.get(row, "nickname"), FaceURL: f.get(row, "faceURL"), Ex: f.get(row, "ex")}
			line := lo + i + 2
			switch {
			case u.UserID == "":
				s.fail(line, "", errors.New("userID is empty"))
				continue
			case seen[u.UserID]:
				s.Existing++ // repeated in the file
				continue
			}
			seen[u.UserID] = true
			users, lines = append(users, u), append(lines, line)
		}
		if err := a.registerBatch(ctx, s, users, lines); err != nil {
			return err
		}
		p.add(hi - lo)
	}
	p.finish()
	s.Seconds = time.Since(start).Seconds()
	return a.report(s)
}

// registerBatch registers users that do not exist yet; when the batch is
// refused, one by one, to find the rows at fault.
func (a *app) registerBatch(ctx context.Context, s *summary, users []client.NewUser, lines []int) error {
	if len(users) == 0 {
		return nil
	}
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.UserID
	}
	have, err := a.c.GetUsersInfo(ctx, &client.UserIDsReq{UserIDs: ids})
	if err != nil && !client.IsCode(err, client.CodeArgs) {
		return err // the server, not the rows
	}
	exists := map[string]bool{}
	if have != nil {
		for _, u := range have.UsersInfo {
			exists[u.UserID] = true
		}
	}
	var todo []client.NewUser
	var todoLines []int
	for i, u := range users {
		if exists[u.UserID] {
			s.Existing++
			continue
		}
		todo, todoLines = append(todo, u), append(todoLines, lines[i])
	}
	if len(todo) == 0 {
		return nil
	}
	if err := a.c.UserRegister(ctx, &client.UserRegisterReq{Users: todo}); err == nil {
		s.Done += len(todo)
		return nil
	} else if !isRowError(err) {
		return err
	}
	for i, u := range todo {
		switch err := a.c.UserRegister(ctx, &client.UserRegisterReq{Users: []client.NewUser{u}}); {
		case err == nil:
			s.Done++
		case client.IsCode(err, client.CodeRegisteredAlready):
			s.Existing++
		case isRowError(err):
			s.fail(todoLines[i], u.UserID, err)
		default:
			return err
		}
	}
	return nil
}

// isRowError: the server refused the data, rather than failing itself.
func isRowError(err error) bool {
	var ce *client.Error
	return errors.As(err, &ce) && ce.Code != client.CodeInternal && ce.HTTPStatus == 0 &&
		(ce.Code < client.CodeTokenExpired || ce.Code > client.CodeTokenNotExist)
}

// membership is one row of a memberships file.
type membership struct {
	userID, role string
	line         int
}

// importMemberships adds the file's members to their groups. A group that
// does not exist is created when the file names its owner.
func (a *app) importMemberships(ctx context.Context, f *csvFile) error {
	if !f.has("groupID") || !f.has("userID") {
		return fmt.Errorf("%s: the header needs groupID and userID columns", f.path)
	}
	if err := a.connect(); err != nil {
		return err
	}
	start := time.Now()
	s := &summary{File: f.path, Kind: "memberships", Rows: len(f.rows)}
	var order []string
	byGroup := map[string][]membership{}
	for i, row := range f.rows {
		g, u, role := f.get(row, "groupID"), f.get(row, "userID"), strings.ToLower(f.get(row, "role"))
		if role == "" {
			role = "member"
		}
		switch {
		case g == "" || u == "":
			s.fail(i+2, g+"/"+u, errors.New("groupID or userID is empty"))
			continue
		case role != "owner" && role != "admin" && role != "member":
			s.fail(i+2, g+"/"+u, fmt.Errorf("role %q is not owner, admin or member", role))
			continue
		}
		if _, ok := byGroup[g]; !ok {
			order = append(order, g)
		}
		byGroup[g] = append(byGroup[g], membership{userID: u, role: role, line: i + 2})
	}
	p := newProgress(a.stderr, "importing memberships", len(f.rows))
	p.add(s.Failed)
	for _, g := range order {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := a.importGroup(ctx, s, g, byGroup[g], p); err != nil {
			return err
		}
	}
	p.finish()
	s.Seconds = time.Since(start).Seconds()
	return a.report(s)
}

func (a *app) importGroup(ctx context.Context, s *summary, groupID string, rows []membership, p *progress) error {
	defer p.add(len(rows))
	ownerIdx := slices.IndexFunc(rows, func(r membership) bool { return r.role == "owner" })
	var owner *membership
	if ownerIdx >= 0 {
		owner = &rows[ownerIdx]
	}
	created := false
	current, err := a.c.GetGroupMemberUserID(ctx, &client.GroupIDReq{GroupID: groupID})
	switch {
	case err == nil:
	case client.IsCode(err, client.CodeGroupIDNotFound) || client.IsCode(err, client.CodeRecordNotFound):
		if owner == nil {
			for _, r := range rows {
				s.fail(r.line, groupID+"/"+r.userID, fmt.Errorf("group %s does not exist and the file names no owner to create it", groupID))
			}
			return nil
		}
		if _, err := a.c.CreateGroup(ctx, &client.CreateGroupReq{OwnerUserID: owner.userID, MemberUserIDs: []string{},
			AdminUserIDs: []string{}, GroupInfo: client.NewGroupInfo{GroupID: groupID, GroupName: groupID, GroupType: 2}}); err != nil {
			if !isRowError(err) {
				return err
			}
			for _, r := range rows {
				s.fail(r.line, groupID+"/"+r.userID, fmt.Errorf("create group: %w", err))
			}
			return nil
		}
		s.Groups++
		s.Done++
		created = true
		current = &client.MemberUserIDsResp{UserIDs: []string{owner.userID}}
	case isRowError(err):
		for _, r := range rows {
			s.fail(r.line, groupID+"/"+r.userID, err)
		}
		return nil
	default:
		return err
	}
	members := map[string]bool{}
	for _, id := range current.UserIDs {
		members[id] = true
	}
	var add []membership
	for i, r := range rows {
		switch {
		case i == ownerIdx && created:
			// added by create_group
		case i == ownerIdx && !members[r.userID]:
			s.fail(r.line, groupID+"/"+r.userID, fmt.Errorf("group %s exists: an owner row only creates a group (use transfer_group)", groupID))
		case r.role == "owner" && i != ownerIdx:
			s.fail(r.line, groupID+"/"+r.userID, errors.New("a second owner row; a group has one owner"))
		case members[r.userID]:
			s.Existing++
		default:
			members[r.userID] = true
			add = append(add, r)
		}
	}
	for lo := 0; lo < len(add); lo += inviteBatch {
		batch := add[lo:min(lo+inviteBatch, len(add))]
		if err := a.inviteBatch(ctx, s, groupID, batch); err != nil {
			return err
		}
	}
	// Admins last, once they are members.
	var patches []client.MemberPatch
	var adminRows []membership
	for _, r := range rows {
		if r.role == "admin" && members[r.userID] && !s.failedLines[r.line] {
			level := int32(client.RoleAdmin)
			patches = append(patches, client.MemberPatch{GroupID: groupID, UserID: r.userID, RoleLevel: &level})
			adminRows = append(adminRows, r)
		}
	}
	if len(patches) > 0 {
		if err := a.c.SetGroupMemberInfo(ctx, &client.SetMemberInfoReq{Members: patches}); err != nil {
			if !isRowError(err) {
				return err
			}
			for _, r := range adminRows {
				s.fail(r.line, groupID+"/"+r.userID, fmt.Errorf("make admin: %w", err))
			}
		} else {
			s.Admins += len(patches)
		}
	}
	return nil
}

func (a *app) inviteBatch(ctx context.Context, s *summary, groupID string, batch []membership) error {
	ids := make([]string, len(batch))
	for i, r := range batch {
		ids[i] = r.userID
	}
	err := a.c.InviteUserToGroup(ctx, &client.InviteReq{GroupID: groupID, InvitedUserIDs: ids})
	if err == nil {
		s.Done += len(batch)
		return nil
	}
	if !isRowError(err) {
		return err
	}
	for _, r := range batch {
		switch err := a.c.InviteUserToGroup(ctx, &client.InviteReq{GroupID: groupID, InvitedUserIDs: []string{r.userID}}); {
		case err == nil:
			s.Done++
		case isRowError(err):
			s.fail(r.line, groupID+"/"+r.userID, err)
		default:
			return err
		}
	}
	return nil
}
