package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

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
	survey.CodeTooManyRequests:    http.StatusTooManyRequests,
	survey.CodeUnavailable:        http.StatusServiceUnavailable,
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

var internalError = survey.Errorf(survey.CodeInternal,
	"Lỗi máy chủ; vui lòng thử lại sau. Nếu lỗi lặp lại, hãy báo mã yêu cầu cho quản trị viên.",
	"Server error; please try again later. If it persists, give the request id to an administrator.")

// unavailable answers while the database cannot be reached: 503 with
// Retry-After, so clients retry instead of reporting a failure.
var unavailable = &survey.Error{Code: survey.CodeUnavailable,
	Message: survey.Label{VI: "Cơ sở dữ liệu tạm thời không trả lời; vui lòng thử lại sau ít giây.",
		EN: "The database is not answering for the moment; please try again in a few seconds."},
	RetryAfter: 5 * time.Second}

// writeError is the one place where an error becomes a response. Internal
// errors are logged here, once, and clients never see their text.
func (s *Server) writeError(c *gin.Context, err error) {
	var e *survey.Error
	if errors.Is(err, survey.ErrUnavailable) {
		s.log.WarnContext(c.Request.Context(), "database unavailable", "request_id", requestID(c), "route", c.FullPath(), "error", err)
		e = unavailable
	} else if !errors.As(err, &e) || statusOf[e.Code] == 0 || e.Code == survey.CodeInternal {
		s.log.ErrorContext(c.Request.Context(), "request failed", "request_id", requestID(c), "route", c.FullPath(), "error", err)
		e = internalError
	}
	lng := lang(c)
	body := errorJSON{Code: string(e.Code), Message: pick(e.Message, lng), Messages: messagesJSON(e.Message), RequestID: requestID(c)}
	for _, f := range e.Fields {
		body.Fields = append(body.Fields, fieldErrorJSON{Path: f.Path, Code: f.Code, Message: pick(f.Message, lng), Messages: messagesJSON(f.Message)})
	}
	if e.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	c.AbortWithStatusJSON(statusOf[e.Code], gin.H{"error": body})
}

func malformed(vi, en string) error { return survey.Errorf(survey.CodeMalformed, vi, en) }
