package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/khaosat/khaosat/internal/account"
)

// enrollRoutes: phones enroll with a one-time code instead of a password.
func (s *Server) enrollRoutes(open, authed *gin.RouterGroup) {
	open.POST("/auth/enroll", s.h(s.enroll))
	authed.POST("/users/:id/enrollments", s.h(s.createEnrollment))
	authed.GET("/users/:id/enrollments/:code/qr.png", s.h(s.enrollmentQR))
	authed.GET("/users/:id/devices", s.h(s.listDevices))
	authed.DELETE("/users/:id/devices/:device", s.h(s.revokeDevice))
	authed.GET("/me/devices", s.h(s.listOwnDevices))
	authed.DELETE("/me/devices/:device", s.h(s.revokeOwnDevice))
}

type enrollmentJSON struct {
	Code      string    `json:"code"`
	UserID    string    `json:"user_id"`
	ExpiresAt time.Time `json:"expires_at"`
	QRPNG     string    `json:"qr_png"`
}

func (s *Server) createEnrollment(c *gin.Context) error {
	code, e, err := s.Accounts.CreateEnrollment(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, enrollmentJSON{Code: code, UserID: e.UserID, ExpiresAt: e.ExpiresAt,
		QRPNG: "/api/v1/users/" + e.UserID + "/enrollments/" + code + "/qr.png"})
	return nil
}

func (s *Server) enrollmentQR(c *gin.Context) error {
	code := c.Param("code")
	if err := s.Accounts.CheckEnrollment(c.Request.Context(), actor(c), c.Param("id"), code); err != nil {
		return err
	}
	png, err := qrcode.Encode(code, qrcode.Medium, 256)
	if err != nil {
		return err
	}
	c.Data(http.StatusOK, "image/png", png)
	return nil
}

type enrollRequest struct {
	Code     string `json:"code"`
	DeviceID string `json:"device_id"`
}

func (s *Server) enroll(c *gin.Context) error {
	var req enrollRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		return err
	}
	u, refresh, err := s.Accounts.Enroll(c.Request.Context(), req.Code, req.DeviceID)
	if err != nil {
		return err
	}
	return s.writeTokens(c, u, refresh)
}

type deviceJSON struct {
	DeviceID   string    `json:"device_id"`
	EnrolledAt time.Time `json:"enrolled_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
}

func (s *Server) listDevices(c *gin.Context) error {
	ds, err := s.Accounts.Devices(c.Request.Context(), actor(c), c.Param("id"))
	return writeDevices(c, ds, err)
}

// listOwnDevices: the caller's own phones, so that a device enrolled on
// their account without their knowledge shows.
func (s *Server) listOwnDevices(c *gin.Context) error {
	ds, err := s.Accounts.OwnDevices(c.Request.Context(), actor(c))
	return writeDevices(c, ds, err)
}

func writeDevices(c *gin.Context, ds []account.Device, err error) error {
	if err != nil {
		return err
	}
	items := make([]deviceJSON, len(ds))
	for i, d := range ds {
		items[i] = deviceJSON{DeviceID: d.ID, EnrolledAt: d.EnrolledAt, LastSeenAt: d.LastSeenAt}
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
	return nil
}

func (s *Server) revokeDevice(c *gin.Context) error {
	if err := s.Accounts.RevokeDevice(c.Request.Context(), actor(c), c.Param("id"), c.Param("device")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (s *Server) revokeOwnDevice(c *gin.Context) error {
	if err := s.Accounts.RevokeOwnDevice(c.Request.Context(), actor(c), c.Param("device")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
