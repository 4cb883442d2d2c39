package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/webhook"
)

// TestCheckURLRefusesInternalAddresses: every address the probe got
// through, and their relatives, are refused at registration.
func TestCheckURLRefusesInternalAddresses(t *testing.T) {
	g := &webhook.Guard{}
	for _, u := range []string{
		"https://169.254.169.254/latest/meta-data/", "https://10.0.0.1/", "https://[::1]/", "https://0.0.0.0/",
		"https://2130706433/", "https://localhost/", "https://[fd00::1]/", "https://metadata.google.internal/computeMetadata/v1/",
		"https://0x7f000001/", "https://127.1/", "https://0177.0.0.1/", "https://[::ffff:127.0.0.1]/", "https://[::ffff:a9fe:a9fe]/",
		"https://100.100.100.200/", "https://172.16.5.4/", "https://192.168.1.1/", "https://[fe80::1]/", "https://[fd00:ec2::254]/",
		"https://224.0.0.1/", "https://[ff02::1]/", "https://255.255.255.255/", "https://[64:ff9b::7f00:1]/", "https://[2002:7f00:1::]/",
		"https://api.localhost/", "https://printer.local/", "https://intranet/", "https://metadata/", "https://LOCALHOST./",
		"https://127.0.0.1:8443/", "https://[0:0:0:0:0:0:0:1]/",
	} {
		if err := g.CheckURL(context.Background(), u); err == nil {
			t.Errorf("%s was accepted", u)
		}
	}
	if err := g.CheckURL(context.Background(), "http://8.8.8.8/hook"); err == nil {
		t.Error("plain http was accepted without the operator flag")
	}
	for _, u := range []string{"https://8.8.8.8/hook", "https://[2606:4700::1111]/hook", "https://hooks.example.invalid/x"} {
		if err := g.CheckURL(context.Background(), u); err != nil {
			t.Errorf("%s was refused: %v", u, err)
		}
	}
	open := &webhook.Guard{AllowHTTP: true, AllowHosts: []string{"10.1.2.3", "hooks.lan"}}
	for _, u := range []string{"http://8.8.8.8/hook", "http://10.1.2.3:8080/x", "https://hooks.lan/x"} {
		if err := open.CheckURL(context.Background(), u); err != nil {
			t.Errorf("with the operator's flags, %s was refused: %v", u, err)
		}
	}
	if err := open.CheckURL(context.Background(), "http://10.1.2.4/"); err == nil {
		t.Error("a host the operator did not name was accepted")
	}
}

func TestForbidden(t *testing.T) {
	for s, want := range map[string]bool{"8.8.8.8": false, "1.1.1.1": false, "2606:4700::1111": false,
		"127.0.0.1": true, "::ffff:10.0.0.1": true, "100.64.0.1": true, "198.18.0.1": true, "192.0.2.10": true} {
		if got := webhook.Forbidden(netip.MustParseAddr(s)); got != want {
			t.Errorf("Forbidden(%s) = %v, want %v", s, got, want)
		}
	}
}

// TestClientRefusesAtConnection: a name that resolves to a loopback
// address when the delivery connects (as a rebound DNS name would) is
// refused by the dialer, and nothing reaches the server there.
func TestClientRefusesAtConnection(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	c := (&webhook.Guard{AllowHTTP: true}).Client(5 * time.Second)
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, u := range []string{srv.URL, "http://localhost" + port + "/"} {
		res, err := c.Post(u, "application/json", strings.NewReader("{}"))
		if err == nil {
			res.Body.Close()
			t.Errorf("%s: delivered (%d), want refused", u, res.StatusCode)
			continue
		}
		if !errors.Is(err, webhook.ErrRefused) {
			t.Errorf("%s: %v, want the guard's refusal", u, err)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("the internal server was reached %d times", hits.Load())
	}
}

// TestClientFollowsNoRedirect: a 307 to elsewhere is the answer; the POST
// is not repeated there.
func TestClientFollowsNoRedirect(t *testing.T) {
	var hits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer other.Close()
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/metadata", http.StatusTemporaryRedirect)
	}))
	defer redir.Close()
	c := (&webhook.Guard{AllowHTTP: true, AllowHosts: []string{"127.0.0.1"}}).Client(5 * time.Second)
	res, err := c.Post(redir.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTemporaryRedirect || hits.Load() != 0 {
		t.Errorf("status %d, %d requests at the redirect target; want 307 and none", res.StatusCode, hits.Load())
	}
}
