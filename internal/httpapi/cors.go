package httpapi

import (
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

// cors lets the web console at one of the configured origins call the API
// from a browser, and nobody else: a request from another origin gets no
// CORS headers (the browser withholds the response) and its preflight is
// refused. Credentials are bearer tokens, never cookies, so
// Access-Control-Allow-Credentials is not sent.
func (s *Server) cors(c *gin.Context) error {
	origin := c.GetHeader("Origin")
	if origin == "" {
		c.Next()
		return nil
	}
	c.Writer.Header().Add("Vary", "Origin")
	allowed := slices.Contains(s.CORSOrigins, origin)
	preflight := c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != ""
	if !allowed {
		if preflight {
			return survey.Errorf(survey.CodeForbidden, msg.OriginForbidden)
		}
		c.Next()
		return nil
	}
	h := c.Writer.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	if preflight {
		h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match, If-None-Match, Accept-Language, X-Request-ID")
		h.Set("Access-Control-Max-Age", "600")
		c.AbortWithStatus(http.StatusNoContent)
		return nil
	}
	h.Set("Access-Control-Expose-Headers", "ETag, Location, Retry-After, X-Request-ID, Content-Disposition")
	c.Next()
	return nil
}

// bodyLimits caps request bodies per route: the limit is checked against
// Content-Length before anything is read (413 at once), and the body is
// wrapped so that a body without a length cannot read past it either.
// Routes without an entry keep the caps their handlers apply.
func (s *Server) bodyLimits() map[string]int64 {
	return map[string]int64{
		"POST /api/v1/forms/:form/submissions": s.MaxBody,
		"POST /api/v1/auth/login":              maxJSONBody,
		"POST /api/v1/auth/refresh":            maxJSONBody,
		"POST /api/v1/auth/logout":             maxJSONBody,
		"POST /api/v1/auth/enroll":             maxJSONBody,
		"POST /api/v1/users":                   maxJSONBody,
		"PATCH /api/v1/users/:id":              maxJSONBody,
		"POST /api/v1/users/:id/enrollments":   0,
	}
}

func (s *Server) limitBody(limits map[string]int64) gin.HandlerFunc {
	return s.h(func(c *gin.Context) error {
		limit, ok := limits[c.Request.Method+" "+c.FullPath()]
		if !ok && (c.Request.Method == http.MethodGet || c.Request.Method == http.MethodDelete) {
			limit, ok = 0, true // reads and deletions take no body
		}
		if !ok {
			s.bodyDeadline(c, s.MaxBody)
			c.Next()
			return nil
		}
		if c.Request.ContentLength > limit {
			return survey.Errorf(survey.CodeTooLarge, msg.BodyTooLargeLimit, limit)
		}
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max(limit, 1))
		}
		s.bodyDeadline(c, limit)
		c.Next()
		return nil
	})
}

// maxBodyTime is the longest any request body may take to arrive: the
// server's whole-request read timeout, which large attachments on slow
// links already live with.
const maxBodyTime = 2 * time.Minute

// bodyDeadline sets the connection's read deadline for a request with a
// body: BodyGrace, plus its length (or, without one, its limit) at
// MinBodyRate, at most maxBodyTime. A body that trickles in a byte at a
// time would otherwise hold a connection and a goroutine for the whole
// server read timeout; now a login's few hundred bytes get 10 s, and the
// read fails after that (readBody answers 400).
func (s *Server) bodyDeadline(c *gin.Context, limit int64) {
	n := c.Request.ContentLength
	if n == 0 || c.Request.Body == nil || c.Request.Body == http.NoBody {
		return
	}
	if n < 0 {
		n = limit
	}
	d := s.BodyGrace + time.Duration(n/s.MinBodyRate)*time.Second
	if d > maxBodyTime || d < 0 {
		d = maxBodyTime
	}
	// An error means a connection without deadlines (HTTP/2 over a test
	// transport): the server's own read timeout still holds.
	_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(d))
}
