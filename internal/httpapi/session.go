package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/survey"
)

// securityRoutes: refresh and logout (open: the refresh token is the
// credential), the administration of one account, the audit log.
func (s *Server) securityRoutes(open, authed *gin.RouterGroup) {
	authed.GET("/audit", s.listAudit)
	s.enrollRoutes(open, authed)
	open.POST("/auth/refresh", s.refresh)
	open.POST("/auth/logout", s.logout)
	authed.GET("/users/:id", s.getUser)
	authed.PATCH("/users/:id", s.patchUser)
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
	// DeviceID must accompany a device-bound token (from an enrollment).
	DeviceID string `json:"device_id"`
}

func (s *Server) refresh(c *gin.Context) {
	var req refreshRequest
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	u, next, err := s.Accounts.Refresh(c.Request.Context(), req.RefreshToken, req.DeviceID)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeTokens(c, u, next)
}

func (s *Server) logout(c *gin.Context) {
	var req refreshRequest
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	if err := s.Accounts.Logout(c.Request.Context(), req.RefreshToken); err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) getUser(c *gin.Context) {
	u, err := s.Accounts.GetUser(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toUserJSON(u))
}

type patchUserRequest struct {
	DisplayName     *string   `json:"display_name"`
	Role            *string   `json:"role"`
	Units           *[]string `json:"units"`
	Disabled        *bool     `json:"disabled"`
	SensitiveAccess *bool     `json:"sensitive_access"`
	Password        *string   `json:"password"`
}

func (s *Server) patchUser(c *gin.Context) {
	if actor(c).Role != survey.RoleAdmin { // refuse before reading the body
		s.writeError(c, survey.Errorf(survey.CodeForbidden, "Chỉ quản trị viên được sửa tài khoản.", "Only an administrator may change accounts."))
		return
	}
	var req patchUserRequest
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	ch := survey.UserChange{DisplayName: req.DisplayName, Units: req.Units, Disabled: req.Disabled, SensitiveAccess: req.SensitiveAccess, Password: req.Password}
	if req.Role != nil {
		r := survey.Role(*req.Role)
		ch.Role = &r
	}
	u, err := s.Accounts.UpdateUser(c.Request.Context(), actor(c), c.Param("id"), ch)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toUserJSON(u))
}
