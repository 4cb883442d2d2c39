package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

// maxJSONBody caps the small JSON bodies: logins, accounts, comments.
const maxJSONBody = 64 << 10

// decodeJSON reads a JSON request body of at most limit bytes (413 past
// it), refuses text with invalid characters, and decodes it strictly
// into v (see strictJSON).
func decodeJSON(c *gin.Context, limit int64, v any) error {
	b, err := readJSON(c, limit)
	if err != nil {
		return err
	}
	if err := checkText(b); err != nil {
		return err
	}
	return strictJSON(b, v)
}

// readJSON reads a request body that must be JSON: sent with the media
// type application/json (or a +json type; parameters such as charset
// allowed). A page of another origin can send a text/plain or form body
// without asking the browser's leave (no CORS preflight); refusing those
// bodies (415) keeps such a page from logging in, or failing logins on
// purpose to lock an office's address, through a user's browser.
func readJSON(c *gin.Context, limit int64) ([]byte, error) {
	if c.Request.ContentLength != 0 && !jsonMediaType(c.GetHeader("Content-Type")) {
		return nil, survey.Errorf(survey.CodeUnsupportedType, msg.BodyNotJSONType)
	}
	return readBody(c, limit)
}

func jsonMediaType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")))
}

// strictJSON is the one strict JSON decoder: unknown fields, values of the
// wrong type and data after the value are refused (400), naming the field
// where there is one.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			e := malformed(msg.WrongTypeNamed, te.Field)
			e.(*survey.Error).Fields = []survey.FieldError{{Path: "/" + strings.ReplaceAll(te.Field, ".", "/"), Code: "type",
				Message: msg.Text(msg.WrongTypeShort)}}
			return e
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			e := malformed(msg.UnknownFieldNamed, name)
			e.(*survey.Error).Fields = []survey.FieldError{{Path: "/" + name, Code: "unknown_field",
				Message: msg.Text(msg.UnknownFieldShort)}}
			return e
		default:
			return malformed(msg.BodyNotJSON)
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return malformed(msg.BodyTrailingData)
	}
	return nil
}
