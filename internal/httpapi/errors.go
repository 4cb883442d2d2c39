package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

var statusOf = map[survey.Code]int{
	survey.CodeMalformed:          http.StatusBadRequest,
	survey.CodeInvalid:            http.StatusUnprocessableEntity,
	survey.CodeNotFound:           http.StatusNotFound,
	survey.CodeConflict:           http.StatusConflict,
	survey.CodeFormClosed:         http.StatusConflict,
	survey.CodeDeleted:            http.StatusConflict,
	survey.CodeLocked:             http.StatusConflict,
	survey.CodePreconditionNeeded: http.StatusPreconditionRequired,
	survey.CodeUnauthorized:       http.StatusUnauthorized,
	survey.CodeForbidden:          http.StatusForbidden,
	survey.CodePreconditionFailed: http.StatusPreconditionFailed,
	survey.CodeTooLarge:           http.StatusRequestEntityTooLarge,
	survey.CodeUnsupportedType:    http.StatusUnsupportedMediaType,
	survey.CodeTooManyRequests:    http.StatusTooManyRequests,
	survey.CodeUnavailable:        http.StatusServiceUnavailable,
	survey.CodeNoSpace:            http.StatusInsufficientStorage,
	survey.CodeInternal:           http.StatusInternalServerError,
}

type messagesJSON struct {
	VI string `json:"vi"`
	EN string `json:"en"`
}

type fieldErrorJSON struct {
	Path     string       `json:"path"`
	Code     string       `json:"code"`
	Message  string       `json:"message"`
	Messages messagesJSON `json:"messages"`
}

type errorJSON struct {
	Code      string           `json:"code"`
	Message   string           `json:"message"`
	Messages  messagesJSON     `json:"messages"`
	Fields    []fieldErrorJSON `json:"fields,omitempty"`
	RequestID string           `json:"request_id,omitempty"`
}

// lang picks the language of "message" from Accept-Language; Vietnamese
// unless the caller prefers English. "messages" always carries both.
func lang(c *gin.Context) string {
	al := strings.ToLower(strings.TrimSpace(c.GetHeader("Accept-Language")))
	if strings.HasPrefix(al, "en") {
		return "en"
	}
	return "vi"
}

func pick(l survey.Label, lng string) string {
	if lng == "en" {
		return l.EN
	}
	return l.VI
}

var internalError = survey.Errorf(survey.CodeInternal, msg.ServerError)

// unavailable answers while the database cannot be reached: 503 with
// Retry-After, so clients retry instead of reporting a failure.
var unavailable = &survey.Error{Code: survey.CodeUnavailable,
	Key:        msg.DatabaseUnavailable,
	Message:    msg.Text(msg.DatabaseUnavailable),
	RetryAfter: 5 * time.Second}

// noSpace answers a write refused because the disk under the database
// is nearly full: 507, nothing written. The client keeps its data and
// tries again later; the operator frees space.
var noSpace = &survey.Error{Code: survey.CodeNoSpace,
	Key:        msg.DiskNearlyFull,
	Message:    msg.Text(msg.DiskNearlyFull),
	RetryAfter: 5 * time.Minute}

// h adapts a handler that returns an error to Gin. Handlers write their
// own successful responses; an error they return is answered by fail.
// Middleware uses it too: it calls c.Next itself and returns nil.
func (s *Server) h(fn func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := fn(c); err != nil {
			s.fail(c, err)
		}
	}
}

// fail is the one place where an error becomes a response: status, body,
// headers and log line, from problemOf. A response that has already begun
// (a file being streamed) cannot turn into an error any more: its status
// is out and an error body would be taken for the end of the file, so the
// failure is logged and the connection broken instead.
func (s *Server) fail(c *gin.Context, err error) {
	ctx := c.Request.Context()
	if c.Writer.Written() {
		if ctx.Err() == nil { // not the client going away
			s.log.ErrorContext(ctx, "response cut short", "request_id", requestID(c), "route", c.FullPath(), "error", err)
		}
		panic(http.ErrAbortHandler)
	}
	status, body, e := s.problemOf(c, err)
	body.RequestID = requestID(c)
	if e.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	var ch *challengeError
	if errors.As(err, &ch) {
		c.Header("WWW-Authenticate", ch.challenge)
	}
	c.AbortWithStatusJSON(status, gin.H{"error": body})
}

// problemOf maps err to its status and error body (without the request
// id), for a whole request and for one item of a batch alike. Internal
// errors are logged here, once, and clients never see their text; the
// database being unavailable is a 503 the client retries.
func (s *Server) problemOf(c *gin.Context, err error) (int, errorJSON, *survey.Error) {
	var e *survey.Error
	if errors.Is(err, survey.ErrUnavailable) {
		s.log.WarnContext(c.Request.Context(), "database unavailable", "request_id", requestID(c), "route", c.FullPath(), "error", err)
		e = unavailable
	} else if errors.Is(err, survey.ErrNoSpace) {
		s.log.ErrorContext(c.Request.Context(), "write refused: disk space low", "request_id", requestID(c), "route", c.FullPath(), "error", err)
		e = noSpace
	} else if !errors.As(err, &e) || statusOf[e.Code] == 0 || e.Code == survey.CodeInternal {
		s.log.ErrorContext(c.Request.Context(), "request failed", "request_id", requestID(c), "route", c.FullPath(), "error", err)
		e = internalError
	}
	lng := lang(c)
	body := errorJSON{Code: string(e.Code), Message: pick(e.Message, lng), Messages: messagesJSON(e.Message)}
	for _, f := range e.Fields {
		body.Fields = append(body.Fields, fieldErrorJSON{Path: f.Path, Code: f.Code, Message: pick(f.Message, lng), Messages: messagesJSON(f.Message)})
	}
	return statusOf[e.Code], body, e
}

// challengeError is an authentication failure with the WWW-Authenticate
// challenge to send with it.
type challengeError struct {
	challenge string
	err       error
}

func (e *challengeError) Error() string { return e.err.Error() }
func (e *challengeError) Unwrap() error { return e.err }

func withChallenge(challenge string, err error) error {
	return &challengeError{challenge: challenge, err: err}
}

func malformed(key msg.Key, args ...any) error {
	return survey.Errorf(survey.CodeMalformed, key, args...)
}
