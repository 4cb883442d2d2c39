package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

var errNoToken = survey.Errorf(survey.CodeUnauthorized, msg.AuthRequired)

// authenticate accepts a valid bearer token of an enabled user whose
// session still stands and puts the caller into the request context.
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
	u, err := s.Accounts.Authenticate(c.Request.Context(), claims.Subject, claims.Session, claims.Generation)
	if survey.ErrorCode(err) == survey.CodeUnauthorized {
		return withChallenge(`Bearer realm="khaosat", error="invalid_token"`, errNoToken)
	}
	if err != nil {
		return err
	}
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), keyActor, account.ActorOf(u)))
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
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
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

// writeTokens answers with a new access token, bound to the session of
// the given refresh token, and that refresh token.
func (s *Server) writeTokens(c *gin.Context, u *account.User, refresh string) error {
	sid, err := s.Accounts.SessionID(c.Request.Context(), refresh)
	if err != nil {
		return err
	}
	tok, err := s.Tokens.SignSession(u.ID, string(u.Role), sid, u.SessionGen)
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
