package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

// webFormsPage loads the vendored ODK Web Forms (testdata/webforms, see
// refresh.sh there) with the XForm served at /form.xml, and keeps what it
// submits in window.instanceXML.
const webFormsPage = `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>ODK Web Forms</title></head>
<body><div id="app"></div><script type="module">
import { createApp, h, OdkWebForm, webFormsPlugin } from '/webforms/entry.js';
window.instanceXML = null;
const xml = await (await fetch('/form.xml')).text();
const app = createApp({ render: () => h(OdkWebForm, {
  formXml: xml,
  fetchFormAttachment: () => Promise.reject(new Error('no attachments')),
  onSubmit: async (payload, done) => {
    window.instanceXML = await payload.data[0].get('xml_submission_file').text();
  },
}) });
app.use(webFormsPlugin);
app.mount('#app');
</script></body></html>`

// webFormsServer serves the page, the vendored Web Forms and one XForm,
// on an origin of its own (no Content-Security-Policy of the app's).
type webFormsServer struct {
	*httptest.Server
	mu    sync.Mutex
	xform []byte
}

func newWebFormsServer(t *testing.T) *webFormsServer {
	t.Helper()
	dir := filepath.Join("testdata", "webforms")
	if _, err := os.Stat(filepath.Join(dir, "entry.js")); err != nil {
		t.Fatalf("vendored Web Forms missing: %v (run testdata/webforms/refresh.sh)", err)
	}
	s := &webFormsServer{}
	mux := http.NewServeMux()
	mux.Handle("/webforms/", http.StripPrefix("/webforms/", http.FileServer(http.Dir(dir))))
	mux.HandleFunc("/form.xml", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		w.Write(s.xform)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(webFormsPage))
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *webFormsServer) serve(xform []byte) {
	s.mu.Lock()
	s.xform = xform
	s.mu.Unlock()
}

// webFormsJS finds a question's container by the start of its label.
const webFormsJS = `const q = (text) => [...document.querySelectorAll('.question-container')].find(c => {
  const l = c.querySelector('.control-text'); return l && l.textContent.trim().startsWith(text); });`

// fillText types into the text or number input of a question.
func fillText(tb *tab, label, text string) {
	tb.tb.Helper()
	id := evalIn[string](tb, fmt.Sprintf(`(() => { %s const c = q(%q); const i = c && c.querySelector('input'); return i ? i.id : ''; })()`, webFormsJS, label))
	if id == "" {
		tb.tb.Fatalf("no input for %q%s", label, tb.pageText())
	}
	sel := chromedp.CSS(`[id="` + id + `"]`)
	tb.do(chromedp.Click(sel), chromedp.SendKeys(sel, text))
}

// choose ticks the choice with the value code of a question.
func choose(tb *tab, label, code string) {
	tb.tb.Helper()
	ok := evalIn[bool](tb, fmt.Sprintf(`(() => { %s const c = q(%q); const i = c && c.querySelector('input[value=%q]'); if (!i) return false; i.click(); return true; })()`, webFormsJS, label, code))
	if !ok {
		tb.tb.Fatalf("no choice %s for %q%s", code, label, tb.pageText())
	}
}

// TestWebFormsFillsHousehold fills in the household form's XForm in ODK
// Web Forms (headless Chromium), posts the instance it produces to the
// OpenRosa endpoint, and compares what is stored with the same answers
// sent as JSON.
func TestWebFormsFillsHousehold(t *testing.T) {
	t.Parallel()
	col := newUser(t, shared, "collector", unitIn)
	prefix, _, _ := enrolOpenRosa(t, col)
	app := newClient(t, shared)
	r := app.raw("GET", prefix+"/forms/household/form.xml", nil)
	wantStatus(t, r, http.StatusOK, "the household XForm")
	wf := newWebFormsServer(t)
	wf.serve(r.body)

	tb := newTab(t, wf.URL)
	tb.do(chromedp.Navigate(wf.URL + "/"))
	tb.waitFor(`document.body.innerText.includes('Tổng số nhân khẩu trong hộ')`)
	if evalIn[bool](tb, `!!document.querySelector('.form-load-failure-dialog')`) {
		t.Fatalf("Web Forms could not load the XForm%s", tb.pageText())
	}
	fillText(tb, "Địa chỉ", "Số 5, ngõ 12 Đội Cấn")
	fillText(tb, "Họ và tên chủ hộ", "Nguyễn Văn An")
	fillText(tb, "Số điện thoại chủ hộ", "0912345678")
	fillText(tb, "Tổng số nhân khẩu", "4")
	choose(tb, "Phân loại hộ nghèo", "near_poor")
	choose(tb, "Tình trạng nhà ở", "semi_permanent")
	choose(tb, "Xã, phường", unitIn)
	evalIn[bool](tb, `(() => { const b = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Send'); b.click(); return true; })()`)
	tb.waitFor(`window.instanceXML !== null`)
	instance := evalIn[string](tb, `window.instanceXML`)

	r = postInstance(t, app, prefix+"/submission", []byte(instance))
	wantStatus(t, r, http.StatusCreated, "the instance from Web Forms")
	m := regexp.MustCompile(`<instanceID>uuid:([0-9a-f-]+)</instanceID>`).FindStringSubmatch(instance)
	if m == nil {
		t.Fatalf("no instanceID in %s", instance)
	}
	answers := map[string]any{"address": "Số 5, ngõ 12 Đội Cấn", "head_name": "Nguyễn Văn An", "head_phone": "0912345678",
		"members_total": 4, "poverty_status": "near_poor", "housing": "semi_permanent", "children": []any{}}
	// household_id is generated on the phone (once(uuid())): the JSON
	// submission carries the one Web Forms made.
	hh := regexp.MustCompile(`<household_id>([0-9a-f-]{36})</household_id>`).FindStringSubmatch(instance)
	if hh == nil {
		t.Fatalf("Web Forms generated no household_id in %s", instance)
	}
	answers["household_id"] = hh[1]
	env := envelope(answers)
	wantStatus(t, col.do("POST", "/api/v1/forms/household/submissions", env), http.StatusCreated, "the same answers as JSON")
	var fromWeb, fromJSON struct {
		Data map[string]any
		Unit string
	}
	col.do("GET", "/api/v1/forms/household/submissions/"+m[1], nil).json(t, &fromWeb)
	col.do("GET", "/api/v1/forms/household/submissions/"+env["id"].(string), nil).json(t, &fromJSON)
	if diff := cmp.Diff(fromJSON.Data, fromWeb.Data); diff != "" {
		t.Errorf("stored answers (-JSON +Web Forms):\n%s\ninstance: %s", diff, instance)
	}
	if fromWeb.Unit != unitIn {
		t.Errorf("unit %q", fromWeb.Unit)
	}
}

// TestWebFormsFillsImportedXLSForm: a form a designer imports from
// XLSForm (a repeat, a relevance, a constraint, a generated id) renders
// in ODK Web Forms, whose relevance shows the school question only once
// the child is in school; its submission is stored and validated as the
// same answers sent as JSON.
func TestWebFormsFillsImportedXLSForm(t *testing.T) {
	t.Parallel()
	des := newUser(t, shared, "designer")
	id := newFormID()
	wantStatus(t, des.raw("PUT", "/api/v1/forms/"+id+"/draft", workbook(t, id, visitRows), "Content-Type", xlsxType), http.StatusCreated, "import")
	wantStatus(t, des.do("POST", "/api/v1/forms/"+id+"/publish", map[string]any{"notes": "XLSForm"}), http.StatusCreated, "publish")
	col := newUser(t, shared, "collector", unitIn)
	prefix, _, _ := enrolOpenRosa(t, col)
	app := newClient(t, shared)
	r := app.raw("GET", prefix+"/forms/"+id+"/form.xml", nil)
	wantStatus(t, r, http.StatusOK, "the XForm")
	wf := newWebFormsServer(t)
	wf.serve(r.body)

	tb := newTab(t, wf.URL)
	tb.do(chromedp.Navigate(wf.URL + "/"))
	tb.waitFor(`document.body.innerText.includes('Đang đi học')`)
	if evalIn[bool](tb, `document.body.innerText.includes('Tên trường')`) {
		t.Error("the school question shows before the child is in school")
	}
	fillText(tb, "Tuổi", "9")
	choose(tb, "Đang đi học", "yes")
	tb.waitFor(`document.body.innerText.includes('Tên trường')`)
	fillText(tb, "Tên trường", "Tiểu học Kim Đồng")
	choose(tb, "Xã, phường", unitIn)
	evalIn[bool](tb, `(() => { [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Send').click(); return true; })()`)
	tb.waitFor(`window.instanceXML !== null`)
	instance := evalIn[string](tb, `window.instanceXML`)
	wantStatus(t, postInstance(t, app, prefix+"/submission", []byte(instance)), http.StatusCreated, "the instance from Web Forms")

	m := regexp.MustCompile(`<instanceID>uuid:([0-9a-f-]+)</instanceID>`).FindStringSubmatch(instance)
	if m == nil {
		t.Fatalf("no instanceID in %s", instance)
	}
	var fromWeb struct{ Data map[string]any }
	col.do("GET", "/api/v1/forms/"+id+"/submissions/"+m[1], nil).json(t, &fromWeb)
	childID, _ := fromWeb.Data["child_id"].(string)
	if _, err := uuid.Parse(childID); err != nil {
		t.Errorf("child_id %q: want the id Web Forms generated", childID)
	}
	answers := map[string]any{"child_id": childID, "age": 9, "in_school": "yes", "school_name": "Tiểu học Kim Đồng"}
	env := formEnvelope(1, answers)
	wantStatus(t, col.do("POST", "/api/v1/forms/"+id+"/submissions", env), http.StatusCreated, "the same answers as JSON")
	var fromJSON struct{ Data map[string]any }
	col.do("GET", "/api/v1/forms/"+id+"/submissions/"+env["id"].(string), nil).json(t, &fromJSON)
	if diff := cmp.Diff(fromJSON.Data, fromWeb.Data); diff != "" {
		t.Errorf("stored answers (-JSON +Web Forms):\n%s\ninstance: %s", diff, instance)
	}
}
