package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
)

func init() {
	// Let the contract check read binary responses.
	for _, t := range []string{"image/jpeg", "image/png", "image/webp", "application/pdf"} {
		openapi3filter.RegisterBodyDecoder(t, openapi3filter.FileBodyDecoder)
	}
}

func testImage(tb testing.TB, format string, shade uint8) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := 0; x < 40; x++ {
		for y := 0; y < 30; y++ {
			img.Set(x, y, color.RGBA{R: shade, G: uint8(x * 6), B: uint8(y * 8), A: 255})
		}
	}
	var buf bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, nil)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// TestAttachments uploads and downloads attachments through the API:
// bytes round-trip exactly; wrong types, oversize bodies and path-like
// names are refused.
func TestAttachments(t *testing.T) {
	col := newUser(t, shared, "collector", "00004")
	env := submitOne(t, col)
	base := subsPath + env["id"].(string) + "/attachments/"
	photo := testImage(t, "png", 10)
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

	r := col.raw("PUT", base+"id_card.png", photo, "Content-Type", "image/png")
	if r.status != http.StatusCreated {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	get := func(name string) response {
		t.Helper()
		return col.raw("GET", base+name, nil)
	}
	sum := sha256.Sum256(photo)
	if r := get("id_card.png"); r.status != http.StatusOK || !bytes.Equal(r.body, photo) ||
		r.header.Get("Content-Type") != "image/png" || r.header.Get("ETag") != `"`+hex.EncodeToString(sum[:])+`"` {
		t.Fatalf("download: %d %s %s, %d bytes", r.status, r.header.Get("Content-Type"), r.header.Get("ETag"), len(r.body))
	}
	// A new upload of the name replaces what is served.
	second := testImage(t, "png", 200)
	if r := col.raw("PUT", base+"id_card.png", second, "Content-Type", "image/png"); r.status != http.StatusOK {
		t.Fatalf("replace: %d %s", r.status, r.body)
	}
	if r := get("id_card.png"); !bytes.Equal(r.body, second) || r.header.Get("Content-Type") != "image/png" {
		t.Errorf("after replace: %s, %d bytes", r.header.Get("Content-Type"), len(r.body))
	}
	if r := col.raw("PUT", base+"consent.pdf", pdf, "Content-Type", "application/pdf"); r.status != http.StatusCreated {
		t.Fatalf("pdf: %d %s", r.status, r.body)
	}
	var list struct {
		Items []struct {
			Name string `json:"name"`
			Size int    `json:"size"`
		} `json:"items"`
	}
	col.do("GET", strings.TrimSuffix(base, "/"), nil).json(t, &list)
	if len(list.Items) != 2 || list.Items[0].Name == list.Items[1].Name {
		t.Errorf("list: %+v", list.Items)
	}

	refused := []struct {
		name, ctype string
		body        []byte
		status      int
		field, code string
	}{
		{"photo.jpg", "image/jpeg", photo, 422, "Content-Type", "type_mismatch"},
		{"notes.txt", "text/plain", []byte("hello"), 422, "Content-Type", "unsupported_type"},
		{"fake.pdf", "application/pdf", []byte("<html><script>alert(1)</script>"), 422, "Content-Type", "type_mismatch"},
		// The name's extension says the type the bytes have.
		{"id_card.png", "image/jpeg", testImage(t, "jpeg", 5), 422, "name", "extension_mismatch"},
		{"scan.pdf.exe", "application/pdf", pdf, 422, "name", "extension_mismatch"},
		{"scan", "application/pdf", pdf, 422, "name", "extension_mismatch"},
		{"photo.jpeg.png", "image/jpeg", testImage(t, "jpeg", 5), 422, "name", "extension_mismatch"},
		{"", "image/png", photo, 0, "", ""}, // empty name: no such route
		{".env", "image/png", photo, 400, "name", "format"},
		{"a..b.png", "image/png", photo, 400, "name", "format"},
		{"..%5Cwin.png", "image/png", photo, 400, "name", "format"},
		{"white%20space.png", "image/png", photo, 400, "name", "format"},
		{strings.Repeat("x", 101), "image/png", photo, 400, "name", "format"},
	}
	for _, tc := range refused {
		r := col.raw("PUT", base+tc.name, tc.body, "Content-Type", tc.ctype)
		if tc.status == 0 {
			if r.status < 400 {
				t.Errorf("%q: %d, want an error", tc.name, r.status)
			}
			continue
		}
		if r.status != tc.status || !r.errorBody(t).hasField(tc.field, tc.code) {
			t.Errorf("%q as %s: %d %s, want %d %s %s", tc.name, tc.ctype, r.status, r.body, tc.status, tc.field, tc.code)
		}
	}
	big := append(append([]byte{}, photo...), make([]byte, 10<<20)...)
	if r := col.raw("PUT", base+"big.png", big, "Content-Type", "image/png"); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("11 MB upload: %d, want 413", r.status)
	}
	if r := get("never.png"); r.status != http.StatusNotFound {
		t.Errorf("unknown name: %d, want 404", r.status)
	}
	stranger := newUser(t, shared, "collector", "00004")
	if r := stranger.raw("GET", base+"id_card.png", nil); r.status != http.StatusNotFound {
		t.Errorf("another collector downloads: %d, want 404", r.status)
	}
	if r := stranger.raw("PUT", base+"mine.png", photo, "Content-Type", "image/png"); r.status != http.StatusNotFound {
		t.Errorf("another collector uploads: %d, want 404", r.status)
	}
	if r := col.raw("PUT", subsPath+"3f1c2a9e-7b4d-4c1e-9a0b-5d6e7f8a9b0c/attachments/x.png", photo, "Content-Type", "image/png"); r.status != http.StatusNotFound {
		t.Errorf("upload before the submission exists: %d, want 404", r.status)
	}
}

// TestAttachmentQuotas: one name holds one file however often it is sent
// again; a submission holds at most --attachments-per-submission names
// of at most --attachment-bytes-per-submission bytes together (422
// naming the limit), and a user uploads at most --attachment-bytes-per-day
// a day (429 with Retry-After until midnight in Vietnam).
func TestAttachmentQuotas(t *testing.T) {
	t.Parallel()
	ts := mustStart(t, t.TempDir(), "--attachments-per-submission", "3",
		"--attachment-bytes-per-submission", "100000", "--attachment-bytes-per-day", "250000")
	col := newUser(t, ts, "collector", "00004")
	base := subsPath + submitOne(t, col)["id"].(string) + "/attachments/"

	var last []byte
	for i := range 10 {
		last = testImage(t, "png", uint8(20*i))
		want := http.StatusOK
		if i == 0 {
			want = http.StatusCreated
		}
		if r := col.raw("PUT", base+"photo.png", last, "Content-Type", "image/png"); r.status != want {
			t.Fatalf("upload %d of one name: %d %s, want %d", i, r.status, r.body, want)
		}
	}
	var list struct {
		Items []struct {
			Name string `json:"name"`
			Size int    `json:"size"`
		} `json:"items"`
	}
	col.do("GET", strings.TrimSuffix(base, "/"), nil).json(t, &list)
	if len(list.Items) != 1 || list.Items[0].Size != len(last) {
		t.Errorf("after ten uploads of one name: %+v, want one of %d bytes", list.Items, len(last))
	}
	if r := col.raw("GET", base+"photo.png", nil); !bytes.Equal(r.body, last) {
		t.Errorf("served %d bytes, want the last upload's %d", len(r.body), len(last))
	}

	// Three names at most; a replacement adds none.
	for _, name := range []string{"a.png", "b.png"} {
		if r := col.raw("PUT", base+name, last, "Content-Type", "image/png"); r.status != http.StatusCreated {
			t.Fatalf("%s: %d %s", name, r.status, r.body)
		}
	}
	r := col.raw("PUT", base+"d.png", last, "Content-Type", "image/png")
	if r.status != http.StatusUnprocessableEntity || !r.errorBody(t).hasField("name", "attachment_count") || !strings.Contains(string(r.body), "3") {
		t.Errorf("a fourth name: %d %s, want 422 attachment_count naming 3", r.status, r.body)
	}
	if r := col.raw("PUT", base+"a.png", last, "Content-Type", "image/png"); r.status != http.StatusOK {
		t.Errorf("a replacement at the limit: %d %s", r.status, r.body)
	}

	// 100000 bytes per submission.
	pdfOf := func(n int) []byte {
		b := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte(" "), n-9)...)
		return b
	}
	base2 := subsPath + submitOne(t, col)["id"].(string) + "/attachments/"
	if r := col.raw("PUT", base2+"a.pdf", pdfOf(60000), "Content-Type", "application/pdf"); r.status != http.StatusCreated {
		t.Fatalf("60000 bytes: %d %s", r.status, r.body)
	}
	r = col.raw("PUT", base2+"b.pdf", pdfOf(50000), "Content-Type", "application/pdf")
	if r.status != http.StatusUnprocessableEntity || !r.errorBody(t).hasField("body", "attachment_bytes") {
		t.Errorf("past 100000 bytes on one submission: %d %s, want 422 attachment_bytes", r.status, r.body)
	}

	// 250000 bytes per user and day, each upload counted: a user with a
	// fresh day sends three of 90000 to three submissions.
	other := newUser(t, ts, "collector", "00004")
	for i := range 3 {
		b := subsPath + submitOne(t, other)["id"].(string) + "/attachments/"
		r := other.raw("PUT", b+"scan.pdf", pdfOf(90000), "Content-Type", "application/pdf")
		if i < 2 {
			if r.status != http.StatusCreated {
				t.Fatalf("upload %d within the day: %d %s", i, r.status, r.body)
			}
			continue
		}
		secs, _ := strconv.Atoi(r.header.Get("Retry-After"))
		if r.status != http.StatusTooManyRequests || r.errorBody(t).Error.Code != "too_many_requests" || secs < 1 || secs > 24*60*60 {
			t.Errorf("past the day: %d Retry-After %q %s, want 429 until midnight", r.status, r.header.Get("Retry-After"), r.body)
		}
	}
	// The first user's day is their own.
	if r := col.raw("PUT", base2+"a.pdf", pdfOf(90000), "Content-Type", "application/pdf"); r.status != http.StatusOK {
		t.Errorf("another user's day: %d %s", r.status, r.body)
	}
}

// TestDiskReserve: on the embedded database a new submission that would
// leave less free disk than --min-free-disk gets 507, nothing stored,
// while reading goes on. (A reserve of 1 PiB plays a full disk.)
func TestDiskReserve(t *testing.T) {
	t.Parallel()
	ts := mustStart(t, t.TempDir(), "--min-free-disk", strconv.FormatInt(1<<50, 10))
	col := newUser(t, ts, "collector", "00004")
	env := envelope(householdData(t))
	r := col.do("POST", "/api/v1/forms/household/submissions", env)
	if r.status != http.StatusInsufficientStorage || r.errorBody(t).Error.Code != "insufficient_storage" || r.header.Get("Retry-After") == "" {
		t.Fatalf("a submission past the reserve: %d %s, want 507 insufficient_storage with Retry-After", r.status, r.body)
	}
	if r := col.raw("GET", subsPath+env["id"].(string), nil); r.status != http.StatusNotFound {
		t.Errorf("the refused submission reads: %d, want 404", r.status)
	}
}
