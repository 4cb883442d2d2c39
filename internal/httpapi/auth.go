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

// authenticate accepts a valid bearer token of an enabled user and puts the
// caller into the request context.
func (s *Server) authenticate(c *gin.Context) error {
	h := c.GetHeader("Authorization")
	scheme, raw, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return withChallenge(`Bearer realm="khaosat"`, errNoToken)
	}
	claims, err := s.Tokens.Verify(strings.TrimSpace(raw))
	if err != nil {
		return withChallenge(`Bearer realm="khaosat", error="invalid_token"`, errNoToken)
	}
	u, err := s.Accounts.User(c.Request.Context(), claims.Subject)
	if survey.ErrorCode(err) == survey.CodeNotFound || (err == nil && u.Disabled) {
		return withChallenge(`Bearer realm="khaosat", error="invalid_token"`, errNoToken)
	}
	if err != nil {
		return err
	}
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), keyActor, survey.ActorOf(u)))
	c.Next()
	return nil
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

func (s *Server) login(c *gin.Context) error {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.Accounts.Login(c.Request.Context(), req.Username, req.Password, c.ClientIP())
	if err != nil {
		return err
	}
	refresh, err := s.Accounts.IssueRefresh(c.Request.Context(), u, "", "")
	if err != nil {
		return err
	}
	return s.writeTokens(c, u, refresh)
}

// writeTokens answers with a new access token and the given refresh token.
func (s *Server) writeTokens(c *gin.Context, u *survey.User, refresh string) error {
	tok, err := s.Tokens.Sign(u.ID, string(u.Role))
	if err != nil {
		return fmt.Errorf("sign token: %w", err)
	}
	c.JSON(http.StatusOK, loginResponse{AccessToken: tok, RefreshToken: refresh, TokenType: "Bearer",
		ExpiresIn: int(s.Tokens.TTL().Seconds()), User: toUserJSON(u)})
	return nil
}

func (s *Server) me(c *gin.Context) error {
	u, err := s.Accounts.User(c.Request.Context(), actor(c).UserID)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toUserJSON(u))
	return nil
}
