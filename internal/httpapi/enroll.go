package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/khaosat/khaosat/internal/survey"
)

// enrollRoutes: phones enroll with a one-time code instead of a password.
func (s *Server) enrollRoutes(open, authed *gin.RouterGroup) {
	open.POST("/auth/enroll", s.enroll)
	authed.POST("/users/:id/enrollments", s.createEnrollment)
	authed.GET("/users/:id/enrollments/:code/qr.png", s.enrollmentQR)
	authed.GET("/users/:id/devices", s.listDevices)
	authed.DELETE("/users/:id/devices/:device", s.revokeDevice)
	authed.GET("/me/devices", s.listOwnDevices)
	authed.DELETE("/me/devices/:device", s.revokeOwnDevice)
}

type enrollmentJSON struct {
	Code      string    `json:"code"`
	UserID    string    `json:"user_id"`
	ExpiresAt time.Time `json:"expires_at"`
	QRPNG     string    `json:"qr_png"`
}

func (s *Server) createEnrollment(c *gin.Context) {
	code, e, err := s.Accounts.CreateEnrollment(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, enrollmentJSON{Code: code, UserID: e.UserID, ExpiresAt: e.ExpiresAt,
		QRPNG: "/api/v1/users/" + e.UserID + "/enrollments/" + code + "/qr.png"})
}

func (s *Server) enrollmentQR(c *gin.Context) {
	code := c.Param("code")
	if err := s.Accounts.CheckEnrollment(c.Request.Context(), actor(c), c.Param("id"), code); err != nil {
		s.writeError(c, err)
		return
	}
	png, err := qrcode.Encode(code, qrcode.Medium, 256)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Data(http.StatusOK, "image/png", png)
}

type enrollRequest struct {
	Code     string `json:"code"`
	DeviceID string `json:"device_id"`
}

func (s *Server) enroll(c *gin.Context) {
	var req enrollRequest
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	u, refresh, err := s.Accounts.Enroll(c.Request.Context(), req.Code, req.DeviceID)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeTokens(c, u, refresh)
}

type deviceJSON struct {
	DeviceID   string    `json:"device_id"`
	EnrolledAt time.Time `json:"enrolled_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
}

func (s *Server) listDevices(c *gin.Context) {
	ds, err := s.Accounts.Devices(c.Request.Context(), actor(c), c.Param("id"))
	s.writeDevices(c, ds, err)
}

// listOwnDevices: the caller's own phones, so that a device enrolled on
// their account without their knowledge shows.
func (s *Server) listOwnDevices(c *gin.Context) {
	ds, err := s.Accounts.OwnDevices(c.Request.Context(), actor(c))
	s.writeDevices(c, ds, err)
}

func (s *Server) writeDevices(c *gin.Context, ds []survey.Device, err error) {
	if err != nil {
		s.writeError(c, err)
		return
	}
	items := make([]deviceJSON, len(ds))
	for i, d := range ds {
		items[i] = deviceJSON{DeviceID: d.ID, EnrolledAt: d.EnrolledAt, LastSeenAt: d.LastSeenAt}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

func (s *Server) revokeDevice(c *gin.Context) {
	if err := s.Accounts.RevokeDevice(c.Request.Context(), actor(c), c.Param("id"), c.Param("device")); err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) revokeOwnDevice(c *gin.Context) {
	if err := s.Accounts.RevokeOwnDevice(c.Request.Context(), actor(c), c.Param("device")); err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
