package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// row is one endpoint's numbers.
type row struct {
	name       string
	read       bool
	max        result  // closed loop, --workers clients
	ceil       result  // the ceiling server, same load
	half       result  // constant rate at half of max
	batch      float64 // writes per commit (in process only)
	writerBusy float64 // share of the time the writer ran batches (in process only)
	commitMs   float64 // mean COMMIT time (in process only)
	bytes      int     // answer size, decompressed
	wireBytes  int     // answer size as sent
	sample     string
}

type report struct {
	opts       options
	backend    string
	command    string
	started    time.Time
	finished   time.Time
	loadBefore string
	loadAfter  string
	data       dataset
	reused     bool
	dbBytes    int64
	startup    time.Duration
	hwmKB      int64
	rssKB      int64
	rows       []row
}

// summarize says what one answer held, to show the reads did real work.
func summarize(name string, body []byte) string {
	var v map[string]any
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	count := func(path ...string) string {
		if a, ok := dig(v, path...).([]any); ok {
			return fmt.Sprint(len(a))
		}
		return "?"
	}
	switch {
	case strings.HasPrefix(name, "get_groups_info"):
		return count("data", "groupInfos") + " groups"
	case strings.HasPrefix(name, "get_joined_group_list"):
		return fmt.Sprintf("%s of %v groups", count("data", "groups"), dig(v, "data", "total"))
	case strings.HasPrefix(name, "get_group_member_list"):
		return fmt.Sprintf("%s of %v members", count("data", "members"), dig(v, "data", "total"))
	case strings.HasPrefix(name, "zim/"):
		return fmt.Sprintf("group %q, %s attributes", dig(v, "GroupName"), count("GroupAttributes"))
	case name == "create_group":
		return fmt.Sprintf("%v members", dig(v, "data", "groupInfo", "memberCount"))
	}
	return ""
}

func machine() []string {
	var out []string
	out = append(out, fmt.Sprintf("CPUs (nproc): %d", runtime.NumCPU()))
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				out = append(out, "CPU model: "+strings.TrimSpace(v))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if strings.HasPrefix(line, "MemTotal:") {
				var kb int64
				fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(line, "MemTotal:"), "kB")), &kb)
				out = append(out, fmt.Sprintf("memory: %.1f GiB", float64(kb)/(1<<20)))
			}
		}
	}
	if b, err := exec.Command("go", "version").Output(); err == nil {
		out = append(out, "Go: "+strings.TrimSpace(string(b)))
	} else {
		out = append(out, "Go: "+runtime.Version())
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		out = append(out, "kernel: "+strings.TrimSpace(string(b)))
	}
	return out
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func (r *report) find(name string) *row {
	for i := range r.rows {
		if r.rows[i].name == name {
			return &r.rows[i]
		}
	}
	return nil
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}

func (r *report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	d := r.data
	p("# groupd benchmark, %s, %s", r.started.Format("2006-01-02 15:04"), r.backend)
	p("")
	p("Command (from the repository root):")
	p("")
	p("    %s", r.command)
	p("")
	p("Machine: %s. Load average (1/5/15 min) %s before the run, %s after; other work shared the machine.",
		strings.Join(machine(), "; "), r.loadBefore, r.loadAfter)
	p("Run time: %s. Each attack: %v; reads with %d concurrent clients (after %v of unmeasured load on groupd), writes with %d; page size %d.",
		r.finished.Sub(r.started).Round(time.Second), r.opts.duration, r.opts.workers, r.opts.warmup, r.opts.writers, r.opts.pageSize)
	if r.opts.inProcess {
		p("Server: groupd's handlers **in process** (for profiling): RSS and start-up are not groupd's alone.")
	} else {
		p("Server: the groupd binary (`go build ./cmd/groupd`), exec'd with its default flags but for the credentials and `--zim-qps 0 --zim-group-qps 0`; requests logged at info level to a file.")
	}
	p("")
	p("## Dataset")
	p("")
	p("%d users, %d groups, %d memberships (scale %v): user %s is in %d groups, group %s has %d members, every other group 5–50 members. Version logs seeded: %v. Database: %.0f MiB.",
		d.Users, d.Groups, d.Memberships, d.Scale, hotUser, d.HotGroups, bigGroup, d.BigMembers, d.Versions, float64(r.dbBytes)/(1<<20))
	if r.reused {
		p("The dataset was reused from an earlier run (seeded %s); the seeding times are that run's.", d.SeededAt)
	}
	p("")
	p("| seeding step | time | rate |")
	p("| --- | --- | --- |")
	p("| users | %.1f s | %.0f users/s |", d.UsersSeconds, float64(d.Users)/d.UsersSeconds)
	p("| groups + memberships | %.1f s | %.0f memberships/s |", d.MembershipsSeconds, float64(d.Memberships)/d.MembershipsSeconds)
	if d.Versions {
		p("| version logs (%d entries) | %.1f s | %.0f entries/s |", 2*d.Memberships, d.VersionsSeconds, float64(2*d.Memberships)/d.VersionsSeconds)
	}
	p("")
	p("## Endpoints")
	p("")
	p("Max: closed loop, each client sends its next request when the answer arrives. Ceiling: the same load on a minimal net/http server in the benchmark binary answering with the identical bytes (captured from groupd). Latency: constant offered rate of half groupd's max.")
	p("")
	p("| endpoint | answer | max/s | ceiling/s | ratio | server CPU/req | p50 @ ½max | p99 @ ½max | errors |")
	p("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, w := range r.rows {
		ceil, ratio := "–", "–"
		if w.read && w.ceil.throughput > 0 {
			ceil = fmt.Sprintf("%.0f", w.ceil.throughput)
			ratio = fmt.Sprintf("%.0f%%", 100*w.max.throughput/w.ceil.throughput)
		}
		cpu := "–"
		if w.max.cpu > 0 && w.max.requests > 0 {
			cpu = fmt.Sprintf("%.0f µs", float64(w.max.cpu.Microseconds())/float64(w.max.requests))
		}
		batch := ""
		if w.batch > 0 {
			batch = fmt.Sprintf(", %.1f writes/commit, writer busy %.0f%%, %.1f ms/COMMIT", w.batch, 100*w.writerBusy, w.commitMs)
		}
		if !w.read && w.max.written > 0 && w.max.requests > 0 {
			batch += fmt.Sprintf(", %.0f KiB written to disk per request", float64(w.max.written)/float64(w.max.requests)/1024)
		}
		p("| %s | %s, %d B (%d B sent)%s | %.0f | %s | %s | %s | %s | %s | %d |", w.name, w.sample, w.bytes, w.wireBytes, batch,
			w.max.throughput, ceil, ratio, cpu, ms(w.half.p50), ms(w.half.p99), w.max.errors+w.half.errors+w.ceil.errors)
	}
	for _, w := range r.rows {
		for _, a := range []struct {
			what string
			res  result
		}{{"max", w.max}, {"ceiling", w.ceil}, {"half max", w.half}} {
			if a.res.errors > 0 {
				p("")
				p("%s, %s: %d failed requests; the first: %s", w.name, a.what, a.res.errors, a.res.firstError)
			}
		}
	}
	p("")
	p("## Targets")
	p("")
	p("| target | measured | |")
	p("| --- | --- | --- |")
	rate := float64(d.Memberships) / d.MembershipsSeconds
	p("| seeding 2,000,000 memberships < 60 s | %.0f memberships/s → %.1f s for 2,000,000 | %s |", rate, 2e6/rate, met(2e6/rate < 60))
	if r.hwmKB > 0 {
		p("| server RSS < 1 GiB with the dataset loaded | peak %.0f MiB (VmHWM), %.0f MiB at the end | %s |",
			float64(r.hwmKB)/1024, float64(r.rssKB)/1024, met(r.hwmKB < 1<<20))
		p("| start-up time with the dataset in place | %s (exec to the first ready /readyz) | |", ms(r.startup))
	}
	// Issue 15's targets: 0.6 of the ceiling on SQLite, 0.45 on
	// PostgreSQL with Redis.
	want := 0.6
	if r.opts.dbURL != "" {
		want = 0.45
	}
	for _, w := range r.rows {
		if w.read && w.ceil.throughput > 0 {
			ratio := w.max.throughput / w.ceil.throughput
			p("| %s ≥ %.0f%% of the ceiling | %.0f%% (%.0f of %.0f/s) | %s |", w.name, 100*want, 100*ratio, w.max.throughput, w.ceil.throughput, met(ratio >= want))
		}
	}
	for _, pair := range [][2]string{{"get_joined_group_list/first", "get_joined_group_list/deep"}, {"get_group_member_list/first", "get_group_member_list/deep"}} {
		f, dp := r.find(pair[0]), r.find(pair[1])
		if f == nil || dp == nil || dp.max.throughput == 0 {
			continue
		}
		cost := f.max.throughput / dp.max.throughput
		p("| %s costs ≤ 2× the first page | %.2f× (%.0f vs %.0f/s; p50 %s vs %s) | %s |", pair[1], cost, dp.max.throughput, f.max.throughput,
			ms(dp.half.p50), ms(f.half.p50), met(cost <= 2))
	}
	for _, w := range r.rows {
		if w.half.requests > 0 {
			p("| %s p99 ≤ 5 ms at half max (%.0f/s) | %s | %s |", w.name, w.max.throughput/2, ms(w.half.p99), met(w.half.p99 <= 5*time.Millisecond))
		}
	}
	if w := r.find("invite_user_to_group"); w != nil {
		want := 5000.0
		if r.opts.dbURL != "" {
			want = 2500
		}
		p("| invite_user_to_group ≥ %.0f/s with %d clients, durable | %.0f/s | %s |", want, r.opts.writers, w.max.throughput, met(w.max.throughput >= want))
	}
	if w := r.find("create_group"); w != nil && r.opts.dbURL == "" {
		p("| create_group with 10 members ≥ 1,500/s with %d clients, durable | %.0f/s | %s |", r.opts.writers, w.max.throughput, met(w.max.throughput >= 1500))
	}
	return b.String()
}
