package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

// phoneOnlyForm is a form that exists only in this test: every kind of
// question the vocabulary has, a repeat, an if/then rule, hints, a photo.
func phoneOnlyForm(id string, extra bool) map[string]any {
	lbl := func(vi, en string) map[string]any { return map[string]any{"vi": vi, "en": en} }
	ch := func(code, vi, en string) map[string]any { return map[string]any{"code": code, "vi": vi, "en": en} }
	doc := map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"$id":     "https://khaosat.example/forms/" + id + ".json",
		"x-form":  id, "x-title": lbl("Phiếu thăm hộ thử nghiệm", "Home visit trial form"),
		"type": "object", "additionalProperties": false,
		"x-order":  []any{"visit_note", "household_size", "distance_km", "visit_date", "water_source", "other_water", "risks", "people", "photo"},
		"required": []any{"household_size", "visit_date", "water_source", "risks", "people"},
		"properties": map[string]any{
			"visit_note": map[string]any{"type": "string", "maxLength": 500, "x-label": lbl("Ghi chú chuyến thăm", "Visit note"),
				"x-hint": lbl("Điều gì cần lưu ý về hộ này.", "Anything to remember about this household.")},
			"household_size": map[string]any{"type": "integer", "minimum": 1, "maximum": 20, "x-label": lbl("Số người trong hộ", "People in the household")},
			"distance_km":    map[string]any{"type": "number", "minimum": 0, "x-label": lbl("Khoảng cách đến trạm y tế (km)", "Distance to the health station (km)")},
			"visit_date":     map[string]any{"type": "string", "format": "date", "x-label": lbl("Ngày thăm", "Visit date")},
			"water_source": map[string]any{"type": "string", "enum": []any{"piped", "well", "other"}, "x-label": lbl("Nguồn nước", "Water source"),
				"x-choices": []any{ch("piped", "Nước máy", "Piped water"), ch("well", "Giếng", "Well"), ch("other", "Nguồn khác", "Another source")}},
			"other_water": map[string]any{"type": "string", "minLength": 1, "maxLength": 100, "x-label": lbl("Nguồn nước khác là gì", "Which other source")},
			"risks": map[string]any{"type": "array", "uniqueItems": true, "x-label": lbl("Nguy cơ quan sát được", "Risks seen"),
				"items": map[string]any{"type": "string", "enum": []any{"stairs", "pond", "traffic"},
					"x-choices": []any{ch("stairs", "Cầu thang không lan can", "Stairs without a rail"), ch("pond", "Ao hồ gần nhà", "A pond nearby"), ch("traffic", "Đường đông xe", "Busy road")}}},
			"people": map[string]any{"type": "array", "x-repeat": true, "minItems": 1, "x-label": lbl("Người được gặp", "People met"),
				"items": map[string]any{"type": "object", "additionalProperties": false, "x-order": []any{"name", "dob", "role"}, "required": []any{"name", "role"},
					"properties": map[string]any{
						"name": map[string]any{"type": "string", "minLength": 1, "maxLength": 80, "x-label": lbl("Tên", "Name"), "x-personal": true},
						"dob":  map[string]any{"type": "string", "format": "date", "x-age": map[string]any{"min": 0, "max": 17}, "x-label": lbl("Ngày sinh của trẻ", "Child's date of birth")},
						"role": map[string]any{"type": "string", "enum": []any{"child", "carer"}, "x-label": lbl("Vai trò", "Role"),
							"x-choices": []any{ch("child", "Trẻ em", "Child"), ch("carer", "Người chăm sóc", "Carer")}},
					}}},
			"photo": map[string]any{"type": "string", "contentMediaType": "image/png", "maxLength": 100, "x-label": lbl("Ảnh nhà", "Photo of the home")},
		},
		"allOf": []any{map[string]any{
			"if":   map[string]any{"properties": map[string]any{"water_source": map[string]any{"const": "other"}}, "required": []any{"water_source"}},
			"then": map[string]any{"required": []any{"other_water"}},
		}},
	}
	if extra {
		props(doc)["visitor_phone"] = map[string]any{"type": "string", "pattern": `^\+?[0-9]{8,15}$`, "x-label": lbl("Số điện thoại người thăm", "Visitor's phone")}
		doc["x-order"] = append(doc["x-order"].([]any), "visitor_phone")
	}
	return doc
}

// labels collects every label, hint and choice of a form document in one language.
func labels(doc any, lang string, out map[string]bool) {
	switch v := doc.(type) {
	case map[string]any:
		for _, k := range []string{"x-label", "x-hint", "x-title"} {
			if l, ok := v[k].(map[string]any); ok {
				out[l[lang].(string)] = true
			}
		}
		if cs, ok := v["x-choices"].([]any); ok {
			for _, c := range cs {
				out[c.(map[string]any)[lang].(string)] = true
			}
		}
		for k, x := range v {
			if k != "x-label" && k != "x-hint" && k != "x-title" && k != "x-choices" {
				labels(x, lang, out)
			}
		}
	case []any:
		for _, x := range v {
			labels(x, lang, out)
		}
	}
}

// shownTexts is every label, hint, choice and error text the form shows.
const shownTexts = `[
	...[...document.querySelectorAll('.form .q-label')].map(e => e.childNodes[0].textContent.trim()),
	...[...document.querySelectorAll('.form .q-hint, .form .choice span, .form .q-error p')].map(e => e.textContent.trim()),
	...[...document.querySelectorAll('.form option')].filter(o => o.value).map(o => o.textContent.trim()),
]`

// TestPhoneNewFormLanguageAndVersions: a form that exists only in this test,
// published through the API, reaches the phone and renders with no code
// change; the language switch changes every label, hint, choice and error;
// a new version reaches the phone for new submissions while a draft keeps
// its version; a photo goes up as an attachment; a closed form leaves.
func TestPhoneNewFormLanguageAndVersions(t *testing.T) {
	t.Parallel()
	id := "phone_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	des := newUser(t, shared, "designer")
	v1 := phoneOnlyForm(id, false)
	wantStatus(t, des.do("POST", "/api/v1/forms", v1), http.StatusCreated, "create the form")
	wantStatus(t, des.do("POST", "/api/v1/forms/"+id+"/publish", map[string]any{"notes": "v1"}), http.StatusCreated, "publish v1")

	p := newPhone(t)
	p.enrol()
	p.click(fmt.Sprintf(`button.new-submission[data-form=%s]`, id))
	p.tab.waitFor(`!!document.querySelector('#q-household_size')`)
	draft := evalIn[string](p.tab, `location.hash.split('/').pop()`)

	// The if/then rule: the follow-up question appears, required, only for "other".
	if evalIn[bool](p.tab, `!!document.querySelector('#q-other_water')`) {
		t.Error("other_water shown before its rule holds")
	}
	p.choose("/water_source", "other")
	p.tab.waitFor(`!!document.querySelector('#q-other_water')`)
	p.set("#q-household_size", "50")
	p.tab.waitFor(`!!document.querySelector('#q-household_size-err')`)
	p.click("#q-people > button.add")
	p.set("#q-people-0-dob", "1990-01-01") // an adult where a child's date is asked: the age rule

	check := func(lang string) {
		t.Helper()
		want := map[string]bool{}
		labels(v1, lang, want)
		got := evalIn[[]string](p.tab, shownTexts)
		if len(got) < 20 {
			t.Fatalf("%s: only %d texts shown: %v", lang, len(got), got)
		}
		errs := evalIn[[]string](p.tab, `[...document.querySelectorAll('.form .q-error p')].map(e => e.textContent)`)
		for _, s := range got {
			if !want[s] && !slices.Contains(errs, s) {
				t.Errorf("%s: %q is not a %s label of the form", lang, s, lang)
			}
		}
		wantErr := map[string][]string{"vi": {"Giá trị phải không quá 20.", "Tuổi phải từ 0 đến 17"}, "en": {"Must be at most 20.", "The age on the survey date must be 0 to 17"}}[lang]
		for _, w := range wantErr {
			if !slices.ContainsFunc(errs, func(e string) bool { return strings.HasPrefix(e, w) }) {
				t.Errorf("%s: errors %q lack %q", lang, errs, w)
			}
		}
	}
	check("vi")
	// Every input has a label, and every target a thumb can hit is at least 44 px high.
	if bad := evalIn[[]string](p.tab, `[...document.querySelectorAll('input, select, textarea')].filter(el => el.labels.length === 0 && !el.closest('fieldset legend')).map(el => el.id || el.outerHTML)`); len(bad) > 0 {
		t.Errorf("inputs without a label: %v", bad)
	}
	if small := evalIn[[]string](p.tab, `[...document.querySelectorAll('button, a, select, textarea, input:not([type=radio]):not([type=checkbox]):not([type=file]), label.choice')]
		.filter(el => { const r = el.getBoundingClientRect(); return r.height > 0 && r.height < 44; }).map(el => el.id || el.textContent.trim().slice(0, 40))`); len(small) > 0 {
		t.Errorf("touch targets under 44 px: %v", small)
	}
	p.click("#lang-switch")
	p.tab.waitFor(`document.querySelector('#lang-switch').textContent === 'Tiếng Việt'`)
	check("en")
	p.tab.screenshot("question-error-en")

	// Fill it in properly, with a photo, then leave it as a draft.
	p.set("#q-household_size", "5")
	p.set("#q-distance_km", "2.5")
	p.set("#q-visit_date", "2026-11-30")
	p.set("#q-other_water", "Nước mưa")
	p.set("#q-people-0-name", "Lan")
	p.set("#q-people-0-dob", "2015-05-01")
	p.choose("/people/0/role", "child")
	icon, _ := filepath.Abs(filepath.Join("..", "..", "web", "app", "icons", "icon-192.png"))
	p.tab.do(chromedp.SetUploadFiles(chromedp.CSS("#q-photo"), []string{icon}))
	p.tab.waitFor(`!!document.querySelector('.photo-preview')`)
	p.tab.waitFor(`document.querySelectorAll('.form .q-error').length === 0`)

	// Version 2 is published: the phone takes it for new submissions.
	wantStatus(t, des.do("PUT", "/api/v1/forms/"+id+"/draft", phoneOnlyForm(id, true)), http.StatusOK, "draft v2")
	wantStatus(t, des.do("POST", "/api/v1/forms/"+id+"/publish", map[string]any{"notes": "v2"}), http.StatusCreated, "publish v2")
	p.tab.do(chromedp.Navigate(p.ns.URL + "/#/"))
	p.tab.waitFor(fmt.Sprintf(`(document.querySelector('#forms .card[data-form=%s] .meta') || {}).textContent === 'version 2'`, id))
	p.click(fmt.Sprintf(`button.new-submission[data-form=%s]`, id))
	p.tab.waitFor(`!!document.querySelector('#q-visitor_phone')`)
	// ...while the draft keeps version 1 and is sent as version 1.
	p.tab.do(chromedp.Navigate(p.ns.URL + "/#/fill/" + draft))
	p.tab.waitFor(`!!document.querySelector('#q-household_size')`)
	if evalIn[bool](p.tab, `!!document.querySelector('#q-visitor_phone')`) {
		t.Error("the version 1 draft shows a version 2 question")
	}
	p.click("#finalise")
	p.tab.waitFor(fmt.Sprintf(`!!document.querySelector('#outbox .card[data-id=%s][data-state=sent]')`, q(draft)))
	status, sub := serverSubmission(t, p.col, id, draft)
	if status != http.StatusOK || sub["form_version"] != float64(1) {
		t.Fatalf("stored draft: %d version %v", status, sub["form_version"])
	}
	// The photo follows as an attachment.
	var atts struct {
		Items []struct {
			Name string `json:"name"`
			Size int    `json:"size"`
		} `json:"items"`
	}
	for i := 0; i < 50 && len(atts.Items) == 0; i++ {
		p.col.do("GET", "/api/v1/forms/"+id+"/submissions/"+draft+"/attachments", nil).json(t, &atts)
		if len(atts.Items) == 0 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if len(atts.Items) != 1 || atts.Items[0].Name != sub["data"].(map[string]any)["photo"] {
		t.Errorf("attachments %+v, answer %v", atts.Items, sub["data"].(map[string]any)["photo"])
	}

	// Closed: the form leaves the phone's list.
	wantStatus(t, des.do("POST", "/api/v1/forms/"+id+"/close", nil), http.StatusOK, "close")
	p.tab.do(chromedp.Navigate(p.ns.URL + "/#/"))
	p.tab.do(chromedp.Reload())
	p.pin()
	p.tab.waitFor(fmt.Sprintf(`document.querySelectorAll('#forms .card').length >= 4 && !document.querySelector('#forms .card[data-form=%s]')`, id))
}

// fillFrom answers an object schema's questions on the phone from example
// answers, in the form's order, as a collector would: typing, ticking,
// choosing, adding repeat entries.
func (p *phoneEnv) fillFrom(s map[string]any, data map[string]any, path string) {
	p.t.Helper()
	props := s["properties"].(map[string]any)
	for _, n := range s["x-order"].([]any) {
		name := n.(string)
		v, ok := data[name]
		if !ok {
			continue
		}
		ps := props[name].(map[string]any)
		ptr := path + "/" + name
		id := "#" + fieldDOMID(ptr)
		switch {
		case ps["x-repeat"] == true:
			for i, item := range v.([]any) {
				p.click(id + " > button.add")
				p.fillFrom(ps["items"].(map[string]any), item.(map[string]any), fmt.Sprintf("%s/%d", ptr, i))
			}
		case ps["type"] == "array":
			for _, code := range v.([]any) {
				p.click(fmt.Sprintf(`%s input[value=%s]`, id, q(fmt.Sprint(code))))
			}
		case ps["enum"] != nil && len(ps["enum"].([]any)) > 7:
			p.set(id, fmt.Sprint(v))
		case ps["enum"] != nil:
			p.click(fmt.Sprintf(`%s input[value=%s]`, id, q(fmt.Sprint(v))))
		case ps["format"] == "uuid":
			// made by the phone
		default:
			p.set(id, fmt.Sprint(v))
		}
	}
}

// dropUUIDs removes the answers the phone makes itself (format uuid).
func dropUUIDs(s map[string]any, data any) any {
	switch d := data.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		out := map[string]any{}
		for k, v := range d {
			ps, _ := props[k].(map[string]any)
			if ps != nil && ps["format"] == "uuid" {
				continue
			}
			out[k] = dropUUIDs(ps, v)
		}
		return out
	case []any:
		items, _ := s["items"].(map[string]any)
		out := make([]any, len(d))
		for i, v := range d {
			out[i] = dropUUIDs(items, v)
		}
		return out
	}
	return data
}

// TestPhoneFillsEveryForm: each of the four forms is filled on the phone
// from an example of forms/testdata and sent; the server holds the answers.
func TestPhoneFillsEveryForm(t *testing.T) {
	t.Parallel()
	p := newPhone(t)
	p.enrol()
	p.tab.geolocation(21.0285, 105.8542, 15)
	for form, example := range map[string]string{
		"household":  "three_children.json",
		"disability": "band_5_17.json",
		"labour":     "hazardous_construction.json",
		"hiv":        "positive_on_art.json",
	} {
		t.Run(form, func(t *testing.T) {
			var schema, data map[string]any
			readJSON(t, "forms/"+form+".json", &schema)
			readJSON(t, "forms/testdata/"+form+"/valid/"+example, &data)
			p.tab.do(chromedp.Navigate(p.ns.URL + "/#/"))
			p.click(fmt.Sprintf(`button.new-submission[data-form=%s]`, form))
			p.tab.waitFor(`!!document.querySelector('#env-date')`)
			p.set("#env-date", "2026-06-15") // the examples' ages hold on that day
			p.clickText("Lấy vị trí")
			p.waitText("(±15 m)")
			p.fillFrom(schema, data, "")
			p.click("#finalise")
			p.tab.waitFor(`!!document.querySelector('#outbox .card[data-state=sent]')`)
			id := evalIn[string](p.tab, `document.querySelector('#outbox .card[data-state=sent]').dataset.id`)
			status, sub := serverSubmission(t, p.admin, form, id)
			if status != http.StatusOK {
				t.Fatalf("stored: %d", status)
			}
			if loc, _ := sub["location"].(map[string]any); loc == nil || loc["lat"] != 21.0285 || loc["lon"] != 105.8542 || loc["accuracy"] != float64(15) {
				t.Errorf("location: %v", sub["location"])
			}
			if diff := cmp.Diff(dropUUIDs(schema, data), dropUUIDs(schema, sub["data"])); diff != "" {
				t.Errorf("answers (-example +server):\n%s", diff)
			}
			p.js(`(async () => { const {db} = await import('/app/db.js'); await (await db()).clear('outbox'); })()`)
		})
	}
}
