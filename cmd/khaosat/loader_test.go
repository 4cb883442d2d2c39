package main

import (
	"flag"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// verbConfigs are the configurations of every verb, as each verb loads
// its own.
func verbConfigs() []struct {
	verb string
	new  func() verbConfig
} {
	return []struct {
		verb string
		new  func() verbConfig
	}{
		{"serve", func() verbConfig { return &Config{} }},
		{"seal", func() verbConfig { return &Config{} }},
		{"keys rotate", func() verbConfig { return &Config{} }},
		{"export", func() verbConfig { return &exportConfig{} }},
		{"indicators", func() verbConfig { return &indicatorsConfig{} }},
		{"backup", func() verbConfig { return &backupConfig{} }},
		{"forms lint", func() verbConfig { return &lintConfig{} }},
	}
}

// bound parses args and env with the flags of c and returns the text
// every flag ended with.
func bound(t *testing.T, verb string, c verbConfig, args, env []string) (map[string]string, *loader) {
	t.Helper()
	l := newLoader(verb, env, io.Discard)
	c.bind(l)
	if err := l.parse(args); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	l.fs.VisitAll(func(f *flag.Flag) { got[f.Name] = f.Value.String() })
	return got, l
}

// TestEveryFlagHasItsVariable: every setting of every verb is read from
// its KHAOSAT_ variable and a flag on the command line wins over it; an
// argument (what one run does) is never read from the environment.
func TestEveryFlagHasItsVariable(t *testing.T) {
	for _, v := range verbConfigs() {
		t.Run(v.verb, func(t *testing.T) {
			defaults, l := bound(t, v.verb, v.new(), nil, nil)
			for name := range defaults {
				usage := l.fs.Lookup(name).Usage
				env := []string{envName(name) + "=from-env"}
				fromEnv, _ := bound(t, v.verb, v.new(), nil, env)
				fromFlag, _ := bound(t, v.verb, v.new(), []string{"-" + name + "=true"}, env)
				if l.args[name] {
					if fromEnv[name] != defaults[name] || strings.Contains(usage, "$KHAOSAT_") {
						t.Errorf("argument --%s is read from %s", name, envName(name))
					}
					continue
				}
				if !strings.HasSuffix(usage, "($"+envName(name)+")") {
					t.Errorf("--%s: the usage does not name $%s: %q", name, envName(name), usage)
				}
				if fromEnv[name] != "from-env" {
					t.Errorf("--%s with %s set: %q, want the variable's value", name, envName(name), fromEnv[name])
				}
				if fromFlag[name] != "true" {
					t.Errorf("--%s given and %s set: %q, want the flag's value", name, envName(name), fromFlag[name])
				}
			}
		})
	}
}

// TestFlagBeatsEnv: the converted values, not only their text, come
// from the variable, and from the flag when both are given.
func TestFlagBeatsEnv(t *testing.T) {
	env := []string{"KHAOSAT_MAX_BODY=2048", "KHAOSAT_TOKEN_TTL=1h", "KHAOSAT_WEBHOOK_ALLOW_HTTP=true",
		"KHAOSAT_CORS_ORIGIN=https://a.example.org", "KHAOSAT_DATA_DIR=/env", "KHAOSAT_GC_PERCENT=300",
		"KHAOSAT_ADMIN_PASSWORD=from-the-environment"}
	for _, tc := range []struct {
		name string
		args []string
		want Config
	}{
		{"environment", nil, Config{MaxBody: 2048, TokenTTL: time.Hour, WebhookAllowHTTP: true,
			CORSOrigins: []string{"https://a.example.org"}, DataDir: "/env", GCPercent: 300}},
		{"flags", []string{"--max-body", "4096", "--token-ttl", "2h", "--webhook-allow-http=false",
			"--cors-origin", "https://b.example.org/", "--data-dir", "/flag", "--gc-percent", "50"},
			Config{MaxBody: 4096, TokenTTL: 2 * time.Hour, WebhookAllowHTTP: false,
				CORSOrigins: []string{"https://b.example.org"}, DataDir: "/flag", GCPercent: 50}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseConfig("serve", tc.args, env, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			got := Config{MaxBody: c.MaxBody, TokenTTL: c.TokenTTL, WebhookAllowHTTP: c.WebhookAllowHTTP,
				CORSOrigins: c.CORSOrigins, DataDir: c.DataDir, GCPercent: c.GCPercent}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
			if c.AdminPassword != "from-the-environment" {
				t.Errorf("admin password %q, want the variable's", c.AdminPassword)
			}
		})
	}
	e := &exportConfig{}
	if err := load("export", e, []string{"--form", "household", "--data-dir", "/flag"}, env, io.Discard); err != nil {
		t.Fatal(err)
	}
	if e.DataDir != "/flag" {
		t.Errorf("export --data-dir /flag with KHAOSAT_DATA_DIR=/env: %q", e.DataDir)
	}
}

// TestReadmeConfiguration: the README's configuration table lists every
// setting of serve with its variable and its default.
func TestReadmeConfiguration(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, l := bound(t, "serve", &Config{}, nil, nil)
	l.fs.VisitAll(func(f *flag.Flag) {
		def := "*(empty)*"
		if f.DefValue != "" {
			def = "`" + f.DefValue + "`"
		}
		row := "| `--" + f.Name + "` | `" + envName(f.Name) + "` | " + def + " |"
		if !strings.Contains(string(raw), row) {
			t.Errorf("README: no row %q", row)
		}
	})
	if !regexp.MustCompile("\\| \\*\\(none\\)\\* \\| `KHAOSAT_ADMIN_PASSWORD` \\|").Match(raw) {
		t.Error("README: no row for KHAOSAT_ADMIN_PASSWORD")
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		10 * time.Millisecond: "10ms", time.Second: "1s", 20 * time.Second: "20s", time.Minute: "1m",
		time.Hour: "1h", 90 * time.Minute: "1h30m", 168 * time.Hour: "168h",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
