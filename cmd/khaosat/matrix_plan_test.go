package main

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
)

// planMatrix is what the plan's routes of the authorization matrix act
// on: a report of unitIn to read, and fresh ones to decide on.
type planMatrix struct {
	// report is the period of a report of unitIn, submitted by its officer.
	report string
	// freshPeriod returns a quarter no report exists for yet.
	freshPeriod func() string
	// freshReport submits, as the officer of unitIn, a report of a fresh
	// quarter and returns the quarter.
	freshReport func() string
	// freshTarget sets, as the admin, the target a removal removes.
	freshTarget func()
}

var planQuarter atomic.Int64

func newPlanMatrix(t *testing.T, admin *client) planMatrix {
	officer, _ := matrixUser(t, "supervisor", unitIn)
	p := planMatrix{}
	p.freshPeriod = func() string {
		n := planQuarter.Add(1)
		return fmt.Sprintf("%dQ%d", 2030+n/4, n%4+1)
	}
	p.freshReport = func() string {
		period := p.freshPeriod()
		if r := officer.do("POST", "/api/v1/plan/reports/"+period+"/"+unitIn+"/submit", nil); r.status != http.StatusOK {
			t.Fatalf("submit a report: %d %s", r.status, r.body)
		}
		return period
	}
	p.freshTarget = func() {
		if r := admin.do("PUT", "/api/v1/plan/targets/2026Q2/"+unitIn+"/CHILD_POP", map[string]any{"value": 5}); r.status != http.StatusOK {
			t.Fatalf("set a target: %d %s", r.status, r.body)
		}
	}
	p.report = p.freshReport()
	return p
}

// planReaders: whoever reads the indicators reads the plan's numbers of
// their own units; a report of another unit is not there for them.
func planReaders(outside int) map[string]want {
	m := indicatorReaders()
	m["supervisor"] = want{200, outside}
	m["manager"] = want{200, outside}
	return m
}

// deciders: only the parent unit's supervisor decides (here only the
// admin reaches the city); the commune's own supervisor is refused, one of
// another commune does not see the report.
func deciders() map[string]want {
	m := authed(403)
	m["supervisor"] = want{403, 404}
	m["admin"] = want{200, 200}
	return m
}

func init() {
	reportPath := func(e matrixEnv, suffix string) string {
		return "/api/v1/plan/reports/" + e.plan.report + "/" + unitIn + suffix
	}
	officers := authed(403)
	officers["supervisor"] = want{200, 403}
	officers["manager"] = want{200, 403}
	officers["admin"] = want{200, 200}
	setters := authed(403)
	setters["manager"] = want{200, 403}
	setters["admin"] = want{200, 200}
	removers := authed(403)
	removers["manager"] = want{204, 403}
	removers["admin"] = want{204, 204}
	importers := authed(403)
	importers["manager"] = want{200, 422} // each row outside the area is a failing row
	importers["admin"] = want{200, 200}
	listers := authed(403)
	for _, r := range []string{"supervisor", "manager", "admin"} {
		listers[r] = want{200, 200}
	}
	for k, v := range map[string]routeCase{
		"GET /api/v1/plan/targets": {req: get("/api/v1/plan/targets?period=2026Q2"), roles: listers},
		"PUT /api/v1/plan/targets/:period/:unit/:indicator": {req: func(matrixEnv) (string, string, any) {
			return "PUT", "/api/v1/plan/targets/2026Q2/" + unitIn + "/BIRTH_REG_U5", map[string]any{"value": 95}
		}, roles: setters},
		"DELETE /api/v1/plan/targets/:period/:unit/:indicator": {req: func(e matrixEnv) (string, string, any) {
			e.plan.freshTarget()
			return "DELETE", "/api/v1/plan/targets/2026Q2/" + unitIn + "/CHILD_POP", nil
		}, roles: removers},
		"POST /api/v1/plan/targets/import": {req: func(matrixEnv) (string, string, any) {
			return "POST", "/api/v1/plan/targets/import", []byte("indicator,unit,period,value\nSCHOOL_6_14," + unitIn + ",2026Q2,97\n")
		}, headers: func(matrixEnv) []string { return []string{"Content-Type", "text/csv"} }, roles: importers},
		"GET /api/v1/plan/dashboard": {req: get("/api/v1/plan/dashboard?period=2026Q2&unit=" + unitIn), roles: indicatorReaders()},
		"GET /api/v1/plan/status":    {req: get("/api/v1/plan/status?period=2026Q2&unit=" + unitIn), roles: indicatorReaders()},
		"GET /api/v1/plan/reminders": {req: get("/api/v1/plan/reminders?period=2026Q2"), roles: listers},
		"GET /api/v1/plan/reports/:period/:unit": {req: func(e matrixEnv) (string, string, any) {
			return "GET", reportPath(e, ""), nil
		}, roles: planReaders(404)},
		"GET /api/v1/plan/reports/:period/:unit/xlsx": {req: func(e matrixEnv) (string, string, any) {
			return "GET", reportPath(e, "/xlsx"), nil
		}, roles: planReaders(404)},
		"POST /api/v1/plan/reports/:period/:unit/submit": {req: func(e matrixEnv) (string, string, any) {
			return "POST", "/api/v1/plan/reports/" + e.plan.freshPeriod() + "/" + unitIn + "/submit", nil
		}, roles: officers},
		"POST /api/v1/plan/reports/:period/:unit/approve": {req: func(e matrixEnv) (string, string, any) {
			return "POST", "/api/v1/plan/reports/" + e.plan.freshReport() + "/" + unitIn + "/approve", nil
		}, roles: deciders()},
		"POST /api/v1/plan/reports/:period/:unit/return": {req: func(e matrixEnv) (string, string, any) {
			return "POST", "/api/v1/plan/reports/" + e.plan.freshReport() + "/" + unitIn + "/return", map[string]any{"comment": "Thiếu"}
		}, roles: deciders()},
	} {
		matrix[k] = v
	}
}
