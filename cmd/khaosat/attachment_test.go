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
	second := testImage(t, "jpeg", 200)
	if r := col.raw("PUT", base+"id_card.png", second, "Content-Type", "image/jpeg"); r.status != http.StatusOK {
		t.Fatalf("replace: %d %s", r.status, r.body)
	}
	if r := get("id_card.png"); !bytes.Equal(r.body, second) || r.header.Get("Content-Type") != "image/jpeg" {
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
