package webhook

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

// Guard keeps webhooks from reaching the server's own network (server-side
// request forgery): a manager registering a URL could otherwise make the
// server probe internal hosts and the cloud metadata service. It refuses
// at registration (CheckURL) and again when a delivery connects (the
// dialer's Control function sees the address actually dialled, so a name
// that resolves to a public address at registration and to an internal one
// later — DNS rebinding — is refused too). Redirects are never followed.
type Guard struct {
	// AllowHTTP lets webhooks use plain http (an operator's choice for a
	// closed network); https is required otherwise.
	AllowHTTP bool
	// AllowHosts are host names or addresses (as written in the URL) that
	// the operator allows even though they are internal.
	AllowHosts []string
	// Resolver looks names up at registration; nil: net.DefaultResolver.
	Resolver *net.Resolver
}

// ErrRefused is the outcome of a delivery to an address the guard refuses.
var ErrRefused = errors.New("refused")

// blocked are the ranges no webhook may reach besides those netip already
// classes as loopback, private, link-local, multicast or unspecified.
var blocked = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",          // "this network"
		"100.64.0.0/10",      // carrier-grade NAT, also cloud metadata (100.100.100.200)
		"192.0.0.0/24",       // IETF protocol assignments
		"192.0.2.0/24",       // documentation
		"198.18.0.0/15",      // benchmarking
		"198.51.100.0/24",    // documentation
		"203.0.113.0/24",     // documentation
		"240.0.0.0/4",        // reserved, and the broadcast address
		"::/96",              // IPv4-compatible
		"64:ff9b::/96",       // NAT64: reaches IPv4 addresses, internal ones too
		"64:ff9b:1::/48",     // local NAT64
		"2001::/32",          // Teredo
		"2001:db8::/32",      // documentation
		"2002::/16",          // 6to4: embeds an IPv4 address
		"fc00::/7",           // unique local (fd00::/8 and fd00:ec2::254 metadata)
		"fec0::/10",          // site-local (deprecated)
		"169.254.0.0/16",     // link-local (169.254.169.254 metadata)
		"fe80::/10",          // link-local
		"ff00::/8",           // multicast
		"224.0.0.0/4",        // multicast
		"127.0.0.0/8",        // loopback
		"::1/128",            // loopback
		"10.0.0.0/8",         // private
		"172.16.0.0/12",      // private
		"192.168.0.0/16",     // private
		"255.255.255.255/32", // broadcast
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// Forbidden reports whether a webhook may not reach addr.
func Forbidden(addr netip.Addr) bool {
	addr = addr.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	if !addr.IsValid() || !addr.IsGlobalUnicast() || addr.IsPrivate() || addr.IsLoopback() ||
		addr.IsLinkLocalUnicast() || addr.IsMulticast() || addr.IsUnspecified() {
		return true
	}
	for _, p := range blocked {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// internalNames are host names (and suffixes, with a leading dot) that
// name the server's own network or a metadata service.
var internalNames = []string{"localhost", ".localhost", ".local", ".localdomain", ".internal", ".home.arpa", ".lan", ".intranet",
	"metadata", "metadata.google.internal", "instance-data", "metadata.azure.com"}

func internalName(host string) bool {
	for _, n := range internalNames {
		if host == n || (strings.HasPrefix(n, ".") && strings.HasSuffix(host, n)) {
			return true
		}
	}
	return false
}

// numericHost reports whether host is an IPv4 address in one of the
// forms some resolvers accept besides the dotted quad: a decimal number
// (2130706433), hexadecimal (0x7f000001), octal or short forms (0177.1,
// 127.1). No DNS name ends in a numeric label, so these are refused.
func numericHost(host string) bool {
	labels := strings.Split(host, ".")
	last := strings.ToLower(labels[len(labels)-1])
	if last == "" && len(labels) > 1 {
		last = strings.ToLower(labels[len(labels)-2])
	}
	if strings.HasPrefix(last, "0x") {
		return true
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}

// allowed reports whether the operator allows host (as written in a URL).
func (g *Guard) allowed(host string) bool {
	for _, h := range g.AllowHosts {
		if strings.EqualFold(strings.Trim(h, "[]"), strings.Trim(host, "[]")) {
			return true
		}
	}
	return false
}

// URLError says why a URL is refused, in Vietnamese and English.
type URLError struct{ survey.Label }

func (e *URLError) Error() string { return e.EN }

// CheckURL checks a URL at registration: https (unless the operator
// allows http), and a host that is neither an internal name nor an
// internal address, nor a name that resolves to one.
func (g *Guard) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return &URLError{msg.Text(msg.WebhookURLNotFull)}
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && g.AllowHTTP) {
		return &URLError{msg.Text(msg.WebhookHTTPSOnly)}
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if g.allowed(host) {
		return nil
	}
	refused := &URLError{msg.Text(msg.WebhookAddressRefused)}
	if addr, err := netip.ParseAddr(host); err == nil {
		if Forbidden(addr) {
			return refused
		}
		return nil
	}
	if internalName(host) || numericHost(host) || !strings.Contains(host, ".") {
		return refused
	}
	r := g.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	addrs, err := r.LookupNetIP(rctx, "ip", host)
	if err != nil {
		return nil // not resolvable now: the dialer checks when it connects
	}
	for _, a := range addrs {
		if Forbidden(a) {
			return refused
		}
	}
	return nil
}

// control refuses a connection to a forbidden address: it runs after name
// resolution, on the address actually dialled.
func control(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return ErrRefused
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || Forbidden(addr) {
		return ErrRefused
	}
	return nil
}

// Client returns the HTTP client for deliveries: no proxy, no redirects,
// every connection checked unless its host is one the operator allows.
func (g *Guard) Client(timeout time.Duration) *http.Client {
	checked := &net.Dialer{Timeout: 5 * time.Second, Control: control}
	open := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		Proxy: nil, // a proxy would dial for us, unchecked
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, ErrRefused
			}
			if g.allowed(strings.ToLower(host)) {
				return open.DialContext(ctx, network, addr)
			}
			return checked.DialContext(ctx, network, addr)
		},
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       time.Minute,
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// deliveryError is what the delivery log says of a failed connection:
// "refused" for an address the guard refuses, otherwise only whether it
// timed out — never the address or the error of whatever answered, which
// would make the log a probe of the network.
func deliveryError(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, ErrRefused):
		return "refused"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "connection failed"
}

// Check is CheckURL as survey.Hooks asks for it.
func (g *Guard) Check(ctx context.Context, raw string) (survey.Label, bool) {
	var ue *URLError
	if err := g.CheckURL(ctx, raw); errors.As(err, &ue) {
		return ue.Label, false
	} else if err != nil {
		return msg.Text(msg.WebhookURLRefused), false
	}
	return survey.Label{}, true
}
