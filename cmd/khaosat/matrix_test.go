package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/khaosat/khaosat/internal/httpapi"
)

// matrixUnits: every user of the matrix is assigned unitIn ("inside", the
// unit of the submission under test) or unitOut ("outside").
const (
	unitIn  = "00004"
	unitOut = "00008"
)

// want is the expected status for a caller inside and outside the unit.
type want [2]int

// matrixEnv is what a route's request may refer to.
type matrixEnv struct {
	sub      string // a household submission in unitIn by another collector
	username string // the caller's credentials
	password string
	refresh  string // a fresh refresh token of the caller ("" for anonymous)
	userID   string // an account to read and change: the owner of sub
	// seesSensitive: the caller's role reads sensitive answers (and so
	// sends them back in an edit; other roles leave them out).
	seesSensitive bool
	code          string // a pending enrollment code of userID
	// freshForm creates a new form with a draft (published as version 1
	// first when published is true) and returns its id, so that design
	// routes that change state act on a form of their own.
	freshForm func(published bool) string
	// freshSub submits a new household submission of the owner in unitIn
	// (deleted by an admin first when deleted is true) and returns its id,
	// for routes that change a submission.
	freshSub func(deleted bool) string
	// hook is a webhook of the admin; freshHook registers a new one.
	hook      string
	freshHook func() string
	plan      planMatrix // the plan's reports and targets (matrix_plan_test.go)
}

// pngBytes is the start of a PNG file: enough for content sniffing.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")

// onFreshSub builds a request on a submission made for this call.
func onFreshSub(method, suffix string, deleted bool, body func(id string) any) func(matrixEnv) (string, string, any) {
	return func(e matrixEnv) (string, string, any) {
		id := e.freshSub(deleted)
		var b any
		if body != nil {
			b = body(id)
		}
		return method, "/api/v1/forms/household/submissions/" + id + suffix, b
	}
}

// onFreshSubAs is onFreshSub with a body that depends on the caller.
func onFreshSubAs(method, suffix string, body func(me matrixEnv, id string) any) func(matrixEnv) (string, string, any) {
	return func(e matrixEnv) (string, string, any) {
		id := e.freshSub(false)
		return method, "/api/v1/forms/household/submissions/" + id + suffix, body(e, id)
	}
}

// readers: what reading the shared submission gives each role: 404 for
// whoever may not see it (its existence is not revealed).
func readers() map[string]want {
	return map[string]want{"anonymous": {401, 401}, "collector": {404, 404}, "supervisor": {200, 404}, "designer": {404, 404}, "manager": {200, 404}, "admin": {200, 200}}
}

// submitters: roles that send data; outside their units the submission is 404.
func changers(status int) map[string]want {
	return map[string]want{"anonymous": {401, 401}, "collector": {404, 404}, "supervisor": {status, 404}, "designer": {403, 403}, "manager": {status, 404}, "admin": {status, status}}
}

// dataRoles: every role that works with data gets status; designers 403.
func dataRoles(status int) map[string]want {
	m := authed(status)
	m["designer"] = want{403, 403}
	return m
}

func hookManagers(status int) map[string]want {
	m := authed(403)
	m["manager"] = want{status, status}
	m["admin"] = want{status, status}
	return m
}

// designers: designers and admins get status, other roles 403.
func designers(status int) map[string]want {
	m := authed(403)
	m["designer"] = want{status, status}
	m["admin"] = want{status, status}
	return m
}

// onFreshForm builds a design request on a form made for this call.
func onFreshForm(method, suffix string, published bool, body func(id string) any) func(matrixEnv) (string, string, any) {
	return func(e matrixEnv) (string, string, any) {
		id := e.freshForm(published)
		var b any
		if body != nil {
			b = body(id)
		}
		return method, "/api/v1/forms/" + id + suffix, b
	}
}

// enrollers: admins for anyone, supervisors for collectors inside their units.
func enrollers(status int) map[string]want {
	m := authed(403)
	m["admin"] = want{status, status}
	m["supervisor"] = want{status, 404}
	return m
}

// issuers: who may issue (or show) an enrolment code for the collector.
// The matrix's supervisors have no sensitive grant, so a collector's
// reach (their own hiv submissions) exceeds theirs: 403 inside the unit.
func issuers(status int) map[string]want {
	m := enrollers(status)
	m["supervisor"] = want{403, 404}
	return m
}

// routeCase builds one request of a route and says what each role gets.
type routeCase struct {
	req func(e matrixEnv) (method, path string, body any)
	// headers, when set, adds request headers (pairs); a []byte body is
	// sent as it is.
	headers func(e matrixEnv) []string
	roles   map[string]want // by role; "anonymous" is a caller without a token
	// sees, for the submission listing: whether the caller's page holds
	// the submission, inside and outside.
	sees map[string][2]bool
}

func all(status int) map[string]want {
	m := map[string]want{}
	for _, r := range matrixRoles {
		m[r] = want{status, status}
	}
	return m
}

// authed is status for every role and 401 without a token.
func authed(status int) map[string]want {
	m := all(status)
	m["anonymous"] = want{401, 401}
	return m
}

func adminOnly(status int) map[string]want {
	m := authed(403)
	m["admin"] = want{status, status}
	return m
}

var matrixRoles = []string{"anonymous", "collector", "supervisor", "designer", "manager", "admin"}

func get(path string) func(matrixEnv) (string, string, any) {
	return func(matrixEnv) (string, string, any) { return "GET", path, nil }
}

// matrix has one entry per route of the router: a route without one fails
// TestAuthorizationMatrix.
// indicatorReaders: supervisors, managers and admins read indicators of
// their own units; asking for another unit is 403.
func indicatorReaders() map[string]want {
	m := authed(403)
	m["supervisor"] = want{200, 403}
	m["manager"] = want{200, 403}
	m["admin"] = want{200, 200}
	return m
}

var matrix = map[string]routeCase{
	// Like the list, an export of another unit is empty, not refused
	// (TestExportRolesAndAudit checks what a manager's file holds).
	"GET /api/v1/forms/:form/export": {req: get("/api/v1/forms/household/export?format=csv&unit=" + unitIn),
		roles: map[string]want{"anonymous": {401, 401}, "collector": {403, 403}, "supervisor": {403, 403}, "designer": {403, 403}, "manager": {200, 200}, "admin": {200, 200}}},
	"POST /api/v1/sync": {
		req: func(matrixEnv) (string, string, any) {
			item := envelope(matrixHousehold)
			item["form"] = "household"
			return "POST", "/api/v1/sync", map[string]any{"submissions": []any{item}}
		},
		roles: dataRoles(200),
	},
	"GET /api/v1/me/submissions": {req: get("/api/v1/me/submissions"), roles: dataRoles(200)},
	"GET /api/v1/changes":        {req: get("/api/v1/changes?limit=5"), roles: dataRoles(200)},
	"PUT /api/v1/forms/:form/submissions/:id": {
		req: onFreshSubAs("PUT", "", func(me matrixEnv, id string) any {
			e := envelope(matrixHousehold)
			e["id"] = id
			if !me.seesSensitive {
				e["data"] = withoutSensitive(matrixHousehold)
			}
			return e
		}),
		headers: func(matrixEnv) []string { return []string{"If-Match", `"1"`} },
		roles:   changers(200),
	},
	"DELETE /api/v1/forms/:form/submissions/:id":       {req: onFreshSub("DELETE", "", false, nil), roles: changers(204)},
	"POST /api/v1/forms/:form/submissions/:id/restore": {req: onFreshSub("POST", "/restore", true, nil), roles: map[string]want{"anonymous": {401, 401}, "collector": {403, 403}, "supervisor": {403, 403}, "designer": {403, 403}, "manager": {200, 404}, "admin": {200, 200}}},
	"GET /api/v1/forms/:form/submissions/:id/history": {req: func(e matrixEnv) (string, string, any) {
		return "GET", "/api/v1/forms/household/submissions/" + e.sub + "/history", nil
	}, roles: readers()},
	"GET /api/v1/forms/:form/submissions/:id/history/:rev": {req: func(e matrixEnv) (string, string, any) {
		return "GET", "/api/v1/forms/household/submissions/" + e.sub + "/history/1", nil
	}, roles: readers()},
	"GET /api/v1/forms/:form/submissions/:id/diff": {req: func(e matrixEnv) (string, string, any) {
		return "GET", "/api/v1/forms/household/submissions/" + e.sub + "/diff?from=1&to=1", nil
	}, roles: readers()},
	"GET /api/v1/forms/:form/submissions/:id/comments": {req: func(e matrixEnv) (string, string, any) {
		return "GET", "/api/v1/forms/household/submissions/" + e.sub + "/comments", nil
	}, roles: readers()},
	"POST /api/v1/forms/:form/submissions/:id/comments": {req: func(e matrixEnv) (string, string, any) {
		return "POST", "/api/v1/forms/household/submissions/" + e.sub + "/comments", map[string]string{"text": "Đã gọi điện xác minh."}
	}, roles: map[string]want{"anonymous": {401, 401}, "collector": {404, 404}, "supervisor": {201, 404}, "designer": {403, 403}, "manager": {201, 404}, "admin": {201, 201}}},
	"POST /api/v1/forms/:form/submissions/:id/review": {
		req:   onFreshSub("POST", "/review", false, func(string) any { return map[string]string{"state": "approved"} }),
		roles: map[string]want{"anonymous": {401, 401}, "collector": {403, 403}, "supervisor": {200, 404}, "designer": {403, 403}, "manager": {200, 404}, "admin": {200, 200}},
	},
	"POST /api/v1/forms/:form/bulk/review": {
		req: func(e matrixEnv) (string, string, any) {
			return "POST", "/api/v1/forms/household/bulk/review", map[string]any{"ids": []string{e.freshSub(false)}, "state": "approved"}
		},
		roles: map[string]want{"anonymous": {401, 401}, "collector": {403, 403}, "supervisor": {200, 200}, "designer": {403, 403}, "manager": {200, 200}, "admin": {200, 200}},
	},
	"POST /api/v1/forms/:form/bulk/delete": {
		req: func(e matrixEnv) (string, string, any) {
			return "POST", "/api/v1/forms/household/bulk/delete", map[string]any{"ids": []string{e.freshSub(false)}}
		},
		roles: dataRoles(200),
	},
	"GET /api/v1/forms/:form/submissions/:id/attachments": {req: func(e matrixEnv) (string, string, any) {
		return "GET", "/api/v1/forms/household/submissions/" + e.sub + "/attachments", nil
	}, roles: readers()},
	"GET /api/v1/forms/:form/submissions/:id/attachments/:name": {req: func(e matrixEnv) (string, string, any) {
		return "GET", "/api/v1/forms/household/submissions/" + e.sub + "/attachments/giay_khai_sinh.png", nil
	}, roles: readers()},
	"PUT /api/v1/forms/:form/submissions/:id/attachments/:name": {
		req:     onFreshSub("PUT", "/attachments/giay_khai_sinh.png", false, func(string) any { return pngBytes }),
		headers: func(matrixEnv) []string { return []string{"Content-Type", "image/png"} },
		roles:   changers(201),
	},
	"POST /api/v1/webhooks": {
		req: func(matrixEnv) (string, string, any) {
			return "POST", "/api/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"create"}}
		},
		roles: hookManagers(201),
	},
	"GET /api/v1/webhooks": {req: get("/api/v1/webhooks"), roles: hookManagers(200)},
	"GET /api/v1/webhooks/:id/deliveries": {req: func(e matrixEnv) (string, string, any) {
		return "GET", "/api/v1/webhooks/" + e.hook + "/deliveries", nil
	}, roles: map[string]want{"anonymous": {401, 401}, "collector": {403, 403}, "supervisor": {403, 403}, "designer": {403, 403}, "manager": {404, 404}, "admin": {200, 200}}},
	"DELETE /api/v1/webhooks/:id": {req: func(e matrixEnv) (string, string, any) {
		return "DELETE", "/api/v1/webhooks/" + e.freshHook(), nil
	}, roles: map[string]want{"anonymous": {401, 401}, "collector": {403, 403}, "supervisor": {403, 403}, "designer": {403, 403}, "manager": {404, 404}, "admin": {204, 204}}},
	"GET /api/v1/indicators": {req: get("/api/v1/indicators"), roles: map[string]want{"anonymous": {401, 401}, "collector": {403, 403},
		"supervisor": {200, 200}, "designer": {403, 403}, "manager": {200, 200}, "admin": {200, 200}}},
	"GET /api/v1/indicators/table": {req: get("/api/v1/indicators/table?period=2026&unit=" + unitIn), roles: indicatorReaders()},
	"GET /api/v1/indicators/:code": {req: get("/api/v1/indicators/CSPC_RATE?period=2026&unit=" + unitIn), roles: indicatorReaders()},
	"POST /api/v1/forms": {
		req:   func(matrixEnv) (string, string, any) { return "POST", "/api/v1/forms", designForm(newFormID()) },
		roles: designers(201),
	},
	"GET /api/v1/forms/:form/draft":    {req: onFreshForm("GET", "/draft", false, nil), roles: designers(200)},
	"PUT /api/v1/forms/:form/draft":    {req: onFreshForm("PUT", "/draft", false, func(id string) any { return withSchool(id) }), roles: designers(200)},
	"DELETE /api/v1/forms/:form/draft": {req: onFreshForm("DELETE", "/draft", false, nil), roles: designers(204)},
	"POST /api/v1/forms/:form/draft/submissions": {
		req: onFreshForm("POST", "/draft/submissions", false, func(string) any {
			return formEnvelope(1, map[string]any{"child_name": "Trẻ thử", "sex": "male", "age": 5})
		}),
		roles: designers(200),
	},
	"POST /api/v1/forms/:form/publish":             {req: onFreshForm("POST", "/publish", false, func(string) any { return map[string]string{"notes": "v1"} }), roles: designers(201)},
	"POST /api/v1/forms/:form/close":               {req: onFreshForm("POST", "/close", true, nil), roles: designers(200)},
	"POST /api/v1/forms/:form/reopen":              {req: onFreshForm("POST", "/reopen", true, nil), roles: designers(200)},
	"GET /api/v1/forms/:form/versions/:n/codebook": {req: get("/api/v1/forms/household/versions/1/codebook"), roles: authed(200)},
	"GET /api/v1/forms/:form/diff":                 {req: get("/api/v1/forms/household/diff?from=1&to=1"), roles: authed(200)},
	"GET /healthz":                                 {req: get("/healthz"), roles: all(200)},
	"GET /readyz":                                  {req: get("/readyz"), roles: all(200)},
	"GET /api/openapi.yaml":                        {req: get("/api/openapi.yaml"), roles: all(200)},
	"GET /api/v1/me":                               {req: get("/api/v1/me"), roles: authed(200)},
	"GET /api/v1/units":                            {req: get("/api/v1/units"), roles: authed(200)},
	"GET /api/v1/units/:code":                      {req: get("/api/v1/units/" + unitIn), roles: authed(200)},
	"GET /api/v1/forms":                            {req: get("/api/v1/forms"), roles: authed(200)},
	"GET /api/v1/forms/:form":                      {req: get("/api/v1/forms/household"), roles: authed(200)},
	"GET /api/v1/forms/:form/versions/:n":          {req: get("/api/v1/forms/household/versions/1"), roles: authed(200)},
	"GET /api/v1/forms/:form/versions/:n/xlsform":  {req: get("/api/v1/forms/household/versions/1/xlsform"), roles: authed(200)},
	// OpenRosa clients carry their token in the address, not a header:
	// every role's request with a wrong one is 401.
	"POST /api/v1/auth/enroll/openrosa": {req: func(matrixEnv) (string, string, any) {
		return "POST", "/api/v1/auth/enroll/openrosa", map[string]any{"code": "AAAA-BBBB-CCCC-DDDD"}
	}, roles: all(401)},
	"GET /openrosa/:token/formList":             {req: get("/openrosa/not-a-token/formList"), roles: all(401)},
	"GET /openrosa/:token/forms/:form/form.xml": {req: get("/openrosa/not-a-token/forms/household/form.xml"), roles: all(401)},
	"GET /openrosa/:token/forms/:form/manifest": {req: get("/openrosa/not-a-token/forms/household/manifest"), roles: all(401)},
	"HEAD /openrosa/:token/submission":          {req: func(matrixEnv) (string, string, any) { return "HEAD", "/openrosa/not-a-token/submission", nil }, roles: all(401)},
	"POST /openrosa/:token/submission":          {req: func(matrixEnv) (string, string, any) { return "POST", "/openrosa/not-a-token/submission", nil }, roles: all(401)},
	"GET /api/v1/users":                         {req: get("/api/v1/users"), roles: adminOnly(200)},
	"GET /api/v1/audit":                         {req: get("/api/v1/audit?limit=5"), roles: adminOnly(200)},
	"POST /api/v1/auth/login": {
		req: func(e matrixEnv) (string, string, any) {
			if e.username == "" { // anonymous: someone's right credentials
				e.username, e.password = "admin", testAdminPassword
			}
			return "POST", "/api/v1/auth/login", map[string]string{"username": e.username, "password": e.password}
		},
		roles: all(200),
	},
	"POST /api/v1/auth/refresh": {
		req: func(e matrixEnv) (string, string, any) {
			return "POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": e.refresh + map[bool]string{true: "none"}[e.refresh == ""]}
		},
		roles: map[string]want{"anonymous": {401, 401}, "collector": {200, 200}, "supervisor": {200, 200}, "designer": {200, 200}, "manager": {200, 200}, "admin": {200, 200}},
	},
	"POST /api/v1/auth/logout": {
		req: func(e matrixEnv) (string, string, any) {
			return "POST", "/api/v1/auth/logout", map[string]string{"refresh_token": "not-a-token"}
		},
		roles: all(204),
	},
	"GET /api/v1/users/:id": {req: func(e matrixEnv) (string, string, any) { return "GET", "/api/v1/users/" + e.userID, nil }, roles: adminOnly(200)},
	"PATCH /api/v1/users/:id": {
		req: func(e matrixEnv) (string, string, any) {
			return "PATCH", "/api/v1/users/" + e.userID, map[string]any{"display_name": "Người thu thập " + uuid.NewString()[:4]}
		},
		roles: adminOnly(200),
	},
	"POST /api/v1/auth/enroll": {
		req: func(matrixEnv) (string, string, any) {
			return "POST", "/api/v1/auth/enroll", map[string]string{"code": "AAAA-BBBB-CCCC-DDDD", "device_id": "phone-x"}
		},
		roles: all(401),
	},
	"POST /api/v1/users/:id/enrollments": {
		req: func(e matrixEnv) (string, string, any) {
			return "POST", "/api/v1/users/" + e.userID + "/enrollments", nil
		},
		roles: issuers(201),
	},
	"GET /api/v1/users/:id/enrollments/:code/qr.png": {
		req: func(e matrixEnv) (string, string, any) {
			return "GET", "/api/v1/users/" + e.userID + "/enrollments/" + e.code + "/qr.png", nil
		},
		roles: issuers(200),
	},
	"GET /api/v1/users/:id/devices": {
		req:   func(e matrixEnv) (string, string, any) { return "GET", "/api/v1/users/" + e.userID + "/devices", nil },
		roles: enrollers(200),
	},
	"DELETE /api/v1/users/:id/devices/:device": {
		req: func(e matrixEnv) (string, string, any) {
			return "DELETE", "/api/v1/users/" + e.userID + "/devices/phone-nobody", nil
		},
		roles: enrollers(204),
	},
	"GET /api/v1/me/devices": {req: get("/api/v1/me/devices"), roles: authed(200)},
	"DELETE /api/v1/me/devices/:device": {
		req: func(matrixEnv) (string, string, any) {
			return "DELETE", "/api/v1/me/devices/phone-nobody", nil
		},
		roles: authed(204),
	},
	"POST /api/v1/users": {
		req: func(matrixEnv) (string, string, any) {
			return "POST", "/api/v1/users", map[string]any{"username": "m-" + uuid.NewString()[:12], "password": "password-" + uuid.NewString()[:8],
				"display_name": "Ma trận", "role": "collector", "units": []string{unitIn}}
		},
		roles: adminOnly(201),
	},
	"POST /api/v1/forms/:form/submissions": {
		req: func(matrixEnv) (string, string, any) {
			return "POST", "/api/v1/forms/household/submissions", envelope(matrixHousehold)
		},
		roles: map[string]want{"anonymous": {401, 401}, "collector": {201, 403}, "supervisor": {201, 403},
			"designer": {403, 403}, "manager": {201, 403}, "admin": {201, 201}},
	},
	"GET /api/v1/forms/:form/submissions": {
		req:   get("/api/v1/forms/household/submissions?unit=" + unitIn + "&limit=1000"),
		roles: map[string]want{"anonymous": {401, 401}, "collector": {200, 200}, "supervisor": {200, 200}, "designer": {403, 403}, "manager": {200, 200}, "admin": {200, 200}},
		// A collector sees only their own; a supervisor of B listing A gets nothing of A.
		sees: map[string][2]bool{"collector": {false, false}, "supervisor": {true, false}, "manager": {true, false}, "admin": {true, true}},
	},
	// The registry: a household submission without household_id is its
	// own household; it is read by whoever reads data in its commune.
	"GET /api/v1/registry/households/:id": {
		req:   func(e matrixEnv) (string, string, any) { return "GET", "/api/v1/registry/households/" + e.sub, nil },
		roles: map[string]want{"anonymous": {401, 401}, "collector": {200, 404}, "supervisor": {200, 404}, "designer": {404, 404}, "manager": {200, 404}, "admin": {200, 200}},
	},
	"GET /api/v1/registry/children/:id": {req: get("/api/v1/registry/children/" + uuid.NewString()),
		roles: map[string]want{"anonymous": {401, 401}, "collector": {404, 404}, "supervisor": {404, 404}, "designer": {404, 404}, "manager": {404, 404}, "admin": {404, 404}}},
	"GET /api/v1/registry/candidates": {req: get("/api/v1/registry/candidates?kind=household"),
		roles: map[string]want{"anonymous": {401, 401}, "collector": {403, 403}, "supervisor": {200, 200}, "designer": {403, 403}, "manager": {200, 200}, "admin": {200, 200}}},
	"POST /api/v1/registry/decisions": {
		req: func(matrixEnv) (string, string, any) {
			return "POST", "/api/v1/registry/decisions", map[string]any{"kind": "child", "action": "not_duplicates", "a": uuid.NewString(), "b": uuid.NewString()}
		},
		roles: map[string]want{"anonymous": {401, 401}, "collector": {403, 403}, "supervisor": {404, 404}, "designer": {403, 403}, "manager": {404, 404}, "admin": {404, 404}},
	},
	"POST /api/v1/registry/decisions/:id/undo": {
		req: func(matrixEnv) (string, string, any) {
			return "POST", "/api/v1/registry/decisions/" + uuid.NewString() + "/undo", nil
		},
		roles: map[string]want{"anonymous": {401, 401}, "collector": {403, 403}, "supervisor": {404, 404}, "designer": {403, 403}, "manager": {404, 404}, "admin": {404, 404}},
	},
	"GET /api/v1/registry/changes": {req: get("/api/v1/registry/changes?limit=1"),
		roles: map[string]want{"anonymous": {401, 401}, "collector": {200, 200}, "supervisor": {200, 200}, "designer": {403, 403}, "manager": {200, 200}, "admin": {200, 200}}},
	"GET /api/v1/forms/:form/submissions/:id": {
		req: func(e matrixEnv) (string, string, any) {
			return "GET", "/api/v1/forms/household/submissions/" + e.sub, nil
		},
		// The collector inside is another collector of the same commune: 404.
		roles: map[string]want{"anonymous": {401, 401}, "collector": {404, 404}, "supervisor": {200, 404}, "designer": {404, 404}, "manager": {200, 404}, "admin": {200, 200}},
	},
}

var matrixHousehold map[string]any

// TestAuthorizationMatrix calls every route of the router as every role,
// assigned inside and outside the unit of the data, and checks the status.
func TestAuthorizationMatrix(t *testing.T) {
	matrixHousehold = householdData(t)
	r := httpapi.NewRouter(httpapi.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	var routes []string
	for _, ri := range r.Routes() {
		routes = append(routes, ri.Method+" "+ri.Path)
	}
	sort.Strings(routes)
	for _, rt := range routes {
		if _, ok := matrix[rt]; !ok {
			t.Errorf("route %s has no entry in the authorization matrix", rt)
		}
	}
	for k := range matrix {
		if !strings.Contains(" "+strings.Join(routes, " ")+" ", " "+k+" ") {
			t.Errorf("matrix entry %s is not a route", k)
		}
	}

	owner, ownerEnv := matrixUser(t, "collector", unitIn)
	e := envelope(matrixHousehold)
	if res := owner.do("POST", "/api/v1/forms/household/submissions", e); res.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", res.status, res.body)
	}
	var enr struct{ Code string }
	adminClient(t, shared).do("POST", "/api/v1/users/"+ownerEnv.userID+"/enrollments", nil).json(t, &enr)
	admin := adminClient(t, shared)
	freshForm := func(published bool) string {
		id := newFormID()
		if r := admin.do("POST", "/api/v1/forms", designForm(id)); r.status != http.StatusCreated {
			t.Fatalf("create form: %d %s", r.status, r.body)
		}
		if published {
			if r := admin.do("POST", "/api/v1/forms/"+id+"/publish", map[string]string{"notes": "v1"}); r.status != http.StatusCreated {
				t.Fatalf("publish form: %d %s", r.status, r.body)
			}
		}
		return id
	}
	freshSub := func(deleted bool) string {
		e := envelope(matrixHousehold)
		if r := owner.do("POST", "/api/v1/forms/household/submissions", e); r.status != http.StatusCreated {
			t.Fatalf("fresh submission: %d %s", r.status, r.body)
		}
		id := e["id"].(string)
		if deleted {
			if r := admin.do("DELETE", "/api/v1/forms/household/submissions/"+id, nil); r.status != http.StatusNoContent {
				t.Fatalf("delete fresh submission: %d %s", r.status, r.body)
			}
		}
		return id
	}
	freshHook := func() string {
		var h struct{ ID string }
		r := admin.do("POST", "/api/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"create"}})
		if r.status != http.StatusCreated {
			t.Fatalf("webhook: %d %s", r.status, r.body)
		}
		r.json(t, &h)
		return h.ID
	}
	hook := freshHook()
	plan := newPlanMatrix(t, admin)
	// The shared submission carries an attachment to read.
	if r := owner.raw("PUT", "/api/v1/forms/household/submissions/"+e["id"].(string)+"/attachments/giay_khai_sinh.png", pngBytes, "Content-Type", "image/png"); r.status != http.StatusCreated {
		t.Fatalf("attachment: %d %s", r.status, r.body)
	}
	type caller struct {
		c        *client
		env      matrixEnv
		role     string
		insideIx int
	}
	var callers []caller
	for _, role := range matrixRoles {
		for ix, unit := range []string{unitIn, unitOut} {
			c, env := newClient(t, shared), matrixEnv{}
			if role != "anonymous" {
				c, env = matrixUser(t, role, unit)
			}
			env.sub, env.userID, env.code = e["id"].(string), ownerEnv.userID, enr.Code
			env.seesSensitive = role == "manager" || role == "admin"
			env.freshForm, env.freshSub, env.freshHook, env.hook = freshForm, freshSub, freshHook, hook
			env.plan = plan
			callers = append(callers, caller{c, env, role, ix})
		}
	}
	for _, rt := range routes {
		rc, ok := matrix[rt]
		if !ok {
			continue
		}
		for _, cl := range callers {
			where := [2]string{"inside", "outside"}[cl.insideIx]
			t.Run(fmt.Sprintf("%s/%s/%s", rt, cl.role, where), func(t *testing.T) {
				w, ok := rc.roles[cl.role]
				if !ok {
					t.Fatalf("no expectation for role %s", cl.role)
				}
				method, path, body := rc.req(cl.env)
				cl.c.tb = t
				var headers []string
				if rc.headers != nil {
					headers = rc.headers(cl.env)
				}
				var res response
				if raw, ok := body.([]byte); ok {
					res = cl.c.raw(method, path, raw, headers...)
				} else {
					res = cl.c.do(method, path, body, headers...)
				}
				if res.status != w[cl.insideIx] {
					t.Fatalf("%s %s: %d, want %d: %.300s", method, path, res.status, w[cl.insideIx], res.body)
				}
				if s, ok := rc.sees[cl.role]; ok {
					var page struct {
						Items []struct{ ID string } `json:"items"`
					}
					res.json(t, &page)
					found := false
					for _, it := range page.Items {
						found = found || it.ID == cl.env.sub
					}
					if found != s[cl.insideIx] {
						t.Errorf("the page holds the submission: %v, want %v", found, s[cl.insideIx])
					}
					// A supervisor or manager of B listing A gets an empty page.
					if cl.insideIx == 1 && (cl.role == "supervisor" || cl.role == "manager") && len(page.Items) != 0 {
						t.Errorf("a %s of %s listing %s sees %d submissions, want none", cl.role, unitOut, unitIn, len(page.Items))
					}
				}
			})
		}
	}
}

// matrixUser creates an account and returns a client logged in as it,
// with its credentials and a spare refresh token.
func matrixUser(t *testing.T, role, unit string) (*client, matrixEnv) {
	t.Helper()
	env := matrixEnv{username: "mx-" + role + "-" + uuid.NewString()[:8], password: "password-" + uuid.NewString()[:8]}
	res := adminClient(t, shared).do("POST", "/api/v1/users", map[string]any{
		"username": env.username, "password": env.password, "display_name": env.username, "role": role, "units": []string{unit}})
	if res.status != http.StatusCreated {
		t.Fatalf("create %s: %d %s", role, res.status, res.body)
	}
	var u struct{ ID string }
	res.json(t, &u)
	env.userID = u.ID
	var lr struct {
		RefreshToken string `json:"refresh_token"`
	}
	newClient(t, shared).do("POST", "/api/v1/auth/login", map[string]string{"username": env.username, "password": env.password}).json(t, &lr)
	env.refresh = lr.RefreshToken
	return newClient(t, shared).login(env.username, env.password), env
}

// TestChangeFeedMatrix: for every form × role × sensitive grant, inside
// and outside the unit, the change feed lists a submission exactly when
// reading that submission succeeds. On the hiv form a supervisor without
// the grant reads only their own submissions, so the feed must not list
// another collector's (its id, unit, date and collector are themselves
// sensitive).
func TestChangeFeedMatrix(t *testing.T) {
	owner, _ := matrixUser(t, "collector", unitIn)
	admin := adminClient(t, shared)
	start := feedEnd(t, admin)
	subs := map[string]string{} // form → submission id
	for _, form := range formIDs {
		ex := validExamples(t, form)
		names := make([]string, 0, len(ex))
		for n := range ex {
			names = append(names, n)
		}
		sort.Strings(names)
		e := envelope(ex[names[0]])
		if r := owner.do("POST", "/api/v1/forms/"+form+"/submissions", e); r.status != http.StatusCreated {
			t.Fatalf("submit %s: %d %s", form, r.status, r.body)
		}
		subs[form] = e["id"].(string)
	}
	type caller struct {
		name     string
		c        *client
		sees     func(form string, inside bool) bool // the expectation, independent of the reads
		inside   bool
		ownerCli bool
	}
	var callers []caller
	callers = append(callers, caller{name: "owner", c: owner, inside: true, ownerCli: true,
		sees: func(string, bool) bool { return true }})
	for _, role := range matrixRoles[1:] {
		grants := []bool{false}
		if role == "supervisor" {
			grants = []bool{false, true}
		}
		for _, grant := range grants {
			for _, unit := range []string{unitIn, unitOut} {
				name := fmt.Sprintf("%s/grant=%v/%s", role, grant, map[bool]string{true: "inside", false: "outside"}[unit == unitIn])
				var c *client
				if grant {
					c = grantedSupervisor(t, shared, unit)
				} else {
					c, _ = matrixUser(t, role, unit)
				}
				role, grant, inside := role, grant, unit == unitIn
				callers = append(callers, caller{name: name, c: c, inside: inside, sees: func(form string, inside bool) bool {
					switch role {
					case "admin":
						return true
					case "manager":
						return inside
					case "supervisor":
						return inside && (form != "hiv" || grant)
					}
					return false // collectors see their own only; designers read no data
				}})
			}
		}
	}

	for _, cl := range callers {
		for _, form := range formIDs {
			t.Run(cl.name+"/"+form, func(t *testing.T) {
				id := subs[form]
				want := cl.sees(form, cl.inside)
				r := cl.c.do("GET", "/api/v1/forms/"+form+"/submissions/"+id, nil)
				if read := r.status == http.StatusOK; read != want {
					t.Fatalf("reading the %s submission: %d, want readable=%v", form, r.status, want)
				}
				fr := cl.c.do("GET", "/api/v1/changes?limit=1000&form="+form+"&cursor="+url.QueryEscape(start), nil)
				if fr.status == http.StatusForbidden && !want {
					return // a role that reads no data reads no feed
				}
				if fr.status != http.StatusOK {
					t.Fatalf("changes: %d %s", fr.status, fr.body)
				}
				var p feedPage
				fr.json(t, &p)
				listed := false
				for _, it := range p.Items {
					listed = listed || it.ID == id
					if it.Form != form {
						t.Errorf("asked for form %s, got an event of %s", form, it.Form)
					}
				}
				if listed != want {
					t.Errorf("the feed lists the %s submission: %v, want %v (as reading it)", form, listed, want)
				}
			})
		}
	}
}
