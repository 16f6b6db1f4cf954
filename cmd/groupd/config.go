package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is groupd's configuration: flags, with GROUPD_* environment
// variables as their defaults (a flag wins over the environment).
type Config struct {
	Addr         string
	DataDir      string
	Secret       string
	AdminUserIDs []string
	TokenTTL     time.Duration
	LogFormat    string // "text" or "json"
	LogLevel     string // "debug", "info", "warn" or "error"

	// ZIM server API; an empty ZIMServerSecret turns it off.
	ZIMAppID        uint32
	ZIMServerSecret string
	ZIMQPS          float64 // per AppID and Action; 0 = no limit
	ZIMGroupQPS     float64 // per group for the group-limited Actions; 0 = no limit

	// MaxInflight caps the requests served at once; more answer "busy"
	// (HTTP 503). 0 = no cap. See server.go.
	MaxInflight int
	// BodyTimeout bounds the time to receive a request body, read before
	// the request takes a slot (server.go).
	BodyTimeout time.Duration
	// OpenIMUserQPS limits each user's OpenIM requests per second (app
	// admins excepted); 0 = no limit, as in OpenIM.
	OpenIMUserQPS float64
	// PprofAddr, when set, serves net/http/pprof on this separate address
	// (keep it private: localhost or an admin network).
	PprofAddr string
	// MetricsAddr, when set, serves /metrics and pprof on this separate
	// address, and no longer on Addr; empty: /metrics on Addr.
	MetricsAddr string

	// Scale-out (see scale.go). DB is a postgres:// URL; empty: embedded
	// SQLite under DataDir. Redis is a redis:// URL of the state the nodes
	// share; empty: none. RedisPrefix starts every Redis key.
	DB          string
	Redis       string
	RedisPrefix string

	// Events: retention and sinks of the event log (events.go).
	Events EventsConfig

	// GzipMinBytes is openim.Config.GzipMinBytes (perf.go).
	GzipMinBytes int
}

// usageHeader opens groupd --help: the subcommands, then the flags.
const usageHeader = `groupd serves the OpenIM and ZIM group APIs (see README.md).

Usage:
  groupd [flags]                       serve (every flag also reads a GROUPD_* variable)
  groupd backup --out FILE [--data D]  copy the SQLite database while the server runs
  groupd restore --in FILE [--data D] [--force]
                                       install a backup as the database (server stopped)
  groupd version                       print the version (also --version)

Flags of the server:
`

// parseConfig reads args, falling back to getenv for every flag.
func parseConfig(args []string, getenv func(string) string, output io.Writer) (Config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("groupd", flag.ContinueOnError)
	fs.SetOutput(output)
	var c Config
	var admins, ttl string
	fs.StringVar(&c.Addr, "addr", env("GROUPD_ADDR", ":10002"), "listen address (GROUPD_ADDR)")
	fs.StringVar(&c.DataDir, "data", env("GROUPD_DATA", "./groupd-data"), "directory of the embedded database and the generated secret (GROUPD_DATA)")
	fs.StringVar(&c.Secret, "secret", env("GROUPD_SECRET", ""), "admin secret for /auth/get_admin_token; empty: generated once and kept in <data>/secret (GROUPD_SECRET)")
	fs.StringVar(&admins, "admin-user-ids", env("GROUPD_ADMIN_USER_IDS", "imAdmin"), "comma-separated app admin user IDs (GROUPD_ADMIN_USER_IDS)")
	fs.StringVar(&ttl, "token-ttl", env("GROUPD_TOKEN_TTL", "90d"), "token lifetime: a Go duration (36h) or days (90d) (GROUPD_TOKEN_TTL)")
	fs.StringVar(&c.LogFormat, "log-format", env("GROUPD_LOG_FORMAT", "text"), "log format: text or json (GROUPD_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", env("GROUPD_LOG_LEVEL", "info"), "log level: debug, info, warn or error (GROUPD_LOG_LEVEL)")
	var zimAppID, zimQPS, zimGroupQPS string
	fs.StringVar(&zimAppID, "zim-app-id", env("GROUPD_ZIM_APP_ID", "0"), "AppId of the ZIM server API (GROUPD_ZIM_APP_ID)")
	fs.StringVar(&c.ZIMServerSecret, "zim-server-secret", env("GROUPD_ZIM_SERVER_SECRET", ""), "ServerSecret that signs ZIM server API requests; empty turns the ZIM API off (GROUPD_ZIM_SERVER_SECRET)")
	fs.StringVar(&zimQPS, "zim-qps", env("GROUPD_ZIM_QPS", "20"), "ZIM requests per second per AppID and Action; 0 = no limit (GROUPD_ZIM_QPS)")
	fs.StringVar(&zimGroupQPS, "zim-group-qps", env("GROUPD_ZIM_GROUP_QPS", "1"), "ZIM requests per second per group for the group-limited Actions; 0 = no limit (GROUPD_ZIM_GROUP_QPS)")
	var maxInflight, userQPS, bodyTimeout string
	fs.StringVar(&maxInflight, "max-inflight", env("GROUPD_MAX_INFLIGHT", "1024"), "requests served at once; more answer busy (HTTP 503); 0 = no cap (GROUPD_MAX_INFLIGHT)")
	fs.StringVar(&bodyTimeout, "body-timeout", env("GROUPD_BODY_TIMEOUT", DefaultBodyTimeout.String()), "time to receive a request body, read before the request takes a slot; a slower client is answered 408 and disconnected (GROUPD_BODY_TIMEOUT)")
	fs.StringVar(&c.PprofAddr, "pprof-addr", env("GROUPD_PPROF_ADDR", ""), "serve net/http/pprof on this separate admin address, e.g. localhost:6060; empty = off (GROUPD_PPROF_ADDR)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("GROUPD_METRICS_ADDR", ""), "serve /metrics and pprof on this separate admin address (recommended), e.g. 10.0.0.5:9102; empty = /metrics on --addr (GROUPD_METRICS_ADDR)")
	fs.Bool("version", false, "print the version and exit")
	evFlags := eventFlags(fs, &c.Events, env)
	perf := perfFlags(fs, env) // perf.go
	fs.StringVar(&userQPS, "openim-user-qps", env("GROUPD_OPENIM_USER_QPS", "0"), "OpenIM requests per second per user, app admins excepted; 0 = no limit (GROUPD_OPENIM_USER_QPS)")
	fs.StringVar(&c.DB, "db", env("GROUPD_DB", ""), "PostgreSQL URL (postgres://user:password@host:5432/db); empty: embedded SQLite under --data (GROUPD_DB)")
	fs.StringVar(&c.Redis, "redis", env("GROUPD_REDIS", ""), "Redis URL (redis://host:6379/0) of the state several nodes share: cache, rate limits, nonces, token revocations; empty: none (GROUPD_REDIS)")
	fs.StringVar(&c.RedisPrefix, "redis-prefix", env("GROUPD_REDIS_PREFIX", "groupd:"), "prefix of every Redis key, so clusters can share one Redis (GROUPD_REDIS_PREFIX)")
	fs.Usage = func() {
		fmt.Fprint(output, usageHeader)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	var err error
	if c.MaxInflight, err = strconv.Atoi(maxInflight); err != nil || c.MaxInflight < 0 {
		return Config{}, fmt.Errorf("--max-inflight %q is not a whole number of 0 or more", maxInflight)
	}
	if c.BodyTimeout, err = time.ParseDuration(bodyTimeout); err != nil || c.BodyTimeout <= 0 {
		return Config{}, fmt.Errorf("--body-timeout %q is not a positive duration such as 10s", bodyTimeout)
	}
	if c.OpenIMUserQPS, err = strconv.ParseFloat(userQPS, 64); err != nil || !validRate(c.OpenIMUserQPS) {
		return Config{}, fmt.Errorf("--openim-user-qps %q is not a rate of 0 or more per second", userQPS)
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := evFlags.parse(&c.Events); err != nil {
		return Config{}, err
	}
	if err := perf.parse(&c); err != nil {
		return Config{}, err
	}
	for _, id := range strings.Split(admins, ",") {
		if id = strings.TrimSpace(id); id != "" {
			c.AdminUserIDs = append(c.AdminUserIDs, id)
		}
	}
	if len(c.AdminUserIDs) == 0 {
		return Config{}, errors.New("--admin-user-ids names no user ID")
	}
	if c.TokenTTL, err = parseTTL(ttl); err != nil {
		return Config{}, err
	}
	if c.DataDir == "" {
		return Config{}, errors.New("--data is empty")
	}
	if c.Secret != "" {
		if err := checkSecret(c.Secret, "--secret (GROUPD_SECRET)"); err != nil {
			return Config{}, err
		}
	}
	if err := parseZIM(&c, zimAppID, zimQPS, zimGroupQPS); err != nil {
		return Config{}, err
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, strings.ToLower(c.LogLevel)) {
		return Config{}, fmt.Errorf("--log-level %q is not debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return Config{}, fmt.Errorf("--log-format %q is not text or json", c.LogFormat)
	}
	if err := checkScaleConfig(c); err != nil {
		return Config{}, err
	}
	return c, nil
}

func validRate(n float64) bool { return n >= 0 && !math.IsInf(n, 0) && !math.IsNaN(n) }

// parseTTL accepts a Go duration ("2160h", "36h30m") or whole days ("90d").
func parseTTL(s string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n > 100_000 {
			return 0, fmt.Errorf("--token-ttl %q: days must be a whole number such as 90d", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("--token-ttl %q: want a duration such as 90d or 36h", s)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("--token-ttl %q must be positive", s)
	}
	return d, nil
}

// parseZIM reads the ZIM flags that are not strings.
func parseZIM(c *Config, appID, qps, groupQPS string) error {
	id, err := strconv.ParseUint(appID, 10, 32)
	if err != nil {
		return fmt.Errorf("--zim-app-id %q is not an unsigned 32-bit number", appID)
	}
	c.ZIMAppID = uint32(id)
	for _, f := range []struct {
		name, v string
		dst     *float64
	}{{"--zim-qps", qps, &c.ZIMQPS}, {"--zim-group-qps", groupQPS, &c.ZIMGroupQPS}} {
		n, err := strconv.ParseFloat(f.v, 64)
		if err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) {
			return fmt.Errorf("%s %q is not a rate of 0 or more per second", f.name, f.v)
		}
		*f.dst = n
	}
	return nil
}

// MinSecretBytes is the shortest admin secret groupd accepts.
const MinSecretBytes = 16

// checkSecret refuses an admin secret shorter than MinSecretBytes.
func checkSecret(secret, what string) error {
	if len(secret) < MinSecretBytes {
		return fmt.Errorf("%s is %d bytes; the admin secret must be at least %d bytes (e.g. openssl rand -hex 16)",
			what, len(secret), MinSecretBytes)
	}
	return nil
}
