package export

import (
	"bufio"
	"encoding/csv"
	"io"

	"github.com/khaosat/khaosat/internal/survey"
)

// bom makes Excel read the file as UTF-8, so Vietnamese shows correctly.
const bom = "\uFEFF"

// csvTable writes one table as RFC 4180 CSV (CRLF line ends), UTF-8 with
// a BOM.
type csvTable struct {
	buf *bufio.Writer
	w   *csv.Writer
	rec []string
	// neutral: text cells that begin like a formula are neutralised.
	neutral bool
}

func newCSVTable(w io.Writer, header []string) (*csvTable, error) {
	buf := bufio.NewWriterSize(w, 64<<10)
	t := &csvTable{buf: buf, w: csv.NewWriter(buf), rec: make([]string, len(header))}
	t.w.UseCRLF = true
	if _, err := buf.WriteString(bom); err != nil {
		return nil, err
	}
	if err := t.w.Write(header); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *csvTable) write(cells []any) error {
	for i, c := range cells {
		t.rec[i] = text(c)
		if _, isText := c.(string); isText && t.neutral {
			t.rec[i] = Neutralise(t.rec[i])
		}
	}
	return t.w.Write(t.rec)
}

func (t *csvTable) flush() error {
	t.w.Flush()
	if err := t.w.Error(); err != nil {
		return err
	}
	return t.buf.Flush()
}

// CSV writes the root table only: one row per submission, a repeat as the
// count of its items.
type CSV struct {
	em  *emitter
	out *csvTable
}

// NewCSV starts a CSV export into w.
func NewCSV(w io.Writer, spec *survey.ExportSpec) (survey.ExportWriter, error) {
	root := layout(spec, false)
	out, err := newCSVTable(w, root.header(spec.Options))
	if err != nil {
		return nil, err
	}
	out.neutral = neutralising(spec)
	return &CSV{em: newEmitter(root, spec.Options), out: out}, nil
}

// Write implements survey.ExportWriter.
func (c *CSV) Write(r *survey.ExportRecord) error {
	return c.em.emit(r, func(_ *table, cells []any) error { return c.out.write(cells) })
}

// Flush implements survey.ExportWriter.
func (c *CSV) Flush() error { return c.out.flush() }

// Close implements survey.ExportWriter.
func (c *CSV) Close() error { return c.out.flush() }

// Discard implements survey.ExportWriter.
func (c *CSV) Discard() {}
