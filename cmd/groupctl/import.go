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
	cols   map[string]int // lower-case name → index
	ncols  int            // columns the header names
	rows   []csvRow       // the rows that parsed and fit the header
	failed []failure      // rows refused while reading: broken quotes, extra columns
	path   string
}

// csvRow is one record and the line it starts on (the header is line 1; a
// quoted value may span lines, so lines and rows can differ).
type csvRow struct {
	line  int
	cells []string
}

// readCSV reads the whole file. A row that does not parse (a broken quote)
// or has more fields than the header names is set aside as a failure with
// its line, and reading goes on after it, so the good rows before and after
// it are imported.
func readCSV(path string) (*csvFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = false
	header, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file (want a header row)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: the header row: %w", path, err)
	}
	c := &csvFile{cols: map[string]int{}, ncols: len(header), path: path}
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))
		if name == "" {
			continue
		}
		if _, dup := c.cols[name]; dup {
			return nil, fmt.Errorf("%s: the header names the column %q twice", path, name)
		}
		c.cols[name] = i
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			c.failed = append(c.failed, failure{Line: pe.StartLine, Error: describeParseError(pe)})
			continue
		}
		line, _ := r.FieldPos(0)
		if len(rec) > c.ncols {
			c.failed = append(c.failed, failure{Line: line, ID: rec[0], Error: fmt.Sprintf(
				"%d fields, but the header names %d columns (a comma too many, or a value with a comma that is not quoted)", len(rec), c.ncols)})
			continue
		}
		c.rows = append(c.rows, csvRow{line: line, cells: rec})
	}
	return c, nil
}

// describeParseError says what is wrong with a row the CSV reader refused,
// and which lines were left out because of it.
func describeParseError(pe *csv.ParseError) string {
	what := pe.Err.Error()
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		what = `a " inside a value that is not quoted (quote the whole value and double the quote: "say ""hi""")`
	case errors.Is(pe.Err, csv.ErrQuote) && pe.Line > pe.StartLine:
		return fmt.Sprintf(`a quoted value opened on this line is not closed where it should be; the reader took lines %d–%d as one value and gave up on line %d: none of these lines were imported`,
			pe.StartLine, pe.Line, pe.Line)
	case errors.Is(pe.Err, csv.ErrQuote):
		what = `a " is missing, or a character follows a closing " (want "value",next)`
	}
	return fmt.Sprintf("not imported: %s (line %d, column %d)", what, pe.Line, pe.Column)
}

// rowCount is the number of rows in the file, good or refused.
func (c *csvFile) rowCount() int { return len(c.rows) + len(c.failed) }

func (c *csvFile) has(col string) bool { _, ok := c.cols[strings.ToLower(col)]; return ok }

// get is row's value in col ("" when the column or the cell is missing).
func (c *csvFile) get(row csvRow, col string) string {
	i, ok := c.cols[strings.ToLower(col)]
	if !ok || i >= len(row.cells) {
		return ""
	}
	return strings.TrimSpace(row.cells[i])
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
	File          string    `json:"file"`
	Kind          string    `json:"kind"`
	Rows          int       `json:"rows"`
	Done          int       `json:"done"`     // users registered or members added
	Existing      int       `json:"existing"` // already there: left as they were
	Admins        int       `json:"admins,omitempty"`
	AdminsAlready int       `json:"adminsAlready,omitempty"`
	Groups        int       `json:"groupsCreated,omitempty"`
	Failed        int       `json:"failed"`
	Failures      []failure `json:"failures"` // the first maxFailures, in line order
	Seconds       float64   `json:"seconds"`

	all         []failure
	failedLines map[int]bool
}

type failure struct {
	Line  int    `json:"line"` // line in the file (the header is line 1)
	ID    string `json:"id"`
	Error string `json:"error"`
}

func (s *summary) fail(line int, id string, err error) {
	s.add(failure{Line: line, ID: id, Error: explain(err)})
}

func (s *summary) add(f failure) {
	s.Failed++
	if s.failedLines == nil {
		s.failedLines = map[int]bool{}
	}
	s.failedLines[f.Line] = true
	s.all = append(s.all, f)
}

func (a *app) report(s *summary) error {
	slices.SortStableFunc(s.all, func(x, y failure) int { return x.Line - y.Line })
	s.Failures = s.all[:min(len(s.all), maxFailures)]
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
			id := ""
			if f.ID != "" {
				id = " (" + f.ID + ")"
			}
			fmt.Fprintf(a.stdout, "  line %d%s: %s\n", f.Line, id, f.Error)
		}
		if s.Failed > len(s.Failures) {
			fmt.Fprintf(a.stdout, "  … and %d more failures (--json lists the first %d too)\n", s.Failed-len(s.Failures), maxFailures)
		}
	}
	if s.Failed > 0 {
		return fmt.Errorf("%d of %d rows failed; fix them and run the import again (rows already imported are left alone)", s.Failed, s.Rows)
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

// newSummary starts the summary of f with the rows refused while reading.
func newSummary(f *csvFile, kind string) *summary {
	s := &summary{File: f.path, Kind: kind, Rows: f.rowCount()}
	for _, fl := range f.failed {
		s.add(fl)
	}
	return s
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
	s := newSummary(f, "users")
	p := newProgress(a.stderr, "importing users", s.Rows)
	p.add(len(f.failed))
	seen := map[string]bool{}
	for lo := 0; lo < len(f.rows); lo += userBatch {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := min(lo+userBatch, len(f.rows))
		var users []client.NewUser
		var lines []int
		for _, row := range f.rows[lo:hi] {
			u := client.NewUser{UserID: f.get(row, "userID"), Nickname: f.get(row, "nickname"), FaceURL: f.get(row, "faceURL"), Ex: f.get(row, "ex")}
			switch {
			case u.UserID == "":
				s.fail(row.line, "", errors.New("userID is empty"))
				continue
			case seen[u.UserID]:
				s.Existing++ // repeated in the file
				continue
			}
			seen[u.UserID] = true
			users, lines = append(users, u), append(lines, row.line)
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
	if err != nil && !client.IsCode(err, client.CodeArgs) && !client.IsCode(err, client.CodeRecordNotFound) {
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
// does not exist is created when the file names its owner. Nothing that is
// already as the file says is written again, so a second run of a finished
// import changes nothing and says so.
func (a *app) importMemberships(ctx context.Context, f *csvFile) error {
	if !f.has("groupID") || !f.has("userID") {
		return fmt.Errorf("%s: the header needs groupID and userID columns", f.path)
	}
	if err := a.connect(); err != nil {
		return err
	}
	start := time.Now()
	s := newSummary(f, "memberships")
	var order []string
	byGroup := map[string][]membership{}
	for _, row := range f.rows {
		g, u, role := f.get(row, "groupID"), f.get(row, "userID"), strings.ToLower(f.get(row, "role"))
		if role == "" {
			role = "member"
		}
		switch {
		case g == "" || u == "":
			s.fail(row.line, g+"/"+u, errors.New("groupID or userID is empty"))
			continue
		case role != "owner" && role != "admin" && role != "member":
			s.fail(row.line, g+"/"+u, fmt.Errorf("role %q is not owner, admin or member", role))
			continue
		}
		if _, ok := byGroup[g]; !ok {
			order = append(order, g)
		}
		byGroup[g] = append(byGroup[g], membership{userID: u, role: role, line: row.line})
	}
	p := newProgress(a.stderr, "importing memberships", s.Rows)
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

// memberPage is the page size of reading a group's members: the most
// get_group_member_list answers at once.
const memberPage = 1000

// groupRoles reads every member of the group and its role.
func (a *app) groupRoles(ctx context.Context, groupID string) (map[string]int32, error) {
	roles := map[string]int32{}
	for page := int32(1); ; page++ {
		resp, err := a.c.GetGroupMemberList(ctx, &client.MemberListReq{GroupID: groupID,
			Pagination: client.Pagination{PageNumber: page, ShowNumber: memberPage}})
		if err != nil {
			return nil, err
		}
		for _, m := range resp.Members {
			roles[m.UserID] = m.RoleLevel
		}
		if len(resp.Members) < memberPage || int64(len(roles)) >= resp.Total {
			return roles, nil
		}
	}
}

func (a *app) importGroup(ctx context.Context, s *summary, groupID string, rows []membership, p *progress) error {
	defer p.add(len(rows))
	ownerIdx := slices.IndexFunc(rows, func(r membership) bool { return r.role == "owner" })
	var owner *membership
	if ownerIdx >= 0 {
		owner = &rows[ownerIdx]
	}
	created := false
	roles, err := a.groupRoles(ctx, groupID)
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
		roles = map[string]int32{owner.userID: client.RoleOwner}
	case isRowError(err):
		for _, r := range rows {
			s.fail(r.line, groupID+"/"+r.userID, err)
		}
		return nil
	default:
		return err
	}
	members := map[string]bool{}
	for id := range roles {
		members[id] = true
	}
	var add []membership
	for i, r := range rows {
		switch {
		case i == ownerIdx && created:
			// added by create_group
		case i == ownerIdx && roles[r.userID] == client.RoleOwner:
			s.Existing++
		case i == ownerIdx:
			s.fail(r.line, groupID+"/"+r.userID, fmt.Errorf("group %s exists and %s is not its owner: an owner row only creates a group (use transfer_group to change the owner)", groupID, r.userID))
		case r.role == "owner":
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
	// Admins last, once they are members; only those not admins already.
	var patches []client.MemberPatch
	var adminRows []membership
	for _, r := range rows {
		if r.role != "admin" || !members[r.userID] || s.failedLines[r.line] {
			continue
		}
		if roles[r.userID] == client.RoleAdmin {
			s.AdminsAlready++
			continue
		}
		level := int32(client.RoleAdmin)
		patches = append(patches, client.MemberPatch{GroupID: groupID, UserID: r.userID, RoleLevel: &level})
		adminRows = append(adminRows, r)
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
