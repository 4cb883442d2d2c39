package main

import (
	"bytes"
	"crypto/md5"
	"encoding/xml"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

// OpenRosa bodies are XML: the contract checks them as opaque text.
func init() { openapi3filter.RegisterBodyDecoder("text/xml", openapi3filter.FileBodyDecoder) }

// instanceXML writes answers as an XForm instance of form version 1 with
// the envelope's metadata; extraMeta adds elements to meta.
func instanceXML(form string, version int, id, unit string, data map[string]any, extraMeta string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<%s id="%s" version="%d">`, form, form, version)
	writeAnswers(&b, data)
	fmt.Fprintf(&b, `<meta><instanceID>uuid:%s</instanceID>%s<commune>%s</commune><surveyDate>2026-06-15</surveyDate>`+
		`<timeStart>2026-06-15T08:00:00.000+07:00</timeStart><timeEnd>2026-06-15T08:25:00.000+07:00</timeEnd>`+
		`<deviceID>collect:abc123</deviceID><location>21.034 105.82 12 12.5</location></meta></%s>`, id, extraMeta, unit, form)
	return []byte(b.String())
}

// writeAnswers writes answers in a stable order, as elements.
func writeAnswers(b *strings.Builder, data map[string]any) {
	names := make([]string, 0, len(data))
	for n := range data {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		switch v := data[n].(type) {
		case []any:
			if len(v) > 0 {
				if _, isObj := v[0].(map[string]any); isObj {
					for _, item := range v {
						b.WriteString("<" + n + ">")
						writeAnswers(b, item.(map[string]any))
						b.WriteString("</" + n + ">")
					}
					continue
				}
			}
			var codes []string
			for _, c := range v {
				codes = append(codes, fmt.Sprint(c))
			}
			b.WriteString("<" + n + ">" + strings.Join(codes, " ") + "</" + n + ">")
		default:
			var esc strings.Builder
			_ = xml.EscapeText(&esc, []byte(fmt.Sprint(v)))
			b.WriteString("<" + n + ">" + esc.String() + "</" + n + ">")
		}
	}
}

// postInstance sends an instance as ODK Collect does.
func postInstance(t *testing.T, c *client, path string, instance []byte, media ...[]byte) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="xml_submission_file"; filename="submission.xml"`)
	h.Set("Content-Type", "text/xml")
	w, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(instance)
	for i, m := range media {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="photo%d"; filename="photo%d.png"`, i, i))
		h.Set("Content-Type", "image/png")
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(m)
	}
	mw.Close()
	return c.raw("POST", path, body.Bytes(), "Content-Type", mw.FormDataContentType(), "X-OpenRosa-Version", "1.0")
}

// enrolOpenRosa issues an enrolment code for the user of col and redeems
// it for an OpenRosa client: the token's path prefix and the device id.
func enrolOpenRosa(t *testing.T, col *client) (string, string, string) {
	t.Helper()
	return enrolOpenRosaTB(t, col)
}

func enrolOpenRosaTB(t testing.TB, col *client) (string, string, string) {
	t.Helper()
	return enrolOpenRosaOn(t, shared, col)
}

// enrolOpenRosaOn is enrolOpenRosa on the server ts.
func enrolOpenRosaOn(t testing.TB, ts *testServer, col *client) (string, string, string) {
	t.Helper()
	var me struct{ ID string }
	col.do("GET", "/api/v1/me", nil).json(t, &me)
	admin := adminClient(t, ts)
	r := admin.do("POST", "/api/v1/users/"+me.ID+"/enrollments", nil)
	wantStatusTB(t, r, http.StatusCreated, "enrolment code")
	var code struct{ Code string }
	r.json(t, &code)
	r = newClient(t, ts).do("POST", "/api/v1/auth/enroll/openrosa", map[string]any{"code": code.Code})
	wantStatusTB(t, r, http.StatusCreated, "redeem for OpenRosa")
	var en struct {
		ServerURL string `json:"server_url"`
		DeviceID  string `json:"device_id"`
	}
	r.json(t, &en)
	if !strings.HasPrefix(en.ServerURL, ts.base+"/openrosa/") {
		t.Fatalf("server_url %q", en.ServerURL)
	}
	wantStatusTB(t, newClient(t, ts).do("POST", "/api/v1/auth/enroll/openrosa", map[string]any{"code": code.Code}), http.StatusUnauthorized, "redeem twice")
	return strings.TrimPrefix(en.ServerURL, ts.base), me.ID, en.DeviceID
}

type formListXML struct {
	Forms []struct {
		FormID      string `xml:"formID"`
		Version     string `xml:"version"`
		Hash        string `xml:"hash"`
		DownloadURL string `xml:"downloadUrl"`
		ManifestURL string `xml:"manifestUrl"`
	} `xml:"xform"`
}

// TestOpenRosaJourney is ODK Collect's conversation with the server:
// form list, download, manifest, pre-flight, submission, a retry, a
// clash, an edit, invalid answers, a commune outside the collector's,
// and a revoked token.
func TestOpenRosaJourney(t *testing.T) {
	col := newUser(t, shared, "collector", unitIn)
	prefix, userID, device := enrolOpenRosa(t, col)
	app := newClient(t, shared)

	r := app.raw("GET", prefix+"/formList", nil, "X-OpenRosa-Version", "1.0")
	wantStatus(t, r, http.StatusOK, "form list")
	if r.header.Get("X-OpenRosa-Version") != "1.0" {
		t.Errorf("X-OpenRosa-Version %q", r.header.Get("X-OpenRosa-Version"))
	}
	var list formListXML
	if err := xml.Unmarshal(r.body, &list); err != nil {
		t.Fatalf("form list: %v\n%s", err, r.body)
	}
	listed := map[string]int{}
	for i, f := range list.Forms {
		listed[f.FormID] = i
	}
	hh, ok := listed["household"]
	if !ok {
		t.Fatalf("household not listed: %s", r.body)
	}
	entry := list.Forms[hh]
	if !strings.HasPrefix(entry.Hash, "md5:") || entry.Version == "" {
		t.Errorf("household entry %+v", entry)
	}

	r = app.raw("GET", strings.TrimPrefix(entry.DownloadURL, shared.base), nil)
	wantStatus(t, r, http.StatusOK, "download")
	if got := "md5:" + md5hex(r.body); got != entry.Hash {
		t.Errorf("download hash %s, listed %s", got, entry.Hash)
	}
	var anyXML struct{}
	if err := xml.Unmarshal(r.body, &anyXML); err != nil {
		t.Fatalf("the XForm is not XML: %v", err)
	}
	for _, want := range []string{`<translation lang="Tiếng Việt (vi)" default="true()">`, `<translation lang="English (en)">`,
		`<children jr:template="">`, `<repeat nodeset="/household/children">`, `<value>` + unitIn + `</value>`,
		`nodeset="/household/children/receiving_support"`, `relevant="count-selected(/household/children/special_circumstances) &gt;= 1"`,
		`format-date(/household/meta/surveyDate, &#39;%Y&#39;)`, `jr:preload="uid"`} {
		if !bytes.Contains(r.body, []byte(want)) {
			t.Errorf("the XForm lacks %s", want)
		}
	}
	r = app.raw("GET", strings.TrimPrefix(entry.ManifestURL, shared.base), nil)
	wantStatus(t, r, http.StatusOK, "manifest")
	r = app.raw("HEAD", prefix+"/submission", nil)
	wantStatus(t, r, http.StatusNoContent, "pre-flight")
	if r.header.Get("X-OpenRosa-Accept-Content-Length") == "" {
		t.Error("no X-OpenRosa-Accept-Content-Length")
	}

	// Stored, and the same as the answers sent as JSON.
	data := householdData(t)
	id := uuid.NewString()
	wantStatus(t, postInstance(t, app, prefix+"/submission", instanceXML("household", 1, id, unitIn, data, "")), http.StatusCreated, "submit")
	jsonEnv := envelope(data)
	wantStatus(t, col.do("POST", "/api/v1/forms/household/submissions", jsonEnv), http.StatusCreated, "the same answers as JSON")
	var viaXML, viaJSON struct {
		Data       map[string]any
		Unit       string
		SurveyDate string `json:"survey_date"`
		DeviceID   string `json:"device_id"`
		Revision   int
	}
	col.do("GET", "/api/v1/forms/household/submissions/"+id, nil).json(t, &viaXML)
	col.do("GET", "/api/v1/forms/household/submissions/"+jsonEnv["id"].(string), nil).json(t, &viaJSON)
	if diff := cmp.Diff(viaJSON.Data, viaXML.Data); diff != "" {
		t.Errorf("stored answers (-JSON +OpenRosa):\n%s", diff)
	}
	if viaXML.Unit != unitIn || viaXML.SurveyDate != "2026-06-15" || viaXML.DeviceID != "collect:abc123" {
		t.Errorf("envelope from meta: %+v", viaXML)
	}

	// A retry is 200; the same id with other answers is 409.
	wantStatus(t, postInstance(t, app, prefix+"/submission", instanceXML("household", 1, id, unitIn, data, "")), http.StatusOK, "retry")
	other := householdData(t)
	other["members_total"] = 9
	r = postInstance(t, app, prefix+"/submission", instanceXML("household", 1, id, unitIn, other, ""))
	wantStatus(t, r, http.StatusConflict, "same id, other answers")
	if !bytes.Contains(r.body, []byte("OpenRosaResponse")) {
		t.Errorf("error body: %s", r.body)
	}

	// An edit names the submission it replaces in deprecatedID.
	r = postInstance(t, app, prefix+"/submission", instanceXML("household", 1, uuid.NewString(), unitIn, other, "<deprecatedID>uuid:"+id+"</deprecatedID>"))
	wantStatus(t, r, http.StatusCreated, "edit")
	col.do("GET", "/api/v1/forms/household/submissions/"+id, nil).json(t, &viaXML)
	if viaXML.Revision != 2 || fmt.Sprint(viaXML.Data["members_total"]) != "9" {
		t.Errorf("after the edit: revision %d, members_total %v", viaXML.Revision, viaXML.Data["members_total"])
	}

	// Invalid answers: 422 naming the field; outside the collector's communes: 403.
	bad := householdData(t)
	bad["members_total"] = 0
	r = postInstance(t, app, prefix+"/submission", instanceXML("household", 1, uuid.NewString(), unitIn, bad, ""))
	wantStatus(t, r, http.StatusUnprocessableEntity, "invalid answers")
	if !bytes.Contains(r.body, []byte("/data/members_total")) {
		t.Errorf("422 body: %s", r.body)
	}
	r = postInstance(t, app, prefix+"/submission", instanceXML("household", 1, uuid.NewString(), unitOut, data, ""))
	wantStatus(t, r, http.StatusForbidden, "a commune outside the collector's")

	// Revoked: the token is refused everywhere.
	wantStatus(t, adminClient(t, shared).do("DELETE", "/api/v1/users/"+userID+"/devices/"+device, nil), http.StatusNoContent, "revoke")
	wantStatus(t, app.raw("GET", prefix+"/formList", nil), http.StatusUnauthorized, "form list after revoke")
	wantStatus(t, postInstance(t, app, prefix+"/submission", instanceXML("household", 1, uuid.NewString(), unitIn, data, "")), http.StatusUnauthorized, "submit after revoke")
}

func md5hex(b []byte) string {
	h := md5Sum(b)
	return fmt.Sprintf("%x", h)
}

func md5Sum(b []byte) [16]byte { return md5.Sum(b) }

func wantStatusTB(tb testing.TB, r response, status int, what string) {
	tb.Helper()
	if r.status != status {
		tb.Fatalf("%s: status %d, want %d: %s", what, r.status, status, r.body)
	}
}
