package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

// securityRoutes: refresh and logout (open: the refresh token is the
// credential), the administration of one account, the audit log.
func (s *Server) securityRoutes(open, authed *gin.RouterGroup) {
	authed.GET("/audit", s.h(s.listAudit))
	s.enrollRoutes(open, authed)
	open.POST("/auth/refresh", s.h(s.refresh))
	open.POST("/auth/logout", s.h(s.logout))
	authed.GET("/users/:id", s.h(s.getUser))
	authed.PATCH("/users/:id", s.h(s.patchUser))
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
	// DeviceID must accompany a device-bound token (from an enrollment).
	DeviceID string `json:"device_id"`
}

func (s *Server) refresh(c *gin.Context) error {
	var req refreshRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		return err
	}
	u, next, err := s.Accounts.Refresh(c.Request.Context(), req.RefreshToken, req.DeviceID)
	if err != nil {
		return err
	}
	return s.writeTokens(c, u, next)
}

func (s *Server) logout(c *gin.Context) error {
	var req refreshRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		return err
	}
	if err := s.Accounts.Logout(c.Request.Context(), req.RefreshToken); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (s *Server) getUser(c *gin.Context) error {
	u, err := s.Accounts.GetUser(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toUserJSON(u))
	return nil
}

type patchUserRequest struct {
	DisplayName     *string   `json:"display_name"`
	Role            *string   `json:"role"`
	Units           *[]string `json:"units"`
	Disabled        *bool     `json:"disabled"`
	SensitiveAccess *bool     `json:"sensitive_access"`
	PersonalAccess  *bool     `json:"personal_access"`
	Password        *string   `json:"password"`
}

func (s *Server) patchUser(c *gin.Context) error {
	if actor(c).Role != survey.RoleAdmin { // refuse before reading the body
		return survey.Errorf(survey.CodeForbidden, msg.AccountChangeAdminsOnly)
	}
	var req patchUserRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		return err
	}
	ch := account.UserChange{DisplayName: req.DisplayName, Units: req.Units, Disabled: req.Disabled, SensitiveAccess: req.SensitiveAccess, PersonalAccess: req.PersonalAccess, Password: req.Password}
	if req.Role != nil {
		r := survey.Role(*req.Role)
		ch.Role = &r
	}
	u, err := s.Accounts.UpdateUser(c.Request.Context(), actor(c), c.Param("id"), ch)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toUserJSON(u))
	return nil
}
