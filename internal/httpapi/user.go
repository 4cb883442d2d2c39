package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

type userJSON struct {
	ID          string   `json:"id"`
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Role        string   `json:"role"`
	Units       []string `json:"units"`
	// SensitiveAccess is the grant to read x-sensitive answers (supervisors).
	SensitiveAccess bool `json:"sensitive_access"`
	// PersonalAccess is the grant to export x-personal answers as they are.
	PersonalAccess bool      `json:"personal_access"`
	Disabled       bool      `json:"disabled"`
	CreatedAt      time.Time `json:"created_at"`
}

func toUserJSON(u *account.User) userJSON {
	units := u.Units
	if units == nil {
		units = []string{}
	}
	return userJSON{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role), Units: units,
		SensitiveAccess: u.SensitiveAccess, PersonalAccess: u.PersonalAccess, Disabled: u.Disabled, CreatedAt: u.CreatedAt}
}

type createUserRequest struct {
	Username    string   `json:"username"`
	Password    string   `json:"password"`
	DisplayName string   `json:"display_name"`
	Role        string   `json:"role"`
	Units       []string `json:"units"`
	// SensitiveAccess grants a supervisor the reading of x-sensitive answers.
	SensitiveAccess bool `json:"sensitive_access"`
	// PersonalAccess grants the export of x-personal answers as they are.
	PersonalAccess bool `json:"personal_access"`
}

func (s *Server) createUser(c *gin.Context) error {
	if actor(c).Role != survey.RoleAdmin { // refuse before reading the body
		return survey.Errorf(survey.CodeForbidden, msg.AccountCreateAdminsOnly)
	}
	var req createUserRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		return err
	}
	u, err := s.Accounts.CreateUser(c.Request.Context(), actor(c), account.NewUser{
		Username: req.Username, Password: req.Password, DisplayName: req.DisplayName, Role: survey.Role(req.Role), Units: req.Units, SensitiveAccess: req.SensitiveAccess, PersonalAccess: req.PersonalAccess})
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/users/"+u.ID)
	c.JSON(http.StatusCreated, toUserJSON(u))
	return nil
}

func (s *Server) listUsers(c *gin.Context) error {
	us, err := s.Accounts.ListUsers(c.Request.Context(), actor(c))
	if err != nil {
		return err
	}
	items := make([]userJSON, len(us))
	for i, u := range us {
		items[i] = toUserJSON(u)
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
	return nil
}
