package webhook

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestDeliveryLogRevealsNothing: the delivery log says "refused" for an
// internal address and only "connection failed" when nothing answers —
// never the address, the port or the system's error, which would tell a
// caller what exists inside the network.
func TestDeliveryLogRevealsNothing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/"
	ln.Close()
	guarded := (&Guard{AllowHTTP: true}).Client(5 * time.Second)
	opened := (&Guard{AllowHTTP: true, AllowHosts: []string{"127.0.0.1"}}).Client(5 * time.Second)
	for _, tt := range []struct {
		c    *http.Client
		url  string
		want string
	}{
		{guarded, srv.URL, "refused"},
		{guarded, closed, "refused"},
		{opened, closed, "connection failed"},
	} {
		_, err := tt.c.Post(tt.url, "application/json", strings.NewReader("{}"))
		if err == nil {
			t.Fatalf("%s: no error", tt.url)
		}
		if got := deliveryError(err); got != tt.want {
			t.Errorf("%s: log says %q, want %q (error: %v)", tt.url, got, tt.want, err)
		}
	}
}
