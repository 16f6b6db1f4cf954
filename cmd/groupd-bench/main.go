// Command groupd-bench seeds a realistic dataset into groupd's store, starts
// the real groupd server on loopback, and measures its HTTP endpoints
// against a ceiling: a minimal net/http server in this binary that answers
// with the identical pre-encoded bytes. It writes a Markdown report to
// bench/results/. See bench/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/store/postgres"
	"github.com/groupd/groupd/store/sqlite"
)

type options struct {
	dataDir    string
	dbURL      string
	scale      float64
	reseed     bool
	versions   bool
	duration   time.Duration
	workers    int
	writers    int
	only       string
	outDir     string
	groupdBin  string
	inProcess  bool
	cpuProfile string
	pageSize   int
	seedBatch  int
	rounds     int
	warmup     time.Duration
	// profileDir, in exec mode, runs groupd with --pprof-addr and saves a
	// CPU profile of the server over each max attack there.
	profileDir string
	// groupdFlags are extra flags for the groupd binary (exec mode).
	groupdFlags []string
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var o options
	fs := flag.NewFlagSet("groupd-bench", flag.ExitOnError)
	fs.StringVar(&o.dataDir, "data", "bench-data", "data directory of the seeded dataset (reused when it holds one of the same scale)")
	fs.StringVar(&o.dbURL, "db", "", "seed and serve PostgreSQL at this URL (postgres://…) instead of the embedded SQLite store")
	fs.Float64Var(&o.scale, "scale", 1, "dataset scale: 1 = 100,000 users and groups, 2,000,000 memberships; 0.1 for a quick run")
	fs.BoolVar(&o.reseed, "reseed", false, "delete the dataset in --data and seed anew")
	fs.BoolVar(&o.versions, "seed-versions", true, "seed the incremental-sync version logs as the domain writes them (2 entries per membership)")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "length of each measured attack")
	fs.IntVar(&o.workers, "workers", 32, "concurrent clients of the closed-loop (maximum rate) attacks")
	fs.IntVar(&o.writers, "writers", 32, "concurrent clients of the write attacks")
	fs.StringVar(&o.only, "only", "", "comma-separated endpoint names to run (default all)")
	fs.StringVar(&o.outDir, "out", "bench/results", "directory of the Markdown report (empty: no report)")
	fs.StringVar(&o.groupdBin, "groupd", "", "groupd binary to run (default: go build ./cmd/groupd)")
	fs.BoolVar(&o.inProcess, "inprocess", false, "serve groupd's handlers in this process (for --cpuprofile; RSS and start-up are then not groupd's alone)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of this process (seeding, load generation, and the server with --inprocess) to this file")
	fs.IntVar(&o.rounds, "rounds", 5, "slices each max attack is cut into, alternating groupd and the ceiling")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load on groupd before each read endpoint's max attack, so that it is measured in a steady state (its cache filled), not just after start")
	fs.IntVar(&o.seedBatch, "seed-batch", 500_000, "memberships per seeding transaction")
	fs.IntVar(&o.pageSize, "page", 20, "showNumber of the paged list endpoints")
	fs.StringVar(&o.profileDir, "server-profile", "", "exec mode: run groupd with --pprof-addr and write a CPU profile of the server over each endpoint's max attack to DIR/<endpoint>.prof")
	fs.Var((*multiFlag)(&o.groupdFlags), "groupd-flag", "extra flag for groupd (repeatable), e.g. --groupd-flag=--gzip-min-bytes=0; the environment (GOGC, GOMEMLIMIT) passes through")
	fs.Parse(os.Args[1:])
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "groupd-bench:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

func openStore(ctx context.Context, o options) (domain.Store, error) {
	if o.dbURL != "" {
		return postgres.Open(ctx, o.dbURL, postgres.Options{})
	}
	// A cache that holds every page a seeding transaction dirties: the
	// user index takes inserts all over, and a smaller cache spills.
	return sqlite.Open(ctx, filepath.Join(o.dataDir, "groupd.db"), sqlite.Options{WriteCacheKiB: 1 << 20})
}

func run(ctx context.Context, o options) error {
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	rep := &report{opts: o, started: time.Now(), loadBefore: loadAvg(), command: shellCommand(os.Args)}
	backend := "sqlite"
	if o.dbURL != "" {
		backend = "postgres"
	}
	rep.backend = backend

	// 1. The dataset.
	d := newDataset(o.scale)
	d.Versions = o.versions
	d.batch = max(1, o.seedBatch)
	if o.reseed {
		if o.dbURL != "" {
			return errors.New("--reseed with --db: drop and recreate the database yourself")
		}
		if err := os.RemoveAll(o.dataDir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(o.dataDir, 0o700); err != nil {
		return err
	}
	store, err := openStore(ctx, o)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	if have, ok := readSeedInfo(o.dataDir); ok && have.Scale == d.Scale && have.Versions == d.Versions {
		logf("reusing the dataset in %s (seeded %s)", o.dataDir, have.SeededAt)
		d, rep.reused = have, true
	} else {
		if ok {
			store.Close()
			return fmt.Errorf("%s holds a dataset of scale %v (versions %v); pass --reseed or another --data", o.dataDir, have.Scale, have.Versions)
		}
		logf("seeding %d users, %d groups, %d memberships (hot user in %d groups, big group of %d) into %s",
			d.Users, d.Groups, d.Memberships, d.HotGroups, d.BigMembers, backend)
		if err := seed(ctx, store, &d, logf); err != nil {
			store.Close()
			return err
		}
		d.SeededAt = time.Now().Format(time.RFC3339)
		if err := writeSeedInfo(o.dataDir, d); err != nil {
			store.Close()
			return err
		}
	}
	rep.data = d
	runID := strconv.FormatInt(time.Now().Unix()%1_000_000_000, 36)
	writers, err := writeUsers(ctx, store, runID, 2000)
	if err != nil {
		store.Close()
		return err
	}
	if err := store.Close(); err != nil {
		return err
	}
	if o.dbURL == "" {
		rep.dbBytes = fileSize(filepath.Join(o.dataDir, "groupd.db")) + fileSize(filepath.Join(o.dataDir, "groupd.db-wal"))
	}

	// 2. The server.
	var srv *server
	logPath := filepath.Join(o.dataDir, "groupd.log")
	if o.inProcess {
		srv, err = startInProcess(ctx, o.dataDir, logPath)
	} else {
		bin := o.groupdBin
		if bin == "" {
			tmp, err := os.MkdirTemp("", "groupd-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			logf("building groupd")
			if bin, err = buildGroupd(ctx, tmp); err != nil {
				return err
			}
		}
		srv, err = startExec(ctx, bin, o.dataDir, o.dbURL, logPath, o.profileDir != "", o.groupdFlags)
	}
	if err != nil {
		return fmt.Errorf("start groupd: %w", err)
	}
	stopped := false
	defer func() {
		if !stopped {
			srv.stop()
		}
	}()
	rep.startup = srv.startup
	logf("groupd ready on %s after %v", srv.addr, srv.startup.Round(time.Millisecond))
	base := "http://" + srv.addr

	admin, tokens, err := openimTokens(base, []string{hotUser})
	if err != nil {
		return fmt.Errorf("tokens: %w", err)
	}
	eps := endpoints(d, o.pageSize, admin, tokens[hotUser], writers)
	if o.only != "" {
		keep := map[string]bool{}
		for n := range strings.SplitSeq(o.only, ",") {
			keep[strings.TrimSpace(n)] = true
		}
		var sel []endpoint
		for _, ep := range eps {
			if keep[ep.name] {
				sel = append(sel, ep)
			}
		}
		eps = sel
	}

	ceil, err := startCeiling()
	if err != nil {
		return err
	}
	defer ceil.srv.Close()
	ceilBase := "http://" + ceil.addr

	// 3. The attacks.
	for _, ep := range eps {
		if err := ctx.Err(); err != nil {
			return err
		}
		row := row{name: ep.name, read: ep.read}
		c, err := capture(base, ep.next())
		if err != nil {
			return fmt.Errorf("%s: %w", ep.name, err)
		}
		if !strings.HasPrefix(string(c.plain), ep.okPfx) {
			return fmt.Errorf("%s: unexpected answer: HTTP %d %s", ep.name, c.status, shortBody(c.plain))
		}
		row.bytes, row.wireBytes = len(c.plain), len(c.body)
		row.sample = summarize(ep.name, c.plain)
		warm(base, ep, 50)
		if ep.read {
			ceil.cur.Store(c)
			warm(ceilBase, ep, 50)
			if o.warmup > 0 {
				var w attacker
				w.run(base, ep, 0, workersFor(ep, o), o.warmup)
			}
		}
		var st0 sqlite.Stats
		if srv.stats != nil {
			st0 = srv.stats()
		}
		t0 := time.Now()
		// Max: groupd and the ceiling in alternating slices, so that both
		// see the same (shared, varying) machine.
		var real, top attacker
		rounds := max(1, o.rounds)
		stopProfile := srv.profile(o.profileDir, ep.name, o.duration, ep.read)
		for range rounds {
			cpu0, io0 := serverCPU(srv), serverIO(srv)
			real.run(base, ep, 0, workersFor(ep, o), o.duration/time.Duration(rounds))
			row.max.cpu += serverCPU(srv) - cpu0
			row.max.written += serverIO(srv) - io0
			if ep.read {
				top.run(ceilBase, ep, 0, o.workers, o.duration/time.Duration(rounds))
			}
		}
		stopProfile()
		cpu, written := row.max.cpu, row.max.written
		row.max = real.result()
		row.max.cpu, row.max.written = cpu, written
		if srv.stats != nil {
			st1 := srv.stats()
			if n := st1.Batches - st0.Batches; n > 0 {
				row.batch = float64(st1.Writes-st0.Writes) / float64(n)
				row.writerBusy = float64(st1.Busy-st0.Busy) / float64(time.Since(t0))
				row.commitMs = float64(st1.Commit-st0.Commit) / float64(n) / 1e6
				logf("%-28s writer busy %.0f%% of the time, %.2f ms per COMMIT, %.0f µs per write outside COMMIT",
					ep.name, 100*row.writerBusy, row.commitMs, float64(st1.Busy-st0.Busy-(st1.Commit-st0.Commit))/float64(st1.Writes-st0.Writes)/1e3)
			}
		}
		logf("%-28s max %8.0f/s  p50 %v p99 %v  errors %d %s%s", ep.name, row.max.throughput,
			row.max.p50.Round(time.Microsecond), row.max.p99.Round(time.Microsecond), row.max.errors, row.max.firstError, batchNote(row.batch))
		if ep.read {
			row.ceil = top.result()
			logf("%-28s ceiling %8.0f/s  ratio %.2f", ep.name, row.ceil.throughput, row.max.throughput/row.ceil.throughput)
		}
		if row.max.throughput >= 2 {
			row.half = attack(base, ep, row.max.throughput/2, workersFor(ep, o), o.duration)
			logf("%-28s at %6.0f/s: p50 %v p99 %v errors %d %s", ep.name, row.max.throughput/2,
				row.half.p50.Round(time.Microsecond), row.half.p99.Round(time.Microsecond), row.half.errors, row.half.firstError)
		}
		rep.rows = append(rep.rows, row)
	}

	// 4. Memory, then stop.
	if srv.cmd != nil {
		st := procStatus(srv.cmd.Process.Pid, "VmHWM", "VmRSS")
		rep.hwmKB, rep.rssKB = st["VmHWM"], st["VmRSS"]
	}
	stopped = true
	if err := srv.stop(); err != nil {
		logf("stopping groupd: %v", err)
	}
	rep.loadAfter = loadAvg()
	rep.finished = time.Now()
	text := rep.markdown()
	fmt.Println(text)
	if o.outDir != "" {
		if err := os.MkdirAll(o.outDir, 0o755); err != nil {
			return err
		}
		name := filepath.Join(o.outDir, time.Now().Format("2006-01-02")+"-"+backend+".md")
		if o.scale != 1 {
			name = strings.TrimSuffix(name, ".md") + "-scale" + strconv.FormatFloat(o.scale, 'g', -1, 64) + ".md"
		}
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			return err
		}
		logf("report written to %s", name)
	}
	return nil
}

func workersFor(ep endpoint, o options) int {
	if ep.read {
		return o.workers
	}
	return o.writers
}

func serverIO(s *server) int64 {
	if s.cmd == nil {
		return 0
	}
	return ioBytes(s.cmd.Process.Pid)
}

func serverCPU(s *server) time.Duration {
	if s.cmd == nil {
		return 0
	}
	return cpuTime(s.cmd.Process.Pid)
}

// endpoints are the measured calls, reads first.
func endpoints(d dataset, page int, admin, hotToken string, writers []string) []endpoint {
	randGroup := func() string { return groupID(rand.IntN(d.Groups)) }
	const openimOK = `{"errCode":0,`
	const zimOK = `{"Code":0,`
	joinedDeep := max(1, d.HotGroups/page)
	membersDeep := max(1, d.BigMembers/page)
	var invites atomic.Int64
	lo, n := d.smallGroups()
	return []endpoint{
		{name: "get_groups_info/1", read: true, okPfx: openimOK, next: func() request {
			return openimRequest("/group/get_groups_info", hotToken, map[string]any{"groupIDs": []string{randGroup()}})
		}},
		{name: "get_groups_info/10", read: true, okPfx: openimOK, next: func() request {
			ids := make([]string, 0, 10)
			for len(ids) < 10 {
				if id := randGroup(); !contains(ids, id) {
					ids = append(ids, id)
				}
			}
			return openimRequest("/group/get_groups_info", hotToken, map[string]any{"groupIDs": ids})
		}},
		{name: "get_joined_group_list/first", read: true, okPfx: openimOK, next: func() request {
			return openimRequest("/group/get_joined_group_list", hotToken, map[string]any{"fromUserID": hotUser,
				"pagination": map[string]any{"pageNumber": 1, "showNumber": page}})
		}},
		{name: "get_joined_group_list/deep", read: true, okPfx: openimOK, next: func() request {
			return openimRequest("/group/get_joined_group_list", hotToken, map[string]any{"fromUserID": hotUser,
				"pagination": map[string]any{"pageNumber": joinedDeep, "showNumber": page}})
		}},
		{name: "get_group_member_list/first", read: true, okPfx: openimOK, next: func() request {
			return openimRequest("/group/get_group_member_list", hotToken, map[string]any{"groupID": bigGroup,
				"pagination": map[string]any{"pageNumber": 1, "showNumber": page}})
		}},
		{name: "get_group_member_list/deep", read: true, okPfx: openimOK, next: func() request {
			return openimRequest("/group/get_group_member_list", hotToken, map[string]any{"groupID": bigGroup,
				"pagination": map[string]any{"pageNumber": membersDeep, "showNumber": page}})
		}},
		{name: "zim/QueryGroupInfo", read: true, okPfx: zimOK, next: func() request {
			return zimRequest("QueryGroupInfo", map[string]any{"FromUserId": userID(rand.IntN(d.Users)), "GroupId": randGroup()})
		}},
		{name: "invite_user_to_group", okPfx: openimOK, next: func() request {
			// Pair i: writer i%K into a group that moves on each round of
			// the writers, so no pair repeats within a run.
			i := int(invites.Add(1))
			k := len(writers)
			u := i % k
			g := lo + (i/k+u*7919)%n
			return openimRequest("/group/invite_user_to_group", admin, map[string]any{"groupID": groupID(g),
				"invitedUserIDs": []string{writers[u]}, "reason": "bench"})
		}},
		{name: "create_group", okPfx: openimOK, next: func() request {
			owner := 1 + rand.IntN(d.Users-1)
			ids := make([]string, 0, 10)
			for len(ids) < 10 {
				u := 1 + rand.IntN(d.Users-1)
				if id := userID(u); u != owner && !contains(ids, id) {
					ids = append(ids, id)
				}
			}
			return openimRequest("/group/create_group", admin, map[string]any{"ownerUserID": userID(owner),
				"memberUserIDs": ids, "groupInfo": map[string]any{"groupName": "bench group", "groupType": 2}})
		}},
	}
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func shellCommand(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if i == 0 {
			a = "go run ./cmd/groupd-bench"
			out[i] = a
			continue
		}
		if strings.ContainsAny(a, " '\"$") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

func batchNote(b float64) string {
	if b == 0 {
		return ""
	}
	return fmt.Sprintf(" (%.1f writes per commit)", b)
}
