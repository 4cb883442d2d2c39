package account

import (
	"sync"
	"time"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

// Throttle limits failed logins in a fixed window, per account name and
// per client address: past the limit every attempt (right or wrong) is
// refused until the window ends, so guessing is slow whichever way it is
// spread. Counts live in memory: each instance throttles on its own.
type Throttle struct {
	PerAccount int           // failures of one username per window
	PerAddress int           // failures from one client address per window
	Window     time.Duration // length of the window
	mu         sync.Mutex
	m          map[string]*throttleEntry
}

type throttleEntry struct {
	failures int
	until    time.Time
}

// DefaultThrottle: 5 failures per account, 30 per address, per 15 minutes.
func DefaultThrottle() *Throttle {
	return &Throttle{PerAccount: 5, PerAddress: 30, Window: 15 * time.Minute}
}

func (t *Throttle) keys(username, addr string) [2]string {
	return [2]string{"u:" + username, "a:" + addr}
}

// wait returns how long the caller must wait, 0 when it may try.
func (t *Throttle) wait(username, addr string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var d time.Duration
	for i, k := range t.keys(username, addr) {
		e := t.m[k]
		limit := [2]int{t.PerAccount, t.PerAddress}[i]
		if e != nil && now.Before(e.until) && e.failures >= limit {
			d = max(d, e.until.Sub(now))
		}
	}
	return d
}

func (t *Throttle) fail(username, addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil || len(t.m) > 100000 {
		t.m = map[string]*throttleEntry{} // bound memory under a flood of names
	}
	for _, k := range t.keys(username, addr) {
		e := t.m[k]
		if e == nil || !now.Before(e.until) {
			e = &throttleEntry{until: now.Add(t.Window)}
			t.m[k] = e
		}
		e.failures++
	}
}

func (t *Throttle) succeed(username string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, "u:"+username)
}

func tooManyLogins(d time.Duration) *survey.Error {
	secs := int((d + time.Second - 1) / time.Second)
	e := survey.Errorf(survey.CodeTooManyRequests, msg.LoginThrottled, secs)
	e.RetryAfter = d
	return e
}
