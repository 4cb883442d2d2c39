package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPhoneOpenValidatesOnFirstTouch: a draft opens without a validation
// run (no error can show before a question is touched), and touching a
// question, even without changing it, shows the error it already had.
func TestPhoneOpenValidatesOnFirstTouch(t *testing.T) {
	t.Parallel()
	p := newPhone(t)
	p.enrol()

	var example map[string]any
	readJSON(t, "forms/testdata/household/valid/three_children.json", &example)
	example["members_total"] = 40 // above the form's maximum of 30
	id := evalIn[string](p.tab, fmt.Sprintf(`(async () => {
		const data = await import('/app/data.js'), { session, deviceID } = await import('/app/db.js');
		const s = await session.load(), form = (await data.listForms()).find(f => f.id === 'household');
		const d = await data.newDraft({ form, user: s.user, unit: '00004', deviceId: await deviceID(), data: %s });
		return d.id;
	})()`, mustJSON(t, example)))
	p.tab.do(chromedp.Navigate(p.ns.URL + "/#/fill/" + id))
	p.tab.waitFor(`!!document.querySelector('#q-children-2-toggle')`)
	if n := evalIn[int](p.tab, `__khaosatMetrics.validate.length`); n != 0 {
		t.Errorf("%d validation runs on opening a draft, want 0", n)
	}
	if n := evalIn[int](p.tab, `document.querySelectorAll('.q-error').length`); n != 0 {
		t.Errorf("%d errors shown on opening a draft", n)
	}

	p.js(`(() => { const el = document.querySelector('#q-members_total'); el.focus(); el.blur(); })()`)
	p.tab.waitFor(`!!document.querySelector('#q-members_total-err')`)
	if got := evalIn[string](p.tab, `document.querySelector('#q-members_total-err').textContent`); !strings.Contains(got, "30") {
		t.Errorf("error beside members_total after touching it: %q", got)
	}
	if n := evalIn[int](p.tab, `document.querySelectorAll('.q-error').length`); n != 1 {
		t.Errorf("%d errors shown after touching one question, want 1", n)
	}
}
