package main

import (
	"io"
	"runtime/debug"
	"strings"
	"testing"
)

// TestGCConfig: the collector's settings have bounds, and serve applies
// them to the process (the shared server of these tests runs with the
// defaults).
func TestGCConfig(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // "" = valid
	}{
		{nil, ""},
		{[]string{"--gc-percent", "100", "--memory-limit", "67108864"}, ""},
		{[]string{"--gc-percent", "24"}, "gc-percent"},
		{[]string{"--gc-percent", "off"}, "gc-percent"},
		{[]string{"--gc-percent", "1001"}, "gc-percent"},
		{[]string{"--memory-limit", "1000"}, "memory-limit"},
		{[]string{"--memory-limit", "1GiB"}, "memory-limit"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, err := parseConfig("serve", tc.args, nil, io.Discard)
			if tc.want == "" && err != nil {
				t.Fatal(err)
			}
			if tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("want an error about %s, got %v", tc.want, err)
			}
		})
	}
	cfg, err := parseConfig("serve", nil, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := debug.SetMemoryLimit(-1); got != cfg.MemoryLimit { // -1 reads it
		t.Errorf("memory limit %d, want %d", got, cfg.MemoryLimit)
	}
	got := debug.SetGCPercent(cfg.GCPercent)
	if got != cfg.GCPercent {
		t.Errorf("GC percent %d, want %d", got, cfg.GCPercent)
	}
}
