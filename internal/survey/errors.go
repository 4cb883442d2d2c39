// Package survey is khaosat's domain core: forms and their versions,
// submissions, actors and roles, administrative units, the scoping policy,
// errors, and the services of collecting that hold the rules. It imports no
// infrastructure; the stores it needs are interfaces implemented elsewhere
// (internal/sqlite, internal/mongo) and wired in internal/app. Services
// with nouns of their own live beside it and import it, never the other
// way round: the accounts (internal/account) turn a user into the Actor
// every service takes; the answer protection (internal/protect) seals
// what intake writes through the AnswerSealer intake is built with; the
// indicators (internal/indicator) derive the facts intake writes through
// the FactDeriver intake is built with.
package survey

import (
	"errors"
	"fmt"
	"time"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/schema"
)

// Code classifies an Error. The HTTP layer maps each code to one status.
type Code string

// The error codes. Keep the set small: clients branch on them.
const (
	CodeMalformed          Code = "malformed"              // the request cannot be parsed
	CodeInvalid            Code = "invalid"                // parsed, but breaks a rule
	CodeNotFound           Code = "not_found"              // no such thing (or not visible)
	CodeConflict           Code = "conflict"               // clashes with stored state
	CodeFormClosed         Code = "form_closed"            // the form takes no new submissions
	CodeDeleted            Code = "deleted"                // the submission id belongs to a deleted submission
	CodeLocked             Code = "locked"                 // approved: the collector may no longer edit it
	CodePreconditionNeeded Code = "if_match_required"      // an edit without If-Match
	CodeUnauthorized       Code = "unauthorized"           // no or bad credentials
	CodeForbidden          Code = "forbidden"              // credentials fine, not allowed
	CodePreconditionFailed Code = "precondition_failed"    // stale revision
	CodeTooLarge           Code = "too_large"              // body over the limit
	CodeUnsupportedType    Code = "unsupported_media_type" // a body not sent as JSON where JSON is read
	CodeTooManyRequests    Code = "too_many_requests"      // throttled
	CodeUnavailable        Code = "unavailable"            // a dependency is down
	CodeNoSpace            Code = "insufficient_storage"   // the disk is too full to take the write
	CodeInternal           Code = "internal"               // a bug or an unexpected failure
)

// Label is a text in Vietnamese and English.
type Label = schema.Label

// FieldError names one failing field of a request.
type FieldError struct {
	Path    string // JSON pointer into the request body
	Code    string
	Message Label
}

// Error is the one error type of the domain. Message is for people; the
// wrapped Err is for logs and never reaches a client.
type Error struct {
	Code    Code
	Key     msg.Key // Message's key in the catalogue (internal/msg)
	Message Label
	Fields  []FieldError
	Err     error
	// RetryAfter, when set, tells the client when to try again (429).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message.EN, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message.EN)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error with the catalogue's message key and its args.
func Errorf(code Code, key msg.Key, args ...any) *Error {
	return &Error{Code: code, Key: key, Message: msg.Text(key, args...)}
}

// Wrap marks err with code, keeping err for the logs only.
func Wrap(code Code, err error, key msg.Key, args ...any) *Error {
	return &Error{Code: code, Key: key, Message: msg.Text(key, args...), Err: err}
}

// ErrorCode returns the Code of err, CodeInternal when err is not an *Error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// Store-level sentinel errors. Store implementations wrap them so that the
// domain can tell "nothing there" and "already there" from failures.
var (
	ErrNotFound  = errors.New("not found")
	ErrDuplicate = errors.New("duplicate")
	// ErrUnavailable: the database cannot be reached or did not answer in
	// time. The HTTP layer answers 503 with Retry-After; the client
	// retries later.
	ErrUnavailable = errors.New("database unavailable")
	// ErrNoSpace: the disk under the database has less free space than
	// the reserve kept for it, or is full. The HTTP layer answers 507;
	// nothing was written.
	ErrNoSpace = errors.New("not enough free disk space")
)

func invalid(fields []FieldError) *Error {
	return &Error{
		Code:    CodeInvalid,
		Key:     msg.Invalid,
		Message: msg.Text(msg.Invalid),
		Fields:  fields,
	}
}

func notFound(what Label) *Error {
	return &Error{Code: CodeNotFound, Key: msg.NotFound, Message: msg.Text(msg.NotFound, what)}
}

// Forbidden is the error of an actor asking for what their role or units
// do not allow.
func Forbidden() *Error { return forbidden() }

// NotFound is the error of a record, named by what, that is not there.
func NotFound(what Label) *Error { return notFound(what) }

func fieldErr(path, code string, key msg.Key, args ...any) FieldError {
	return FieldError{Path: path, Code: code, Message: msg.Text(key, args...)}
}

// NewFieldError returns the error of one field (or query parameter, as
// "?name") that breaks a rule, with a code and the catalogue's message
// key and its args.
func NewFieldError(path, code string, key msg.Key, args ...any) FieldError {
	return fieldErr(path, code, key, args...)
}

func forbidden() *Error {
	return Errorf(CodeForbidden, msg.Forbidden)
}
