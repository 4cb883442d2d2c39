package export

import (
	"archive/zip"
	"compress/flate"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/khaosat/khaosat/internal/survey"
)

// Zip writes one CSV per table — the root, then one per repeat group, rows
// joined by KEY and PARENT_KEY as ODK does — and codebook.csv. A zip
// archive holds its entries one after the other, so the root table streams
// straight into the archive while the repeat tables are spooled to
// temporary files and copied in at the end: memory stays flat, disk grows
// with the export.
type Zip struct {
	spec     *survey.ExportSpec
	zw       *zip.Writer
	root     *table
	em       *emitter
	rootOut  *csvTable
	spools   map[*table]*spool
	modified time.Time
}

type spool struct {
	f   *os.File
	out *csvTable
}

// NewZip starts a ZIP export into w.
func NewZip(w io.Writer, spec *survey.ExportSpec) (survey.ExportWriter, error) {
	z := &Zip{spec: spec, zw: zip.NewWriter(w), root: layout(spec, true), spools: map[*table]*spool{}, modified: time.Now()}
	// Speed over size: the archive is produced while the client waits.
	z.zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	z.em = newEmitter(z.root, spec.Options)
	for _, t := range z.root.tables()[1:] {
		f, err := os.CreateTemp("", "khaosat-export-*.csv")
		if err != nil {
			z.Discard()
			return nil, err
		}
		s := &spool{f: f}
		z.spools[t] = s
		if s.out, err = newCSVTable(f, t.header(spec.Options)); err != nil {
			z.Discard()
			return nil, err
		}
		s.out.neutral = neutralising(spec)
	}
	entry, err := z.create(z.root.name + ".csv")
	if err != nil {
		z.Discard()
		return nil, err
	}
	if z.rootOut, err = newCSVTable(entry, z.root.header(spec.Options)); err != nil {
		z.Discard()
		return nil, err
	}
	z.rootOut.neutral = neutralising(spec)
	return z, nil
}

func (z *Zip) create(name string) (io.Writer, error) {
	return z.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: z.modified})
}

// Write implements survey.ExportWriter.
func (z *Zip) Write(r *survey.ExportRecord) error {
	return z.em.emit(r, func(t *table, cells []any) error {
		if t == z.root {
			return z.rootOut.write(cells)
		}
		return z.spools[t].out.write(cells)
	})
}

// Flush implements survey.ExportWriter: what the root table has written so
// far goes out.
func (z *Zip) Flush() error {
	if err := z.rootOut.flush(); err != nil {
		return err
	}
	return z.zw.Flush()
}

// Close implements survey.ExportWriter: the repeat tables and the codebook
// are added and the archive is finished.
func (z *Zip) Close() error {
	defer z.Discard()
	if err := z.rootOut.flush(); err != nil {
		return err
	}
	for _, t := range z.root.tables()[1:] {
		s := z.spools[t]
		if err := s.out.flush(); err != nil {
			return err
		}
		if _, err := s.f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		entry, err := z.create(t.name + ".csv")
		if err != nil {
			return err
		}
		if _, err := io.Copy(entry, s.f); err != nil {
			return err
		}
	}
	entry, err := z.create("codebook.csv")
	if err != nil {
		return err
	}
	if err := writeCodebook(entry, z.root, z.spec.Pseudonymised); err != nil {
		return err
	}
	return z.zw.Close()
}

// Discard implements survey.ExportWriter: the spool files are removed.
func (z *Zip) Discard() {
	for t, s := range z.spools {
		s.f.Close()
		os.Remove(s.f.Name())
		delete(z.spools, t)
	}
}

// writeCodebook lists every column of every table with its labels and, for
// choice fields, one row per code. Its personal column is true, false, or
// "pseudonymised" for a personal column of an export whose personal
// answers are keyed pseudonyms.
func writeCodebook(w io.Writer, root *table, pseudonymised bool) error {
	out, err := newCSVTable(w, []string{"table", "column", "kind", "label_vi", "label_en", "value", "value_label_vi", "value_label_en", "sensitive", "personal"})
	if err != nil {
		return err
	}
	row := make([]any, 10)
	for _, t := range root.tables() {
		for _, c := range t.cols {
			kind, sensitive, personal := "", false, "false"
			switch c.kind {
			case colMeta:
				kind = "metadata"
			case colKey, colParentKey:
				kind = "key"
			case colCount:
				kind = "count"
			case colSplit:
				kind = "indicator"
			default:
				kind = string(c.field.Kind)
			}
			if c.field != nil {
				sensitive, personal = c.field.Sensitive, strconv.FormatBool(c.field.Personal)
				if c.field.Personal && pseudonymised {
					personal = "pseudonymised"
				}
			}
			row = append(row[:0], t.name, c.name, kind, c.label.VI, c.label.EN, "", "", "", strconv.FormatBool(sensitive), personal)
			if c.kind == colSplit {
				row[5], row[6], row[7] = "1", c.choice.Label.In("vi"), c.choice.Label.In("en")
			}
			if err := out.write(row); err != nil {
				return err
			}
			if c.kind != colAnswer || len(c.field.Choices) == 0 {
				continue
			}
			for _, ch := range c.field.Choices {
				row = append(row[:0], t.name, c.name, "choice", "", "", codeText(ch.Code), ch.Label.In("vi"), ch.Label.In("en"), "", "")
				if err := out.write(row); err != nil {
					return err
				}
			}
		}
	}
	return out.flush()
}
