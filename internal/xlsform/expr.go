package xlsform

import (
	"encoding/json"
	"strings"
	"unicode"

	"github.com/khaosat/khaosat/internal/msg"
)

// This file parses the subset of XPath that XLSForm expressions may use in
// khaosat (forms/README.md, "XLSForm"):
//
//	expr       = and { "or" and }
//	and        = unary { "and" unary }
//	unary      = "not(" expr ")" | "(" expr ")" | "selected(" ref "," literal ")"
//	           | "regex(" "." "," string ")" | operand op literal
//	operand    = ref | "." | fn "(" ( ref | "." ) ")"
//	fn         = "count-selected" | "string-length" | "count"
//	op         = "=" | "!=" | "<" | "<=" | ">" | ">="
//	ref        = "${" name "}"
//	literal    = 'text' | "text" | number
//
// Everything else is refused with the place it starts.

// nodeKind is what an expression node is.
type nodeKind int

const (
	nodeOr nodeKind = iota
	nodeAnd
	nodeNot
	nodeCmp      // operand op literal
	nodeSelected // selected(${f}, literal)
	nodeRegex    // regex(., 'pattern')
)

// node is a parsed expression.
type node struct {
	kind  nodeKind
	kids  []*node // or, and, not
	paren bool    // written in parentheses: not split with its parent
	op    string  // cmp
	arg   operand // cmp, selected, regex
	lit   any     // cmp, selected, regex: a string or a json.Number
}

// operand is the left side of a comparison: a field, or ".", possibly
// through a function.
type operand struct {
	ref string // the field name of ${ref}; "" for "."
	fn  string // "", "count-selected", "string-length", "count"
}

func (o operand) String() string {
	s := "."
	if o.ref != "" {
		s = "${" + o.ref + "}"
	}
	if o.fn != "" {
		s = o.fn + "(" + s + ")"
	}
	return s
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokRef
	tokString
	tokNumber
	tokIdent
	tokOp
	tokLParen
	tokRParen
	tokComma
	tokDot
)

type token struct {
	kind tokKind
	text string
	pos  int // rune offset, for messages
}

// lex splits an expression into tokens.
func lex(s string) ([]token, error) {
	var out []token
	r := []rune(s)
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '$' && i+1 < len(r) && r[i+1] == '{':
			j := i + 2
			for j < len(r) && r[j] != '}' {
				j++
			}
			if j == len(r) {
				return nil, exprErr(i, msg.XLSFormRefNotClosed)
			}
			out = append(out, token{tokRef, strings.TrimSpace(string(r[i+2 : j])), i})
			i = j + 1
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(r) && r[j] != c {
				j++
			}
			if j == len(r) {
				return nil, exprErr(i, msg.XLSFormQuotedTextNotClosed)
			}
			out = append(out, token{tokString, string(r[i+1 : j]), i})
			i = j + 1
		case c >= '0' && c <= '9' || c == '-' && i+1 < len(r) && r[i+1] >= '0' && r[i+1] <= '9' && lastIsOp(out):
			j := i + 1
			for j < len(r) && (r[j] >= '0' && r[j] <= '9' || r[j] == '.') {
				j++
			}
			text := string(r[i:j])
			if !json.Valid([]byte(text)) {
				return nil, exprErr(i, msg.XLSFormBadNumber, text)
			}
			out = append(out, token{tokNumber, text, i})
			i = j
		case c == '.':
			out = append(out, token{tokDot, ".", i})
			i++
		case c == '(':
			out = append(out, token{tokLParen, "(", i})
			i++
		case c == ')':
			out = append(out, token{tokRParen, ")", i})
			i++
		case c == ',':
			out = append(out, token{tokComma, ",", i})
			i++
		case c == '=' || c == '<' || c == '>' || c == '!':
			j := i + 1
			if j < len(r) && r[j] == '=' {
				j++
			}
			op := string(r[i:j])
			if op == "!" {
				return nil, exprErr(i, msg.XLSFormLoneBang)
			}
			out = append(out, token{tokOp, op, i})
			i = j
		case unicode.IsLetter(c):
			j := i + 1
			for j < len(r) && (unicode.IsLetter(r[j]) || unicode.IsDigit(r[j]) || r[j] == '-' || r[j] == '_' || r[j] == ':') {
				j++
			}
			out = append(out, token{tokIdent, string(r[i:j]), i})
			i = j
		default:
			return nil, exprErr(i, msg.XLSFormCharNotSupported, c)
		}
	}
	return append(out, token{tokEOF, "", len(r)}), nil
}

func lastIsOp(toks []token) bool {
	return len(toks) == 0 || toks[len(toks)-1].kind == tokOp || toks[len(toks)-1].kind == tokComma || toks[len(toks)-1].kind == tokLParen
}

// exprError is a problem in an expression, at a rune offset.
type exprError struct {
	pos int
	msg msg.Label
}

func (e *exprError) Error() string { return e.msg.EN }

func exprErr(pos int, key msg.Key, args ...any) *exprError {
	return &exprError{pos: pos, msg: msg.Text(key, args...)}
}

type parser struct {
	toks []token
	i    int
}

// parse parses a whole expression.
func parse(s string) (*node, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, exprErr(t.pos, msg.XLSFormUnexpectedEnd, t.text)
	}
	return n, nil
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *parser) keyword(word string) bool {
	t := p.peek()
	return t.kind == tokIdent && t.text == word
}

func (p *parser) expect(k tokKind, what string) error {
	if t := p.next(); t.kind != k {
		return exprErr(t.pos, msg.XLSFormExpectedFound, what, t.text)
	}
	return nil
}

func (p *parser) or() (*node, error) {
	return p.chain("or", nodeOr, p.and)
}

func (p *parser) and() (*node, error) {
	return p.chain("and", nodeAnd, p.unary)
}

func (p *parser) chain(word string, kind nodeKind, sub func() (*node, error)) (*node, error) {
	first, err := sub()
	if err != nil {
		return nil, err
	}
	kids := []*node{first}
	for p.keyword(word) {
		p.next()
		n, err := sub()
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &node{kind: kind, kids: kids}, nil
}

func (p *parser) unary() (*node, error) {
	t := p.peek()
	switch {
	case t.kind == tokLParen:
		p.next()
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tokRParen, "«)»"); err != nil {
			return nil, err
		}
		n.paren = true
		return n, nil
	case t.kind == tokIdent && t.text == "not":
		p.next()
		if err := p.expect(tokLParen, "«(» sau not"); err != nil {
			return nil, err
		}
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tokRParen, "«)»"); err != nil {
			return nil, err
		}
		return &node{kind: nodeNot, kids: []*node{n}}, nil
	case t.kind == tokIdent && (t.text == "selected" || t.text == "regex"):
		p.next()
		if err := p.expect(tokLParen, "«(»"); err != nil {
			return nil, err
		}
		arg, err := p.operandArg()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tokComma, "«,»"); err != nil {
			return nil, err
		}
		lit, err := p.literal()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tokRParen, "«)»"); err != nil {
			return nil, err
		}
		kind := nodeSelected
		if t.text == "regex" {
			kind = nodeRegex
		}
		return &node{kind: kind, arg: arg, lit: lit}, nil
	}
	arg, err := p.operand()
	if err != nil {
		return nil, err
	}
	op := p.next()
	if op.kind != tokOp {
		return nil, exprErr(op.pos, msg.XLSFormExpectedComparisonAfter, arg)
	}
	lit, err := p.literal()
	if err != nil {
		return nil, err
	}
	return &node{kind: nodeCmp, op: op.text, arg: arg, lit: lit}, nil
}

// operand reads ${f}, "." or fn(${f} | .).
func (p *parser) operand() (operand, error) {
	t := p.peek()
	if t.kind == tokIdent {
		switch t.text {
		case "count-selected", "string-length", "count":
			p.next()
			if err := p.expect(tokLParen, "«(»"); err != nil {
				return operand{}, err
			}
			o, err := p.operandArg()
			if err != nil {
				return operand{}, err
			}
			if err := p.expect(tokRParen, "«)»"); err != nil {
				return operand{}, err
			}
			o.fn = t.text
			return o, nil
		}
		return operand{}, exprErr(t.pos, msg.XLSFormFunctionWordNotSupported, t.text)
	}
	return p.operandArg()
}

// operandArg reads ${f} or ".".
func (p *parser) operandArg() (operand, error) {
	t := p.next()
	switch t.kind {
	case tokRef:
		return operand{ref: t.text}, nil
	case tokDot:
		return operand{}, nil
	}
	return operand{}, exprErr(t.pos, msg.XLSFormExpectedNameFound, t.text)
}

// literal reads a quoted text or a number.
func (p *parser) literal() (any, error) {
	t := p.next()
	switch t.kind {
	case tokString:
		return t.text, nil
	case tokNumber:
		return json.Number(t.text), nil
	}
	return nil, exprErr(t.pos, msg.XLSFormExpectedValueCodeNumberFound, t.text)
}
