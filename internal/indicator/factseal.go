package indicator

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/khaosat/khaosat/internal/survey"
)

// FactSealer seals indicator facts for a store. A cell of a sensitive
// indicator tells a sensitive answer as plainly as the answer does (a
// CSPC_RATE numerator of 1 says a child is in special circumstances), and
// a total of such cells over one commune and day can be one household's:
// a store keeps neither in clear, only in boxes this seals. aad names the
// record a box belongs to (a submission, a commune and period), so that a
// box moved to another record does not open.
type FactSealer interface {
	CurrentKeyID() string
	SealCells(cells []survey.FactCell, aad string) (keyID string, box []byte, err error)
	OpenCells(keyID string, box []byte, aad string) ([]survey.FactCell, error)
	// EachCell opens a box and hands fn its cells one by one, in place
	// (see CellBytes): for a reader that sums the cells of many boxes.
	EachCell(keyID string, box []byte, aad string, fn func(*CellBytes)) error
}

// CellBytes is a cell of an opened box as EachCell hands it: its strings
// are bytes of the box's plaintext, valid during the call only, so that
// summing thousands of boxes allocates nothing per cell.
type CellBytes struct {
	Indicator, Sex, AgeGroup []byte
	Sensitive                bool
	Den, Num                 int
}

// NewFactSealer seals facts under the data keys of s (nil s: a sealer
// that refuses, for stores that keep no facts).
func NewFactSealer(s survey.Sealer) FactSealer { return factSealer{s} }

type factSealer struct{ s survey.Sealer }

// factAAD separates facts boxes from answer boxes under the same keys.
const factAAD = "khaosat/facts\x00"

// factPad is the size a sealed plaintext is padded to a multiple of: the
// length of a box then tells the number of cells only to within
// about a dozen.
const factPad = 256

var errNoFactSealer = errors.New("indicator facts: no data key to seal them with")

func (f factSealer) CurrentKeyID() string {
	if f.s == nil {
		return ""
	}
	return f.s.CurrentKeyID()
}

func (f factSealer) SealCells(cells []survey.FactCell, aad string) (string, []byte, error) {
	if f.s == nil {
		return "", nil, errNoFactSealer
	}
	return f.s.Seal(encodeCells(cells), []byte(factAAD+aad))
}

func (f factSealer) OpenCells(keyID string, box []byte, aad string) ([]survey.FactCell, error) {
	pt, err := f.open(keyID, box, aad)
	if err != nil {
		return nil, err
	}
	return decodeCells(pt)
}

func (f factSealer) EachCell(keyID string, box []byte, aad string, fn func(*CellBytes)) error {
	pt, err := f.open(keyID, box, aad)
	if err != nil {
		return err
	}
	return eachCell(pt, fn)
}

func (f factSealer) open(keyID string, box []byte, aad string) ([]byte, error) {
	if f.s == nil {
		return nil, errNoFactSealer
	}
	pt, err := f.s.Open(keyID, box, []byte(factAAD+aad))
	if err != nil {
		return nil, fmt.Errorf("open indicator facts: %w", err)
	}
	return pt, nil
}

// encodeCells is the plaintext of a facts box: a format byte, the length
// of the cells' encoding, the cells (indicator, sex, age group as
// length-prefixed strings, a flag byte, den and num as signed varints),
// then zeros up to a multiple of factPad.
func encodeCells(cells []survey.FactCell) []byte {
	body := make([]byte, 0, 16*len(cells))
	body = binary.AppendUvarint(body, uint64(len(cells)))
	str := func(s string) {
		body = binary.AppendUvarint(body, uint64(len(s)))
		body = append(body, s...)
	}
	for _, c := range cells {
		str(c.Indicator)
		str(c.Sex)
		str(c.AgeGroup)
		var flag byte
		if c.Sensitive {
			flag = 1
		}
		body = append(body, flag)
		body = binary.AppendVarint(body, int64(c.Den))
		body = binary.AppendVarint(body, int64(c.Num))
	}
	out := make([]byte, 0, len(body)+16)
	out = append(out, 1)
	out = binary.AppendUvarint(out, uint64(len(body)))
	out = append(out, body...)
	if r := len(out) % factPad; r != 0 {
		out = append(out, make([]byte, factPad-r)...)
	}
	return out
}

var errCells = errors.New("indicator facts: damaged cells")

// decodeCells reads what encodeCells wrote.
func decodeCells(b []byte) ([]survey.FactCell, error) {
	var cells []survey.FactCell
	err := eachCell(b, func(c *CellBytes) {
		if cells == nil {
			cells = make([]survey.FactCell, 0, 16)
		}
		cells = append(cells, survey.FactCell{Indicator: string(c.Indicator), Sex: string(c.Sex), AgeGroup: string(c.AgeGroup),
			Sensitive: c.Sensitive, Den: c.Den, Num: c.Num})
	})
	if err != nil {
		return nil, err
	}
	if cells == nil {
		cells = []survey.FactCell{}
	}
	return cells, nil
}

// eachCell reads what encodeCells wrote, calling fn with each cell in
// place; a damaged encoding is an error, after the cells before the
// damage were handed over.
func eachCell(b []byte, fn func(*CellBytes)) error {
	if len(b) == 0 || b[0] != 1 {
		return errCells
	}
	b = b[1:]
	size, k := binary.Uvarint(b)
	if k <= 0 || size > uint64(len(b)-k) {
		return errCells
	}
	b = b[k : k+int(size)]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return errCells
	}
	b = b[k:]
	str := func() ([]byte, bool) {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return nil, false
		}
		s := b[k : k+int(l) : k+int(l)]
		b = b[k+int(l):]
		return s, true
	}
	num := func() (int, bool) {
		v, k := binary.Varint(b)
		if k <= 0 {
			return 0, false
		}
		b = b[k:]
		return int(v), true
	}
	var c CellBytes
	for range n {
		var ok1, ok2, ok3, ok4, ok5 bool
		c.Indicator, ok1 = str()
		c.Sex, ok2 = str()
		c.AgeGroup, ok3 = str()
		if !ok1 || !ok2 || !ok3 || len(b) == 0 {
			return errCells
		}
		c.Sensitive, b = b[0] == 1, b[1:]
		c.Den, ok4 = num()
		c.Num, ok5 = num()
		if !ok4 || !ok5 {
			return errCells
		}
		fn(&c)
	}
	return nil
}

// AddCells returns total with sign × each of delta added, cell by cell
// (matched on indicator, sex and age group); cells that come to zero are
// left out, and the result is in a stable order.
func AddCells(total []survey.FactCell, delta []survey.FactCell, sign int) []survey.FactCell {
	type key struct{ ind, sex, ag string }
	at := make(map[key]int, len(total)+len(delta))
	out := make([]survey.FactCell, 0, len(total)+len(delta))
	for _, c := range total {
		at[key{c.Indicator, c.Sex, c.AgeGroup}] = len(out)
		out = append(out, c)
	}
	for _, d := range delta {
		k := key{d.Indicator, d.Sex, d.AgeGroup}
		i, ok := at[k]
		if !ok {
			at[k], i = len(out), len(out)
			out = append(out, survey.FactCell{Indicator: d.Indicator, Sex: d.Sex, AgeGroup: d.AgeGroup, Sensitive: d.Sensitive})
		}
		out[i].Den += sign * d.Den
		out[i].Num += sign * d.Num
		out[i].Sensitive = out[i].Sensitive || d.Sensitive
	}
	kept := out[:0]
	for _, c := range out {
		if c.Den != 0 || c.Num != 0 {
			kept = append(kept, c)
		}
	}
	sort.Slice(kept, func(i, j int) bool {
		a, b := kept[i], kept[j]
		if a.Indicator != b.Indicator {
			return a.Indicator < b.Indicator
		}
		if a.Sex != b.Sex {
			return a.Sex < b.Sex
		}
		return a.AgeGroup < b.AgeGroup
	})
	return kept
}
