package sqlite

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// read reads a stored submission document into d, field by field, from
// the tokens of encoding/json/v2's decoder (jsontext): the fields every
// row repeats (form, unit, collector, states) are kept once per scan in
// the answers' key table, and the answers are read by the answerReader.
// encoding/json/v2's Unmarshal into submissionDoc did the same through
// reflection in 1.2 times the CPU time (BenchmarkDecodeSubmission); the
// export scan may not get slower than it was with BSON.
func (dd *docDecoder) read(raw []byte, d *submissionDoc) error {
	dd.buf = *bytes.NewBuffer(raw) // read in place: the decoder takes a bytes.Buffer's bytes as they are
	if dd.dec == nil {
		dd.dec = jsontext.NewDecoder(&dd.buf, noDuplicateCheck)
	} else {
		dd.dec.Reset(&dd.buf, noDuplicateCheck)
	}
	dec, r := dd.dec, &dd.answers
	return r.fields(dec, func(name []byte) (err error) {
		switch string(name) {
		case "id":
			d.ID, err = r.str(dec, false)
		case "form":
			d.Form, err = r.str(dec, true)
		case "form_version":
			d.FormVersion, err = readInt(dec)
		case "unit":
			d.Unit, err = r.str(dec, true)
		case "survey_date":
			err = d.SurveyDate.UnmarshalJSONFrom(dec)
		case "started_at":
			d.StartedAt, err = readStampPtr(dec)
		case "ended_at":
			d.EndedAt, err = readStampPtr(dec)
		case "device_id":
			d.DeviceID, err = r.str(dec, true)
		case "location":
			d.Location, err = r.location(dec)
		case "data":
			d.Data, err = r.readObject(dec)
		case "times":
			d.Times, err = r.strs(dec)
		case "collector":
			d.Collector, err = r.str(dec, true)
		case "collector_name":
			d.CollectorName, err = r.str(dec, true)
		case "received_at":
			err = d.ReceivedAt.UnmarshalJSONFrom(dec)
		case "updated_at":
			err = d.UpdatedAt.UnmarshalJSONFrom(dec)
		case "updated_by":
			d.UpdatedBy, err = r.str(dec, true)
		case "revision":
			d.Revision, err = readInt(dec)
		case "review_state":
			d.ReviewState, err = r.str(dec, true)
		case "content_hash":
			d.ContentHash, err = r.str(dec, false)
		case "sealed":
			d.Sealed, err = r.sealed(dec)
		case "last_review":
			d.LastReview, err = r.reviewNote(dec)
		case "deleted_at":
			d.DeletedAt, err = readStampPtr(dec)
		case "deleted_by":
			d.DeletedBy, err = r.str(dec, true)
		default:
			err = dec.SkipValue()
		}
		return err
	})
}

// noDuplicateCheck: the documents are written by encoding/json from Go
// maps and structs, where no name repeats; checking took a twentieth of
// the time.
var noDuplicateCheck = jsontext.AllowDuplicateNames(true)

var errDocJSON = errors.New("stored document: malformed JSON")

// fields calls fn with the name of each member of the object that comes
// next; fn reads the value. A null is an object without members.
func (r *answerReader) fields(dec *jsontext.Decoder, fn func(name []byte) error) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case 'n':
		return nil
	case '{':
	default:
		return errDocJSON
	}
	for dec.PeekKind() != '}' {
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		name, err := r.unquote(v)
		if err != nil {
			return err
		}
		if err := fn(name); err != nil {
			return err
		}
	}
	_, err = dec.ReadToken() // }
	return err
}

// str reads a text; shared: kept once in the key table (a text that
// repeats from row to row).
func (r *answerReader) str(dec *jsontext.Decoder, shared bool) (string, error) {
	v, err := dec.ReadValue()
	if err != nil {
		return "", err
	}
	switch v.Kind() {
	case 'n':
		return "", nil
	case '"':
	default:
		return "", errDocJSON
	}
	if shared {
		return r.key(v)
	}
	b, err := r.unquote(v)
	return string(b), err
}

func (r *answerReader) strs(dec *jsontext.Decoder) ([]string, error) {
	if dec.PeekKind() == 'n' {
		_, err := dec.ReadToken()
		return nil, err
	}
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '[' {
		return nil, errors.Join(errDocJSON, err)
	}
	var out []string
	for dec.PeekKind() != ']' {
		s, err := r.str(dec, false)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	_, err := dec.ReadToken() // ]
	return out, err
}

func readInt(dec *jsontext.Decoder) (int, error) {
	v, err := dec.ReadValue()
	if err != nil {
		return 0, err
	}
	if v.Kind() == 'n' {
		return 0, nil
	}
	return strconv.Atoi(string(v))
}

func readFloat(dec *jsontext.Decoder) (float64, error) {
	v, err := dec.ReadValue()
	if err != nil {
		return 0, err
	}
	if v.Kind() != '0' {
		return 0, errDocJSON
	}
	return strconv.ParseFloat(string(v), 64)
}

func readStampPtr(dec *jsontext.Decoder) (*stamp, error) {
	if dec.PeekKind() == 'n' {
		_, err := dec.ReadToken()
		return nil, err
	}
	t := new(stamp)
	return t, t.UnmarshalJSONFrom(dec)
}

func (r *answerReader) location(dec *jsontext.Decoder) (*locationDoc, error) {
	if dec.PeekKind() == 'n' {
		_, err := dec.ReadToken()
		return nil, err
	}
	l := &locationDoc{}
	err := r.fields(dec, func(name []byte) (err error) {
		switch string(name) {
		case "lat":
			l.Lat, err = readFloat(dec)
		case "lon":
			l.Lon, err = readFloat(dec)
		case "accuracy":
			if dec.PeekKind() == 'n' {
				_, err = dec.ReadToken()
				return err
			}
			var a float64
			a, err = readFloat(dec)
			l.Accuracy = &a
		default:
			err = dec.SkipValue()
		}
		return err
	})
	return l, err
}

func (r *answerReader) sealed(dec *jsontext.Decoder) (*sealedDoc, error) {
	if dec.PeekKind() == 'n' {
		_, err := dec.ReadToken()
		return nil, err
	}
	s := &sealedDoc{}
	err := r.fields(dec, func(name []byte) (err error) {
		switch string(name) {
		case "key":
			s.Key, err = r.str(dec, true)
		case "box":
			var v jsontext.Value
			if v, err = dec.ReadValue(); err != nil {
				return err
			}
			if v.Kind() != '"' {
				return fmt.Errorf("%w: sealed.box is not text", errDocJSON)
			}
			b := v[1 : len(v)-1]
			s.Box = make([]byte, base64.StdEncoding.DecodedLen(len(b)))
			n, err := base64.StdEncoding.Decode(s.Box, b)
			s.Box = s.Box[:n]
			return err
		default:
			err = dec.SkipValue()
		}
		return err
	})
	return s, err
}

func (r *answerReader) reviewNote(dec *jsontext.Decoder) (*reviewNoteDoc, error) {
	if dec.PeekKind() == 'n' {
		_, err := dec.ReadToken()
		return nil, err
	}
	n := &reviewNoteDoc{}
	err := r.fields(dec, func(name []byte) (err error) {
		switch string(name) {
		case "state":
			n.State, err = r.str(dec, true)
		case "comment":
			n.Comment, err = r.str(dec, false)
		case "at":
			err = n.At.UnmarshalJSONFrom(dec)
		case "by":
			n.By, err = r.str(dec, true)
		case "by_name":
			n.ByName, err = r.str(dec, true)
		default:
			err = dec.SkipValue()
		}
		return err
	})
	return n, err
}

// parseStamp reads the text of a stored time (RFC 3339).
func parseStamp(b []byte) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, string(b))
}
