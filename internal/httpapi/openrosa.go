package httpapi

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/openrosa"
	"github.com/khaosat/khaosat/internal/survey"
)

// maxOpenRosaBody caps a submission request: the instance and its media.
const maxOpenRosaBody = 64 << 20

// openRosaRoutes serve ODK Collect and other OpenRosa clients. Like ODK
// Central's app users, a client's server address carries its token:
// <server>/openrosa/<token>, issued by POST /api/v1/auth/enroll/openrosa.
func (s *Server) openRosaRoutes(r *gin.Engine, open *gin.RouterGroup) {
	open.POST("/auth/enroll/openrosa", s.h(s.enrollOpenRosa))
	g := r.Group("/openrosa/:token", s.openRosa(s.appUser))
	g.GET("/formList", s.openRosa(s.formList))
	g.GET("/forms/:form/form.xml", s.openRosa(s.xformDownload))
	g.GET("/forms/:form/manifest", s.openRosa(s.manifest))
	g.HEAD("/submission", s.openRosa(s.submissionPreflight))
	g.POST("/submission", s.openRosa(s.openRosaSubmit))
}

type enrollOpenRosaRequest struct {
	Code string `json:"code"`
}

// enrollOpenRosa redeems an enrolment code for an OpenRosa client.
func (s *Server) enrollOpenRosa(c *gin.Context) error {
	var req enrollOpenRosaRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		return err
	}
	u, tok, device, err := s.Accounts.EnrollAppUser(c.Request.Context(), req.Code)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, gin.H{"server_url": baseURL(c) + "/openrosa/" + tok, "token": tok, "device_id": device,
		"user": gin.H{"id": u.ID, "username": u.Username, "role": string(u.Role)}})
	return nil
}

// baseURL is scheme://host of the request.
func baseURL(c *gin.Context) string {
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

// openRosa runs an OpenRosa handler: the protocol header on every
// response, and errors as OpenRosa response bodies with the API's status.
func (s *Server) openRosa(fn func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("X-OpenRosa-Version", openrosa.Version)
		c.Header("Date", time.Now().UTC().Format(http.TimeFormat))
		err := fn(c)
		if err == nil {
			return
		}
		status, body, _ := s.problemOf(c, err)
		msg := body.Message
		for _, f := range body.Fields {
			msg += "\n" + f.Path + ": " + f.Message
		}
		if status == http.StatusUnauthorized {
			c.Header("WWW-Authenticate", `Bearer realm="khaosat"`)
		}
		c.Data(status, "text/xml; charset=utf-8", openrosa.Response("error", msg))
		c.Abort()
	}
}

// appUser authenticates the token of the address.
func (s *Server) appUser(c *gin.Context) error {
	u, err := s.Accounts.AppUser(c.Request.Context(), c.Param("token"))
	if err != nil {
		return err
	}
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), keyActor, account.ActorOf(u)))
	c.Next()
	return nil
}

// communes are the units a collector picks from: their communes, or the
// communes of their districts.
func (s *Server) communes(a survey.Actor) []openrosa.Unit {
	now := time.Now()
	var out []openrosa.Unit
	for _, code := range a.Units {
		kids := s.Units.Children(code, now)
		if len(kids) == 0 {
			if u, ok := s.Units.At(code, now); ok {
				out = append(out, openrosa.Unit{Code: u.Code, Name: u.Name})
			}
			continue
		}
		for _, u := range kids {
			out = append(out, openrosa.Unit{Code: u.Code, Name: u.Name})
		}
	}
	return out
}

// currentXForm is the XForm of a form's current version for the caller.
func (s *Server) currentXForm(c *gin.Context, formID string) (*survey.Form, *survey.FormVersion, []byte, error) {
	ctx, a := c.Request.Context(), actor(c)
	f, err := s.Catalog.FormFor(ctx, a, formID)
	if err != nil {
		return nil, nil, nil, err
	}
	v, err := s.Catalog.Version(ctx, f.ID, f.CurrentVersion)
	if err != nil {
		return nil, nil, nil, err
	}
	x, err := openrosa.XForm(v.Schema, openrosa.XFormOptions{Version: v.Version, Units: s.communes(a)})
	return f, v, x, err
}

func (s *Server) formList(c *gin.Context) error {
	ctx, a := c.Request.Context(), actor(c)
	forms, err := s.Catalog.Forms(ctx, a)
	if err != nil {
		return err
	}
	base := baseURL(c) + "/openrosa/" + c.Param("token")
	entries := make([]openrosa.FormListEntry, 0, len(forms))
	for _, f := range forms {
		if f.CurrentVersion < 1 {
			continue
		}
		_, v, x, err := s.currentXForm(c, f.ID)
		if err != nil {
			return err
		}
		entries = append(entries, openrosa.FormListEntry{FormID: f.ID, Name: v.Title.VI + " / " + v.Title.EN, Version: strconv.Itoa(v.Version),
			Hash: openrosa.Hash(x), DownloadURL: base + "/forms/" + f.ID + "/form.xml", ManifestURL: base + "/forms/" + f.ID + "/manifest"})
	}
	body, err := openrosa.FormList(entries)
	if err != nil {
		return err
	}
	c.Data(http.StatusOK, "text/xml; charset=utf-8", body)
	return nil
}

func (s *Server) xformDownload(c *gin.Context) error {
	_, _, x, err := s.currentXForm(c, c.Param("form"))
	if err != nil {
		return err
	}
	c.Data(http.StatusOK, "text/xml; charset=utf-8", x)
	return nil
}

func (s *Server) manifest(c *gin.Context) error {
	if _, err := s.Catalog.FormFor(c.Request.Context(), actor(c), c.Param("form")); err != nil {
		return err
	}
	c.Data(http.StatusOK, "text/xml; charset=utf-8", openrosa.Manifest())
	return nil
}

// submissionPreflight answers ODK Collect's HEAD before it posts.
func (s *Server) submissionPreflight(c *gin.Context) error {
	c.Header("X-OpenRosa-Accept-Content-Length", strconv.Itoa(maxOpenRosaBody))
	c.Status(http.StatusNoContent)
	return nil
}

// media is a file sent beside an instance.
type media struct {
	name, contentType string
	body              []byte
}

// readSubmission reads the multipart body: the instance (the part named
// xml_submission_file) and its media files.
func (s *Server) readSubmission(c *gin.Context) ([]byte, []media, error) {
	mt, params, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, nil, survey.Errorf(survey.CodeUnsupportedType, msg.OpenRosaNotMultipart)
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxOpenRosaBody)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, nil, malformed(msg.OpenRosaMultipartUnreadable)
	}
	var xml []byte
	var files []media
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, nil, survey.Errorf(survey.CodeTooLarge, msg.BodyTooLarge)
		}
		if err != nil {
			return nil, nil, malformed(msg.OpenRosaMultipartUnreadable)
		}
		body, err := io.ReadAll(p)
		if errors.As(err, &mbe) {
			return nil, nil, survey.Errorf(survey.CodeTooLarge, msg.BodyTooLarge)
		}
		if err != nil {
			return nil, nil, malformed(msg.OpenRosaMultipartUnreadable)
		}
		if p.FormName() == "xml_submission_file" {
			xml = body
			continue
		}
		if p.FileName() != "" {
			files = append(files, media{name: p.FileName(), contentType: p.Header.Get("Content-Type"), body: body})
		}
	}
	if xml == nil {
		return nil, nil, malformed(msg.OpenRosaNoInstancePart)
	}
	return xml, files, nil
}

// openRosaSubmit takes an instance through the same intake as a JSON
// submission: 201 when stored, 200 when the same submission was already
// (a client's retry), 409 when its id holds other answers; an instance
// with a deprecatedID is an edit of that submission.
func (s *Server) openRosaSubmit(c *gin.Context) error {
	ctx, a := c.Request.Context(), actor(c)
	if !a.CanSubmit() {
		return survey.Errorf(survey.CodeForbidden, msg.SubmitForbidden)
	}
	raw, files, err := s.readSubmission(c)
	if err != nil {
		return err
	}
	in, err := openrosa.Peek(raw)
	if err != nil {
		return malformed(msg.OpenRosaInstanceInvalid, err.Error())
	}
	// The version the instance names types its answers; whether the
	// caller may submit to the form (open, their units) is intake's to
	// say, as for JSON: a retry to a closed form is still 200.
	v, err := s.Catalog.Version(ctx, in.FormID, in.Version)
	if err != nil {
		return err
	}
	form, err := s.orForms.Form(v.Hash, v.Schema)
	if err != nil {
		return err
	}
	if err := in.ConvertWith(form); err != nil {
		return err
	}
	var sub *survey.Submission
	status := http.StatusCreated
	if in.DeprecatedID != "" {
		sub, err = s.openRosaEdit(c, v.FormID, in)
	} else {
		var created bool
		sub, created, err = s.Intake.Submit(ctx, a, v.FormID, in.Envelope)
		s.observeIntake(v.FormID, created, err)
		if err == nil && !created {
			status = http.StatusOK
		}
	}
	if err != nil {
		return err
	}
	for _, m := range files {
		if _, _, err := s.Lifecycle.PutAttachment(ctx, a, v.FormID, sub.ID, m.name, m.contentType, m.body); err != nil {
			return err
		}
	}
	text := msg.Both(msg.OpenRosaReceived)
	if status == http.StatusOK {
		text = msg.Both(msg.OpenRosaAlreadyReceived)
	}
	c.Header("Location", "/api/v1/forms/"+sub.FormID+"/submissions/"+sub.ID)
	c.Data(status, "text/xml; charset=utf-8", openrosa.Response("", text))
	return nil
}

// openRosaEdit writes an edited instance as the next revision of the
// submission it deprecates.
func (s *Server) openRosaEdit(c *gin.Context, formID string, in *openrosa.Instance) (*survey.Submission, error) {
	ctx, a := c.Request.Context(), actor(c)
	cur, err := s.Intake.Get(ctx, a, formID, in.DeprecatedID)
	if err != nil {
		return nil, err
	}
	return s.Lifecycle.Edit(ctx, a, formID, cur.ID, cur.Revision, in.Envelope)
}
