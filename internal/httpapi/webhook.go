package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/survey"
)

func (s *Server) webhookRoutes(a *gin.RouterGroup) {
	a.GET("/webhooks", s.h(s.listWebhooks))
	a.POST("/webhooks", s.h(s.createWebhook))
	a.DELETE("/webhooks/:id", s.h(s.deleteWebhook))
	a.GET("/webhooks/:id/deliveries", s.h(s.listDeliveries))
}

type webhookJSON struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Form      string    `json:"form,omitempty"`
	Events    []string  `json:"events"`
	Owner     string    `json:"owner"`
	CreatedAt time.Time `json:"created_at"`
	Secret    string    `json:"secret,omitempty"` // only in the answer to registration
}

func toWebhookJSON(w *survey.Webhook) webhookJSON {
	return webhookJSON{ID: w.ID, URL: w.URL, Form: w.Form, Events: w.Events, Owner: w.Owner.Username, CreatedAt: w.CreatedAt}
}

func (s *Server) createWebhook(c *gin.Context) error {
	var req struct {
		URL    string   `json:"url"`
		Form   string   `json:"form"`
		Events []string `json:"events"`
	}
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		return err
	}
	w, err := s.Hooks.Register(c.Request.Context(), actor(c), survey.NewWebhook{URL: req.URL, Form: req.Form, Events: req.Events})
	if err != nil {
		return err
	}
	j := toWebhookJSON(w)
	j.Secret = w.Secret
	c.JSON(http.StatusCreated, j)
	return nil
}

func (s *Server) listWebhooks(c *gin.Context) error {
	ws, err := s.Hooks.List(c.Request.Context(), actor(c))
	if err != nil {
		return err
	}
	out := make([]webhookJSON, len(ws))
	for i, w := range ws {
		out[i] = toWebhookJSON(w)
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
	return nil
}

func (s *Server) deleteWebhook(c *gin.Context) error {
	if err := s.Hooks.Delete(c.Request.Context(), actor(c), c.Param("id")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

type deliveryJSON struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	Submission  string     `json:"submission"`
	State       string     `json:"state"`
	Attempts    int        `json:"attempts"`
	LastStatus  int        `json:"last_status,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	NextAt      *time.Time `json:"next_at,omitempty"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
}

func (s *Server) listDeliveries(c *gin.Context) error {
	ds, err := s.Hooks.Deliveries(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]deliveryJSON, len(ds))
	for i, d := range ds {
		out[i] = deliveryJSON{ID: d.ID, Kind: d.Event.Kind, Submission: d.Event.SubmissionID, State: d.State, Attempts: d.Attempts,
			LastStatus: d.LastStatus, LastError: d.LastError, CreatedAt: d.CreatedAt, DeliveredAt: d.DeliveredAt}
		if d.State == survey.DeliveryPending {
			next := d.NextAt
			out[i].NextAt = &next
		}
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
	return nil
}
