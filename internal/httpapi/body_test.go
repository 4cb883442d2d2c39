package httpapi_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/khaosat/khaosat/internal/httpapi"
)

// TestSlowBodyIsCut: a body that trickles in a byte at a time is cut when
// its time is up (the grace plus its length at the minimum rate) with a
// 400 that says why, instead of holding the connection for the server's
// whole read timeout.
func TestSlowBodyIsCut(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(httpapi.New(httpapi.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		BodyGrace: 300 * time.Millisecond, MinBodyRate: 1 << 20}))
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"username": "admin", "password": "mật-khẩu-dài-đủ"}`
	fmt.Fprintf(conn, "POST /api/v1/auth/login HTTP/1.1\r\nHost: khaosat\r\nContent-Type: application/json\r\nAccept-Language: en\r\nContent-Length: %d\r\n\r\n", len(body))

	type reply struct {
		res *http.Response
		err error
	}
	got := make(chan reply, 1)
	go func() {
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		got <- reply{res, err}
	}()
	sent := 0
	var r reply
trickle:
	for sent < len(body) { // a byte every 100 ms: the whole body would take seconds
		select {
		case r = <-got:
			break trickle
		case <-time.After(100 * time.Millisecond):
			if _, err := conn.Write([]byte{body[sent]}); err != nil {
				r = <-got
				break trickle
			}
			sent++
		}
	}
	if sent == len(body) {
		t.Fatalf("the whole body trickled in (%d bytes) without being cut", sent)
	}
	if r.err != nil {
		t.Fatalf("no reply to a cut body: %v", r.err)
	}
	defer r.res.Body.Close()
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.NewDecoder(r.res.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	if r.res.StatusCode != http.StatusBadRequest || e.Error.Code != "malformed" || !strings.Contains(e.Error.Message, "too slowly") {
		t.Errorf("a cut body: %d %+v, want 400 malformed saying it came too slowly", r.res.StatusCode, e.Error)
	}
}
