package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/survey"
)

const maxJSONBody = 64 << 10

// decodeJSON decodes a small JSON request body strictly: unknown fields and
// trailing data are refused.
func decodeJSON(c *gin.Context, v any) error {
	b, err := readBody(c, maxJSONBody)
	if err != nil {
		return err
	}
	if err := checkText(b); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			e := malformed("Sai kiểu dữ liệu ở trường «"+te.Field+"».", "Wrong type for field «"+te.Field+"».")
			e.(*survey.Error).Fields = []survey.FieldError{{Path: "/" + strings.ReplaceAll(te.Field, ".", "/"), Code: "type",
				Message: survey.Label{VI: "Sai kiểu dữ liệu.", EN: "Wrong type."}}}
			return e
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			e := malformed("Trường không được phép: «"+name+"».", "Unknown field «"+name+"».")
			e.(*survey.Error).Fields = []survey.FieldError{{Path: "/" + name, Code: "unknown_field",
				Message: survey.Label{VI: "Trường không được phép.", EN: "Field not allowed."}}}
			return e
		default:
			return malformed("Nội dung không phải JSON hợp lệ.", "The body is not valid JSON.")
		}
	}
	if dec.More() {
		return malformed("Sau đối tượng JSON còn dữ liệu thừa.", "There is trailing data after the JSON object.")
	}
	return nil
}

var errNoToken = survey.Errorf(survey.CodeUnauthorized, "Cần đăng nhập (thiếu hoặc sai mã truy cập).", "Authentication required: missing or invalid access token.")

// authenticate accepts a valid bearer token of an enabled user whose
// session still stands and puts the caller into the request context.
func (s *Server) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	scheme, raw, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		c.Header("WWW-Authenticate", `Bearer realm="khaosat"`)
		s.writeError(c, errNoToken)
		return
	}
	claims, err := s.Tokens.Verify(strings.TrimSpace(raw))
	if err != nil {
		c.Header("WWW-Authenticate", `Bearer realm="khaosat", error="invalid_token"`)
		s.writeError(c, errNoToken)
		return
	}
	u, err := s.Accounts.Authenticate(c.Request.Context(), claims.Subject, claims.Session, claims.Generation)
	if survey.ErrorCode(err) == survey.CodeUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="khaosat", error="invalid_token"`)
		s.writeError(c, errNoToken)
		return
	}
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), keyActor, survey.ActorOf(u)))
	c.Next()
}

func actorOf(c *gin.Context) (survey.Actor, bool) {
	a, ok := c.Request.Context().Value(keyActor).(survey.Actor)
	return a, ok
}

// actor returns the authenticated caller; routes behind authenticate only.
func actor(c *gin.Context) survey.Actor {
	a, _ := actorOf(c)
	return a
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	AccessToken  string   `json:"access_token"`
	RefreshToken string   `json:"refresh_token"`
	TokenType    string   `json:"token_type"`
	ExpiresIn    int      `json:"expires_in"`
	User         userJSON `json:"user"`
}

func (s *Server) login(c *gin.Context) {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	u, err := s.Accounts.Login(c.Request.Context(), req.Username, req.Password, c.ClientIP())
	if err != nil {
		s.writeError(c, err)
		return
	}
	refresh, err := s.Accounts.IssueRefresh(c.Request.Context(), u, "", "")
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeTokens(c, u, refresh)
}

// writeTokens answers with a new access token, bound to the session of
// the given refresh token, and that refresh token.
func (s *Server) writeTokens(c *gin.Context, u *survey.User, refresh string) {
	sid, err := s.Accounts.SessionID(c.Request.Context(), refresh)
	if err != nil {
		s.writeError(c, err)
		return
	}
	tok, err := s.Tokens.SignSession(u.ID, string(u.Role), sid, u.SessionGen)
	if err != nil {
		s.writeError(c, fmt.Errorf("sign token: %w", err))
		return
	}
	c.JSON(http.StatusOK, loginResponse{AccessToken: tok, RefreshToken: refresh, TokenType: "Bearer",
		ExpiresIn: int(s.Tokens.TTL().Seconds()), User: toUserJSON(u)})
}

func (s *Server) me(c *gin.Context) {
	u, err := s.Accounts.User(c.Request.Context(), actor(c).UserID)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toUserJSON(u))
}
