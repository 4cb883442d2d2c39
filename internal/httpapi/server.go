// Package httpapi is khaosat's HTTP interface: the Gin router, its
// middleware (request id, logging, recovery, limits, authentication), the
// handlers, and the one mapping of domain errors to statuses.
package httpapi

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/openrosa"
	"github.com/khaosat/khaosat/internal/plan"
	"github.com/khaosat/khaosat/internal/registry"
	"github.com/khaosat/khaosat/internal/survey"
	"github.com/khaosat/khaosat/internal/token"
)

// Deps are what the HTTP layer needs; cmd/khaosat wires them.
type Deps struct {
	Log      *slog.Logger
	Accounts *account.Accounts
	Catalog  *survey.Catalog
	Intake   *survey.Intake
	Exports  *survey.Exports
	Units    *survey.Units
	Tokens   *token.Signer
	Auditor  *survey.Auditor
	Ping     func(context.Context) error // database readiness
	OpenAPI  []byte
	// MaxBody caps a submission body; other JSON bodies are capped at 64 KiB.
	MaxBody int64
	// CORSOrigins are the web origins (scheme://host[:port]) allowed to
	// call the API from a browser; none by default.
	CORSOrigins []string

	// Indicators answers the indicator routes.
	Indicators *indicator.Indicators
	// Plan answers the targets and reports routes.
	Plan *plan.Service

	// Registry answers the registry routes; nil serves none.
	Registry *registry.Service

	// Lifecycle serves sync, edits, review and deletion, over Intake.
	Lifecycle *survey.Lifecycle
	Hooks     *survey.Hooks

	// Web is the web root (web.Files): the phone app at /, the console at
	// /console/; nil serves no pages.
	Web fs.FS

	// Metrics observes requests, intake, sync, exports and indicator
	// queries; nil observes nothing.
	Metrics Observer

	// BodyGrace and MinBodyRate bound how long a request body may take
	// to arrive: BodyGrace plus its length at MinBodyRate bytes a second,
	// and never more than maxBodyTime (see limitBody). Zero: 10 s and
	// 1 KiB/s.
	BodyGrace   time.Duration
	MinBodyRate int64
}

// Server holds the handlers' dependencies.
type Server struct {
	Deps
	log *slog.Logger
	// orForms are decoded form documents for reading OpenRosa instances.
	orForms *openrosa.FormCache
}

// New returns the HTTP handler of the whole API.
func New(d Deps) http.Handler {
	return NewRouter(d)
}

// NewRouter returns the Gin engine, for tests that enumerate its routes.
func NewRouter(d Deps) *gin.Engine {
	if d.MaxBody <= 0 {
		d.MaxBody = 1 << 20
	}
	if d.BodyGrace <= 0 {
		d.BodyGrace = 10 * time.Second
	}
	if d.MinBodyRate <= 0 {
		d.MinBodyRate = 1 << 10
	}
	s := &Server{Deps: d, log: d.Log, orForms: openrosa.NewFormCache()}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	_ = r.SetTrustedProxies(nil) // the client address is the peer's: X-Forwarded-For must not dodge login throttling
	r.ContextWithFallback = true
	r.Use(s.requestIDMiddleware, s.observeRequests, s.accessLog, s.recovery, securityHeaders, s.h(s.cors), s.limitBody(s.bodyLimits()))
	site, err := newStaticSite(d.Web)
	if err != nil { // the web root is embedded: this is a broken build
		s.log.Error("read the web root", "error", err)
	}
	r.NoRoute(s.noRoute(site))
	r.NoMethod(func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, gin.H{"error": errorJSON{Code: "method_not_allowed",
			Message: msg.Text(msg.MethodNotAllowed).VI, Messages: messagesJSON(msg.Text(msg.MethodNotAllowed)), RequestID: requestID(c)}})
	})

	r.GET("/healthz", s.h(s.healthz))
	r.GET("/readyz", s.h(s.readyz))
	r.GET("/api/openapi.yaml", s.h(s.openapi))

	v1 := r.Group("/api/v1")
	v1.POST("/auth/login", s.h(s.login))

	a := v1.Group("", s.h(s.authenticate))
	a.GET("/me", s.h(s.me))
	a.GET("/users", s.h(s.listUsers))
	a.POST("/users", s.h(s.createUser))
	a.GET("/units", s.h(s.listUnits))
	a.GET("/units/:code", s.h(s.getUnit))
	a.GET("/forms", s.h(s.listForms))
	a.GET("/forms/:form", s.h(s.getForm))
	a.GET("/forms/:form/versions/:n", s.h(s.getFormVersion))
	a.POST("/forms/:form/submissions", s.h(s.submit))
	a.GET("/forms/:form/submissions", s.h(s.listSubmissions))
	a.GET("/forms/:form/submissions/:id", s.h(s.getSubmission))
	s.designRoutes(a)
	s.openRosaRoutes(r, v1)
	s.securityRoutes(v1, a)
	s.indicatorRoutes(a)
	s.lifecycleRoutes(a)
	s.exportRoutes(a)
	s.registryRoutes(a)
	s.planRoutes(a)
	return r
}

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyActor
)

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func (s *Server) requestIDMiddleware(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if !requestIDRE.MatchString(id) {
		id = uuid.NewString()
	}
	c.Header("X-Request-ID", id)
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), keyRequestID, id))
	c.Next()
}

func requestID(c *gin.Context) string {
	id, _ := c.Request.Context().Value(keyRequestID).(string)
	return id
}

// accessLog writes one line per request: never bodies, tokens or answers.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	attrs := []any{"request_id", requestID(c), "method", c.Request.Method, "route", c.FullPath(),
		"status", c.Writer.Status(), "duration_ms", float64(time.Since(start).Microseconds()) / 1000}
	if a, ok := actorOf(c); ok {
		attrs = append(attrs, "user_id", a.UserID)
	}
	s.log.InfoContext(c.Request.Context(), "request", attrs...)
}

func (s *Server) recovery(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic", "request_id", requestID(c), "panic", v)
			s.fail(c, errors.New("panic in handler")) // internal: answered as a server error
		}
	}()
	c.Next()
}

func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
	c.Next()
}

func (s *Server) healthz(c *gin.Context) error {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
	return nil
}

func (s *Server) readyz(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.Ping(ctx); err != nil {
		s.log.Warn("database not ready", "error", err)
		e := survey.Errorf(survey.CodeUnavailable, msg.DatabaseNotReady)
		e.RetryAfter = 5 * time.Second
		return e
	}
	// Reachable but loaded (every export slot taken) is "busy", still
	// 200: the instance serves logins, reads and intake, and a probe
	// must not take it out of service for running exports. Only a
	// database that does not answer is 503.
	if s.Exports != nil && s.Exports.Load().Busy() {
		c.JSON(http.StatusOK, gin.H{"status": "busy"})
		return nil
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
	return nil
}

func (s *Server) openapi(c *gin.Context) error {
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/yaml; charset=utf-8", s.OpenAPI)
	return nil
}

// readBody reads a capped body; over the cap is 413.
func readBody(c *gin.Context, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, survey.Errorf(survey.CodeTooLarge, msg.BodyTooLarge)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, malformed(msg.BodyTooSlow)
	}
	if err != nil {
		return nil, malformed(msg.BodyUnreadable)
	}
	return b, nil
}
