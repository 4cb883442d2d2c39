package sqlite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/khaosat/khaosat/internal/bsonplain"
	"github.com/khaosat/khaosat/internal/survey"
)

// A submission document is decoded by walking its BSON bytes once,
// straight into the plain values the domain works with (map[string]any,
// []any, time.Time in UTC, int64, float64, string, bool, nil). Decoding
// with bson.Unmarshal into a tagged struct went through reflection and an
// intermediate bson.D tree that bsonplain.Value then copied: on an export scan
// that was most of the time and most of the garbage. The struct codec in
// doc.go stays the one way submissions are encoded, and the tests check
// that both decoders agree.

// BSON element types the walker reads itself; any other type is handed to
// the driver (see element.raw).
const (
	bsonDouble   = 0x01
	bsonString   = 0x02
	bsonDocument = 0x03
	bsonArray    = 0x04
	bsonBinary   = 0x05
	bsonBool     = 0x08
	bsonDateTime = 0x09
	bsonNull     = 0x0A
	bsonInt32    = 0x10
	bsonInt64    = 0x12
)

var errBSON = errors.New("malformed BSON document")

// docDecoder decodes submission documents. Its key table makes the map
// keys of one scan share their strings (a form has a few dozen field
// names, a scan has them in every row); a zero docDecoder works without.
//
// Short texts are kept the same way, boxed: choice codes repeat in every
// row, and a scan that allocated each of them twice (the text and its
// interface) spent a fifth of its decoding there. A boxed text is never
// changed, only replaced, so rows may share it.
type docDecoder struct {
	keys  map[string]string
	texts map[string]any
}

// Texts up to internTextLen bytes are kept, at most internMax of them
// (texts that never repeat, such as names, stop being kept once the
// table is full: memory stays bounded whatever the scan's size).
const (
	internTextLen = 32
	internMax     = 4096
)

func newDocDecoder() *docDecoder {
	return &docDecoder{keys: make(map[string]string, 64), texts: make(map[string]any, 256)}
}

// text decodes a string value, boxed.
func (d *docDecoder) text(val []byte) (any, error) {
	if len(val) < 5 || val[len(val)-1] != 0 {
		return nil, errBSON
	}
	b := val[4 : len(val)-1]
	if d.texts == nil || len(b) > internTextLen {
		return string(b), nil
	}
	if v, ok := d.texts[string(b)]; ok { // no allocation for the lookup
		return v, nil
	}
	s := string(b)
	var v any = s
	if len(d.texts) < internMax {
		d.texts[s] = v
	}
	return v, nil
}

func (d *docDecoder) key(b []byte) string {
	if d.keys == nil {
		return string(b)
	}
	if s, ok := d.keys[string(b)]; ok { // no allocation for the lookup
		return s
	}
	if len(d.keys) >= 4096 { // keys that never repeat (free-form maps): stop keeping them
		return string(b)
	}
	s := string(b)
	d.keys[s] = s
	return s
}

// element is one element of a BSON document: its type, key and value bytes.
type element struct {
	typ byte
	key []byte
	val []byte
}

// elements iterates over the elements of the BSON document doc.
type elements struct {
	rest []byte
	err  error
}

func newElements(doc []byte) elements {
	if len(doc) < 5 {
		return elements{err: errBSON}
	}
	n := int(binary.LittleEndian.Uint32(doc))
	if n < 5 || n > len(doc) || doc[n-1] != 0 {
		return elements{err: errBSON}
	}
	return elements{rest: doc[4 : n-1]}
}

// next returns the next element; false at the end or on an error (see err).
func (it *elements) next() (element, bool) {
	if it.err != nil || len(it.rest) == 0 {
		return element{}, false
	}
	b := it.rest
	typ := b[0]
	end := 1
	for end < len(b) && b[end] != 0 {
		end++
	}
	if end == len(b) {
		it.err = errBSON
		return element{}, false
	}
	key := b[1:end]
	b = b[end+1:]
	size, err := valueSize(typ, b)
	if err != nil {
		it.err = err
		return element{}, false
	}
	it.rest = b[size:]
	return element{typ: typ, key: key, val: b[:size]}, true
}

// valueSize returns the length in bytes of the value of type typ at the
// start of b.
func valueSize(typ byte, b []byte) (int, error) {
	fixed := func(n int) (int, error) {
		if len(b) < n {
			return 0, errBSON
		}
		return n, nil
	}
	prefixed := func(extra int) (int, error) { // an int32 length, then that many bytes (+extra)
		if len(b) < 4 {
			return 0, errBSON
		}
		n := int(int32(binary.LittleEndian.Uint32(b)))
		if n < 0 || 4+n+extra > len(b) || 4+n+extra < 0 {
			return 0, errBSON
		}
		return 4 + n + extra, nil
	}
	switch typ {
	case bsonDouble, bsonDateTime, bsonInt64, 0x11 /* timestamp */ :
		return fixed(8)
	case bsonString, 0x0D /* JavaScript */, 0x0E /* symbol */ :
		return prefixed(0)
	case bsonDocument, bsonArray, 0x0F /* code with scope */ :
		if len(b) < 4 {
			return 0, errBSON
		}
		n := int(int32(binary.LittleEndian.Uint32(b)))
		if n < 5 || n > len(b) {
			return 0, errBSON
		}
		return n, nil
	case bsonBinary:
		return prefixed(1) // the subtype byte
	case 0x06 /* undefined */, bsonNull, 0x7F /* max key */, 0xFF /* min key */ :
		return 0, nil
	case 0x07: // ObjectID
		return fixed(12)
	case bsonBool:
		return fixed(1)
	case 0x0B: // regex: two C strings
		i := 0
		for k := 0; k < 2; k++ {
			for i < len(b) && b[i] != 0 {
				i++
			}
			if i == len(b) {
				return 0, errBSON
			}
			i++
		}
		return i, nil
	case 0x0C: // DBPointer: a string, then an ObjectID
		n, err := prefixed(12)
		return n, err
	case bsonInt32:
		return fixed(4)
	case 0x13: // decimal128
		return fixed(16)
	}
	return 0, fmt.Errorf("%w: unknown element type %#x", errBSON, typ)
}

func str(val []byte) (string, error) {
	if len(val) < 5 || val[len(val)-1] != 0 {
		return "", errBSON
	}
	return string(val[4 : len(val)-1]), nil
}

func datetime(val []byte) time.Time {
	return time.UnixMilli(int64(binary.LittleEndian.Uint64(val))).UTC()
}

// integer reads an int32, an int64 or an integral double (how a Go int
// may have been written).
func (e element) integer() (int, error) {
	switch e.typ {
	case bsonInt32:
		return int(int32(binary.LittleEndian.Uint32(e.val))), nil
	case bsonInt64:
		return int(int64(binary.LittleEndian.Uint64(e.val))), nil
	case bsonDouble:
		f := math.Float64frombits(binary.LittleEndian.Uint64(e.val))
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int(f), nil
		}
	case bsonNull:
		return 0, nil
	}
	return 0, fmt.Errorf("%w: %s is not an integer", errBSON, e.key)
}

func (e element) text() (string, error) {
	switch e.typ {
	case bsonString:
		return str(e.val)
	case bsonNull:
		return "", nil
	}
	return "", fmt.Errorf("%w: %s is not a string", errBSON, e.key)
}

func (e element) time() (time.Time, error) {
	switch e.typ {
	case bsonDateTime:
		return datetime(e.val), nil
	case bsonNull:
		return time.Time{}, nil
	}
	return time.Time{}, fmt.Errorf("%w: %s is not a date", errBSON, e.key)
}

func (e element) timePtr() (*time.Time, error) {
	if e.typ == bsonNull {
		return nil, nil
	}
	t, err := e.time()
	return &t, err
}

func (e element) double() (float64, error) {
	switch e.typ {
	case bsonDouble:
		return math.Float64frombits(binary.LittleEndian.Uint64(e.val)), nil
	case bsonInt32:
		return float64(int32(binary.LittleEndian.Uint32(e.val))), nil
	case bsonInt64:
		return float64(int64(binary.LittleEndian.Uint64(e.val))), nil
	}
	return 0, fmt.Errorf("%w: %s is not a number", errBSON, e.key)
}

// submission decodes a stored submission document.
func (d *docDecoder) submission(raw []byte) (*survey.Submission, error) {
	s := &survey.Submission{}
	it := newElements(raw)
	var err error
	for e, ok := it.next(); ok && err == nil; e, ok = it.next() {
		switch string(e.key) {
		case "id":
			s.ID, err = e.text()
		case "form":
			s.FormID, err = e.text()
		case "form_version":
			s.FormVersion, err = e.integer()
		case "unit":
			s.Unit, err = e.text()
		case "survey_date":
			s.SurveyDate, err = e.time()
		case "started_at":
			s.StartedAt, err = e.timePtr()
		case "ended_at":
			s.EndedAt, err = e.timePtr()
		case "device_id":
			s.DeviceID, err = e.text()
		case "location":
			s.Location, err = e.location()
		case "data":
			switch e.typ {
			case bsonDocument:
				s.Data, err = d.object(e.val)
			case bsonNull:
			default:
				err = fmt.Errorf("%w: data is not a document", errBSON)
			}
		case "collector":
			s.Collector, err = e.text()
		case "collector_name":
			s.CollectorName, err = e.text()
		case "received_at":
			s.ReceivedAt, err = e.time()
		case "updated_at":
			s.UpdatedAt, err = e.time()
		case "updated_by":
			s.UpdatedBy, err = e.text()
		case "revision":
			s.Revision, err = e.integer()
		case "review_state":
			s.ReviewState, err = e.text()
		case "content_hash":
			s.ContentHash, err = e.text()
		case "sealed":
			s.Sealed, err = e.sealed()
		case "last_review":
			s.LastReview, err = e.reviewNote()
		case "deleted_at":
			s.DeletedAt, err = e.timePtr()
		case "deleted_by":
			s.DeletedBy, err = e.text()
		}
	}
	if err == nil {
		err = it.err
	}
	if err != nil {
		return nil, fmt.Errorf("decode submission: %w", err)
	}
	if s.Data == nil {
		s.Data = map[string]any{}
	}
	return s, nil
}

// fields calls fn with each element of the embedded document e. It
// reports whether there was a document: a null is none.
func (e element) fields(fn func(f element) error) (bool, error) {
	switch e.typ {
	case bsonNull:
		return false, nil
	case bsonDocument:
	default:
		return false, fmt.Errorf("%w: %s is not a document", errBSON, e.key)
	}
	it := newElements(e.val)
	for f, ok := it.next(); ok; f, ok = it.next() {
		if err := fn(f); err != nil {
			return false, err
		}
	}
	return it.err == nil, it.err
}

func (e element) location() (*survey.Location, error) {
	l := &survey.Location{}
	ok, err := e.fields(func(f element) (err error) {
		switch string(f.key) {
		case "lat":
			l.Lat, err = f.double()
		case "lon":
			l.Lon, err = f.double()
		case "accuracy":
			if f.typ != bsonNull {
				var a float64
				a, err = f.double()
				l.Accuracy = &a
			}
		}
		return err
	})
	if !ok {
		return nil, err
	}
	return l, nil
}

func (e element) sealed() (*survey.SealedAnswers, error) {
	s := &survey.SealedAnswers{}
	ok, err := e.fields(func(f element) (err error) {
		switch string(f.key) {
		case "key":
			s.KeyID, err = f.text()
		case "box":
			if f.typ != bsonBinary {
				return fmt.Errorf("%w: sealed.box is not binary", errBSON)
			}
			s.Box = binaryOf(f.val)
		}
		return err
	})
	if !ok {
		return nil, err
	}
	return s, nil
}

func (e element) reviewNote() (*survey.ReviewNote, error) {
	n := &survey.ReviewNote{}
	ok, err := e.fields(func(f element) (err error) {
		switch string(f.key) {
		case "state":
			n.State, err = f.text()
		case "comment":
			n.Comment, err = f.text()
		case "at":
			n.At, err = f.time()
		case "by":
			n.By, err = f.text()
		case "by_name":
			n.ByName, err = f.text()
		}
		return err
	})
	if !ok {
		return nil, err
	}
	return n, nil
}

// binaryOf copies the bytes of a binary value (the row buffer they are
// read from is reused).
func binaryOf(val []byte) []byte {
	b := val[5:]                       // length, subtype
	if val[4] == 0x02 && len(b) >= 4 { // the old binary subtype repeats the length
		b = b[4:]
	}
	return append([]byte{}, b...)
}

// object decodes an embedded document into a map.
func (d *docDecoder) object(doc []byte) (map[string]any, error) {
	// Sized to its elements: most answer objects (a repeat's items) have
	// a few, and a map of up to 8 is one small allocation where a larger
	// size hint costs a whole table.
	it := newElements(doc)
	n := 0
	for _, ok := it.next(); ok; _, ok = it.next() {
		n++
	}
	if it.err != nil {
		return nil, it.err
	}
	m := make(map[string]any, n)
	it = newElements(doc)
	for e, ok := it.next(); ok; e, ok = it.next() {
		v, err := d.value(e)
		if err != nil {
			return nil, err
		}
		m[d.key(e.key)] = v
	}
	return m, it.err
}

func (d *docDecoder) array(doc []byte) ([]any, error) {
	out := make([]any, 0, 4)
	it := newElements(doc)
	for e, ok := it.next(); ok; e, ok = it.next() {
		v, err := d.value(e)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, it.err
}

// value decodes one answer value the way bsonplain.Value(bson.Unmarshal(...)) did.
func (d *docDecoder) value(e element) (any, error) {
	switch e.typ {
	case bsonString:
		return d.text(e.val)
	case bsonInt64:
		return int64(binary.LittleEndian.Uint64(e.val)), nil
	case bsonInt32:
		return int64(int32(binary.LittleEndian.Uint32(e.val))), nil
	case bsonDouble:
		return math.Float64frombits(binary.LittleEndian.Uint64(e.val)), nil
	case bsonBool:
		return e.val[0] != 0, nil
	case bsonNull:
		return nil, nil
	case bsonDateTime:
		return datetime(e.val), nil
	case bsonDocument:
		return d.object(e.val)
	case bsonArray:
		return d.array(e.val)
	}
	return e.raw()
}

// rawValue decodes a value of a type answers never have (binary, object
// ids, decimals, …) as the driver does, so that nothing read is lost.
func (e element) raw() (any, error) {
	var v any
	// Copy: the driver may keep slices of the bytes, which the row buffer reuses.
	rv := bson.RawValue{Type: bson.Type(e.typ), Value: append([]byte{}, e.val...)}
	if err := rv.Unmarshal(&v); err != nil {
		return nil, err
	}
	return bsonplain.Value(v), nil
}
