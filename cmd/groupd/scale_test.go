package main

import (
	"io"
	"strings"
	"testing"
)

func TestScaleFlags(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"defaults: sqlite, no redis", nil, nil, ""},
		{"db needs a secret", []string{"--db", "postgres://u@h/db"}, nil, "--db needs --secret"},
		{"db with secret", []string{"--db", "postgres://u@h/db", "--secret", "s-0123456789abcdef"}, nil, ""},
		{"db from env", nil, map[string]string{"GROUPD_DB": "postgresql://u@h/db", "GROUPD_SECRET": "s-0123456789abcdef"}, ""},
		{"db not a postgres url", []string{"--db", "mysql://h/db", "--secret", "s-0123456789abcdef"}, nil, "postgres:// URL"},
		{"redis", []string{"--redis", "redis://127.0.0.1:6379/2"}, nil, ""},
		{"redis from env", nil, map[string]string{"GROUPD_REDIS": "rediss://h:6380", "GROUPD_REDIS_PREFIX": "c1:"}, ""},
		{"redis not a redis url", []string{"--redis", "http://h"}, nil, "redis://"},
		{"empty prefix", []string{"--redis", "redis://h", "--redis-prefix", ""}, nil, "--redis-prefix is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := parseConfig(c.args, env(c.env), io.Discard)
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.env["GROUPD_REDIS_PREFIX"] != "" && cfg.RedisPrefix != c.env["GROUPD_REDIS_PREFIX"] {
					t.Fatalf("prefix %q", cfg.RedisPrefix)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err = %v, want one saying %q", err, c.wantErr)
			}
		})
	}
	cfg, _ := parseConfig(nil, env(nil), io.Discard)
	if cfg.DB != "" || cfg.Redis != "" || cfg.RedisPrefix != "groupd:" {
		t.Fatalf("defaults %+v", cfg)
	}
}

func TestRedactURL(t *testing.T) {
	if got := redactURL("postgres://u:secret@h:5432/db"); strings.Contains(got, "secret") {
		t.Fatal(got)
	}
}
