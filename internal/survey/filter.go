package survey

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/schema"
)

// AnswerCond is one condition on an answer, checked against the form and
// typed as the answer is stored. It is data for the store to translate;
// nothing of the client's text reaches the database as syntax.
type AnswerCond struct {
	// Repeat is the storage path (dotted, from data) of the repeat whose
	// items the condition is about, "" for an answer outside repeats.
	// Conditions on the same repeat must hold for the same item.
	Repeat string
	// Path is the dotted path of the answer, inside the repeat's item
	// when Repeat is set, from data otherwise.
	Path  string
	Op    string // eq, ne, gt, gte, lt, lte
	Value any    // string, int64, float64, bool or time.Time
}

// MaxAnswerConds is the most conditions one q may hold.
const MaxAnswerConds = 10

var (
	filterNameRE = regexp.MustCompile(`^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$`)
	filterOps    = []struct{ text, op string }{{">=", "gte"}, {"<=", "lte"}, {"!=", "ne"}, {">", "gt"}, {"<", "lt"}, {":", "eq"}}
)

func filterErr(code string, key msg.Key, args ...any) *Error {
	e := Errorf(CodeMalformed, msg.FilterInvalid, msg.Text(key, args...))
	e.Fields = []FieldError{fieldErr("?q", code, key, args...)}
	return e
}

// answerFilter parses q ("children.sex:female,members_total>=4") against
// the current version of form formID.
func (s *Intake) answerFilter(ctx context.Context, formID, q string) ([]AnswerCond, error) {
	_, v, err := s.catalog.Current(ctx, formID)
	if err != nil {
		return nil, err
	}
	sf, err := s.catalog.Compiled(ctx, formID, v.Version)
	if err != nil {
		return nil, err
	}
	terms := strings.Split(q, ",")
	if len(terms) > MaxAnswerConds {
		return nil, filterErr("too_many", msg.FilterTooMany)
	}
	out := make([]AnswerCond, 0, len(terms))
	for _, term := range terms {
		c, err := parseAnswerCond(sf, strings.TrimSpace(term))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func parseAnswerCond(sf *schema.Form, term string) (AnswerCond, error) {
	at := strings.IndexAny(term, ":<>!")
	if at <= 0 {
		return AnswerCond{}, filterErr("format", msg.FilterFormat, term)
	}
	name, rest := term[:at], term[at:]
	var c AnswerCond
	for _, o := range filterOps {
		if v, ok := strings.CutPrefix(rest, o.text); ok {
			c.Op, rest = o.op, v
			break
		}
	}
	if c.Op == "" || !filterNameRE.MatchString(name) {
		return c, filterErr("format", msg.FilterUnreadable, term)
	}
	tokens := strings.Split(name, ".")
	var f *schema.Field
	fields := sf.Fields
	var prefix []string
	for i, tok := range tokens {
		f = nil
		for _, x := range fields {
			if x.Name == tok {
				f = x
			}
		}
		if f == nil {
			return c, filterErr("unknown_field", msg.FilterUnknownField, name)
		}
		if f.Kind == schema.KindRepeat && i < len(tokens)-1 {
			if c.Repeat != "" {
				return c, filterErr("not_filterable", msg.FilterRepeatDepth, name)
			}
			c.Repeat, prefix = strings.Join(append(prefix, tok), "."), nil
		} else {
			prefix = append(prefix, tok)
		}
		fields = f.Fields
	}
	c.Path = strings.Join(prefix, ".")
	if f.Sensitive {
		// The answer is withheld from most readers and may be encrypted at
		// rest: filtering on it would reveal it.
		return c, filterErr("sensitive", msg.FilterSensitive, name)
	}
	v, err := filterValue(f, name, c.Op, rest)
	c.Value = v
	return c, err
}

func filterValue(f *schema.Field, name, op, raw string) (any, error) {
	typeErr := func(key msg.Key) error {
		return filterErr("type", msg.FilterTyped, name, msg.Text(key))
	}
	ordered := op != "eq" && op != "ne"
	switch f.Kind {
	case schema.KindInteger:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return nil, typeErr(msg.FilterNeedsInteger)
		}
		return n, nil
	case schema.KindNumber:
		x, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return nil, typeErr(msg.FilterNeedsNumber)
		}
		return x, nil
	case schema.KindDate:
		d, err := time.Parse(time.DateOnly, raw)
		if err != nil {
			return nil, typeErr(msg.FilterNeedsDate)
		}
		return d, nil
	}
	if ordered {
		return nil, filterErr("operator", msg.FilterEqualityOnly, name)
	}
	switch f.Kind {
	case schema.KindBoolean:
		b, err := strconv.ParseBool(raw)
		if err != nil || (raw != "true" && raw != "false") {
			return nil, typeErr(msg.FilterNeedsBool)
		}
		return b, nil
	case schema.KindChoice, schema.KindMultiChoice:
		for _, ch := range f.Choices {
			if code, ok := ch.Code.(int64); ok && strconv.FormatInt(code, 10) == raw {
				return code, nil
			}
			if code, ok := ch.Code.(string); ok && code == raw {
				return code, nil
			}
		}
		return nil, filterErr("enum", msg.FilterNotChoice, raw, name)
	case schema.KindString, schema.KindDateTime:
		return schema.CleanText(raw), nil
	}
	return nil, filterErr("not_filterable", msg.FilterGroup, name)
}
