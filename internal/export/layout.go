// Package export holds the streaming writers of submission exports: CSV
// (the root table), ZIP (one CSV per table joined by KEY/PARENT_KEY, with
// a codebook), XLSX (one sheet per table) and JSON Lines. Each writer
// takes records one at a time and keeps at most one record in memory;
// tables that cannot be written in place (the repeat tables of a ZIP) are
// spooled to temporary files.
package export

import (
	"strconv"
	"strings"
	"time"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/schema"
	"github.com/khaosat/khaosat/internal/survey"
)

// colKind says where a column's value comes from.
type colKind int

const (
	colMeta      colKind = iota // a submission's metadata
	colAnswer                   // an answer, written as text, number, code or label
	colSplit                    // 1/0: whether a multiple-choice answer holds one choice
	colCount                    // the number of items of a repeat
	colKey                      // this row's KEY
	colParentKey                // the PARENT_KEY of a repeat row
)

// column is one column of a table.
type column struct {
	kind   colKind
	name   string
	label  schema.Label
	meta   string         // for colMeta
	path   []string       // for answers: names from the table's object through groups
	field  *schema.Field  // for answers, splits and counts
	choice *schema.Choice // for colSplit
}

// table is the root table or the table of one repeat group.
type table struct {
	name     string        // "household", or the repeat's path joined with "-": "children"
	repeat   *schema.Field // nil for the root
	path     []string      // from the parent table's object to the repeat, through groups
	cols     []column
	children []*table
}

// metaColumns are the submission metadata, in the order they are written.
var metaColumns = []column{
	{kind: colMeta, meta: "id", name: "id", label: msg.Text(msg.ColumnID)},
	{kind: colMeta, meta: "form_version", name: "form_version", label: msg.Text(msg.ColumnFormVersion)},
	{kind: colMeta, meta: "unit", name: "unit", label: msg.Text(msg.ColumnUnit)},
	{kind: colMeta, meta: "unit_name", name: "unit_name", label: msg.Text(msg.ColumnUnitName)},
	{kind: colMeta, meta: "survey_date", name: "survey_date", label: msg.Text(msg.ColumnSurveyDate)},
	{kind: colMeta, meta: "collector", name: "collector", label: msg.Text(msg.ColumnCollector)},
	{kind: colMeta, meta: "received_at", name: "received_at", label: msg.Text(msg.ColumnReceivedAt)},
	{kind: colMeta, meta: "revision", name: "revision", label: msg.Text(msg.ColumnRevision)},
	{kind: colMeta, meta: "review_state", name: "review_state", label: msg.Text(msg.ColumnReviewState)},
}

var (
	keyColumn       = column{kind: colKey, name: "KEY", label: msg.Text(msg.ColumnKey)}
	parentKeyColumn = column{kind: colParentKey, name: "PARENT_KEY", label: msg.Text(msg.ColumnParentKey)}
)

// layout builds the tables of an export. With repeats false only the root
// table is built, and repeats appear in it as counts; with it, every
// repeat group gets a table and rows carry KEY and PARENT_KEY.
func layout(spec *survey.ExportSpec, repeats bool) *table {
	root := &table{name: spec.Form.ID}
	root.cols = append(root.cols, metaColumns...)
	addFields(root, spec, spec.Fields, nil, repeats)
	if repeats {
		root.cols = append(root.cols, keyColumn)
	}
	return root
}

// addFields adds the columns of fields (children of the object at prefix
// inside t's object) to t, and the tables of their repeats.
func addFields(t *table, spec *survey.ExportSpec, fields []*schema.Field, prefix []string, repeats bool) {
	for _, f := range fields {
		path := append(append([]string(nil), prefix...), f.Name)
		name := strings.Join(path, "/")
		switch f.Kind {
		case schema.KindObject:
			addFields(t, spec, f.Fields, path, repeats)
		case schema.KindRepeat:
			t.cols = append(t.cols, column{kind: colCount, name: name + "_count", field: f, path: path,
				label: msg.Text(msg.ColumnCount, f.Label)})
			if repeats {
				child := &table{name: childName(t, path), repeat: f, path: path}
				addFields(child, spec, f.Fields, nil, true)
				child.cols = append(child.cols, parentKeyColumn, keyColumn)
				t.children = append(t.children, child)
			}
		case schema.KindMultiChoice:
			t.cols = append(t.cols, column{kind: colAnswer, name: name, label: f.Label, field: f, path: path})
			if spec.Options.Split {
				for i := range f.Choices {
					ch := &f.Choices[i]
					t.cols = append(t.cols, column{kind: colSplit, name: name + "/" + codeText(ch.Code), field: f, path: path, choice: ch,
						label: schema.Label{VI: f.Label.VI + ": " + ch.Label.In("vi"), EN: f.Label.EN + ": " + ch.Label.In("en")}})
				}
			}
		default:
			t.cols = append(t.cols, column{kind: colAnswer, name: name, label: f.Label, field: f, path: path})
		}
	}
}

func childName(parent *table, path []string) string {
	n := strings.Join(path, "-")
	if parent.repeat != nil {
		return parent.name + "-" + n
	}
	return n
}

// tables lists t and every table below it, parents first.
func (t *table) tables() []*table {
	out := []*table{t}
	for _, c := range t.children {
		out = append(out, c.tables()...)
	}
	return out
}

// header returns the header row: names, or labels in the language of the
// labels option (Vietnamese when choices are written as codes).
func (t *table) header(o survey.ExportOptions) []string {
	h := make([]string, len(t.cols))
	lang := o.Labels
	if lang != "en" {
		lang = "vi"
	}
	for i, c := range t.cols {
		h[i] = c.name
		if o.HeaderLabels && (c.label.VI != "" || c.label.EN != "") {
			h[i] = c.label.In(lang)
		}
	}
	return h
}

// rowFunc receives one row of a table; cells are nil, string, int64,
// float64 or bool, and are only valid during the call.
type rowFunc func(t *table, cells []any) error

// emitter turns records into rows, reusing one cell buffer per table.
type emitter struct {
	root   *table
	labels string
	bufs   map[*table][]any
}

func newEmitter(root *table, o survey.ExportOptions) *emitter {
	return &emitter{root: root, labels: o.Labels, bufs: map[*table][]any{}}
}

// emit calls fn with the root row of r and then, depth first, the rows of
// its repeat items.
func (e *emitter) emit(r *survey.ExportRecord, fn rowFunc) error {
	return e.emitTable(e.root, r, r.Data, r.ID, "", fn)
}

func (e *emitter) emitTable(t *table, r *survey.ExportRecord, obj map[string]any, key, parentKey string, fn rowFunc) error {
	cells := e.bufs[t]
	if cells == nil {
		cells = make([]any, len(t.cols))
		e.bufs[t] = cells
	}
	for i := range t.cols {
		cells[i] = e.cell(&t.cols[i], r, obj, key, parentKey)
	}
	if err := fn(t, cells); err != nil {
		return err
	}
	for _, c := range t.children {
		items, _ := lookup(obj, c.path).([]any)
		for i, it := range items {
			m, _ := it.(map[string]any)
			k := key + "/" + strings.Join(c.path, "/") + "[" + strconv.Itoa(i+1) + "]"
			if err := e.emitTable(c, r, m, k, key, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

func lookup(obj map[string]any, path []string) any {
	var v any = obj
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func (e *emitter) cell(c *column, r *survey.ExportRecord, obj map[string]any, key, parentKey string) any {
	switch c.kind {
	case colMeta:
		return metaValue(c.meta, r)
	case colKey:
		return key
	case colParentKey:
		return parentKey
	case colCount:
		if items, ok := lookup(obj, c.path).([]any); ok {
			return int64(len(items))
		}
		return nil
	case colSplit:
		items, ok := lookup(obj, c.path).([]any)
		if !ok {
			return nil
		}
		for _, it := range items {
			if it == c.choice.Code {
				return int64(1)
			}
		}
		return int64(0)
	}
	v := lookup(obj, c.path)
	if v == nil {
		return nil
	}
	switch c.field.Kind {
	case schema.KindChoice:
		if _, ok := v.(string); ok && e.labels == "codes" {
			return v // the code itself: boxing it again would allocate
		}
		return e.choiceText(c.field, v)
	case schema.KindMultiChoice:
		items, ok := v.([]any)
		if !ok {
			return nil
		}
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = e.choiceText(c.field, it)
		}
		if e.labels == "codes" {
			return strings.Join(parts, " ")
		}
		return strings.Join(parts, "; ")
	}
	switch x := v.(type) {
	case string, int64, float64, bool:
		return x
	case int:
		return int64(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	}
	return nil // a value of a shape the form does not describe
}

// choiceText writes a choice as its code, or its label in the language asked.
func (e *emitter) choiceText(f *schema.Field, code any) string {
	if e.labels != "codes" {
		if ch := f.Choice(code); ch != nil {
			return ch.Label.In(e.labels)
		}
	}
	return codeText(code)
}

func codeText(code any) string {
	switch x := code.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

func metaValue(name string, r *survey.ExportRecord) any {
	switch name {
	case "id":
		return r.ID
	case "form_version":
		return int64(r.FormVersion)
	case "unit":
		return r.Unit
	case "unit_name":
		return r.UnitName
	case "survey_date":
		return r.SurveyDate.Format(time.DateOnly)
	case "collector":
		return r.Collector
	case "received_at":
		return r.ReceivedAt.UTC().Format("2006-01-02T15:04:05.000Z")
	case "revision":
		return int64(r.Revision)
	case "review_state":
		return r.ReviewState
	}
	return nil
}
