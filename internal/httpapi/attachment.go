package httpapi

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

type attachmentJSON struct {
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedAt  time.Time `json:"uploaded_at"`
	UploadedBy  string    `json:"uploaded_by"`
}

func toAttachmentJSON(a *survey.Attachment) attachmentJSON {
	return attachmentJSON{Name: a.Name, ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256, UploadedAt: a.UploadedAt, UploadedBy: a.UploadedBy}
}

func (s *Server) attachmentRoutes(a *gin.RouterGroup) {
	a.GET("/forms/:form/submissions/:id/attachments", s.h(s.listAttachments))
	a.PUT("/forms/:form/submissions/:id/attachments/:name", s.h(s.putAttachment))
	a.GET("/forms/:form/submissions/:id/attachments/:name", s.h(s.getAttachment))
}

func (s *Server) putAttachment(c *gin.Context) error {
	if !actor(c).CanSubmit() {
		return survey.Errorf(survey.CodeForbidden, msg.UploadForbidden)
	}
	limit := s.Lifecycle.MaxAttachment
	if c.Request.ContentLength > limit {
		return survey.Errorf(survey.CodeTooLarge, msg.AttachmentTooLarge)
	}
	body, err := readBody(c, limit)
	if err != nil {
		return err
	}
	a, created, err := s.Lifecycle.PutAttachment(c.Request.Context(), actor(c), c.Param("form"), c.Param("id"), c.Param("name"),
		c.GetHeader("Content-Type"), body)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, toAttachmentJSON(a))
	return nil
}

func (s *Server) getAttachment(c *gin.Context) error {
	a, rc, err := s.Lifecycle.OpenAttachment(c.Request.Context(), actor(c), c.Param("form"), c.Param("id"), c.Param("name"))
	if err != nil {
		return err
	}
	defer rc.Close()
	c.Header("ETag", `"`+a.SHA256+`"`)
	c.Header("Content-Disposition", `attachment; filename="`+a.Name+`"`)
	c.Header("Content-Length", strconv.FormatInt(a.Size, 10))
	c.Header("Content-Type", a.ContentType)
	// The header goes out before the file, so that a failure while
	// copying breaks the connection (see fail) instead of answering with
	// an error body under this Content-Length.
	c.Status(http.StatusOK)
	c.Writer.WriteHeaderNow()
	if _, err := io.Copy(c.Writer, rc); err != nil {
		return fmt.Errorf("download attachment: %w", err)
	}
	return nil
}

func (s *Server) listAttachments(c *gin.Context) error {
	as, err := s.Lifecycle.Attachments(c.Request.Context(), actor(c), c.Param("form"), c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]attachmentJSON, len(as))
	for i, a := range as {
		out[i] = toAttachmentJSON(a)
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
	return nil
}
