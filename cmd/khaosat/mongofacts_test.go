package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/http"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/khaosat/khaosat/internal/mongo"
	"github.com/khaosat/khaosat/internal/mongotest"
)

// TestSensitiveIndicatorsSealedOnMongoDB: on MongoDB (the stand-in), a
// household with a child in special circumstances counts in CSPC_RATE
// through its intake and an edit, and no document of any collection holds
// an indicator cell of a sensitive indicator in clear, while the clear
// indicators' cells are there to count by $group. A database from before
// sealing (its cells in clear, the facts hash of then) is cleaned by the
// rebuild at the next start.
func TestSensitiveIndicatorsSealedOnMongoDB(t *testing.T) {
	emb, err := mongotest.StartEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Stop(context.Background()) })
	dataDir := t.TempDir()
	const dbName = "sealed_facts_test"
	first, err := startServer(dataDir, "--mongodb-uri", emb.URI(), "--database", dbName)
	if err != nil {
		t.Fatal(err)
	}
	col := newUser(t, first, "collector", "00004")
	admin := adminClient(t, first)
	e := envelope(householdData(t)) // 3 children under 16, one in special circumstances
	if r := col.do("POST", "/api/v1/forms/household/submissions", e); r.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	e["data"].(map[string]any)["address"] = "Số 14"
	if r := admin.do("PUT", "/api/v1/forms/household/submissions/"+e["id"].(string), e, "If-Match", `"1"`); r.status != http.StatusOK {
		t.Fatalf("edit: %d %s", r.status, r.body)
	}
	checkHouseholdCounts(t, admin)
	ctx := context.Background()
	store, err := mongo.Connect(ctx, emb.URI(), dbName)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(ctx)
	checkNoClearSensitiveCells(t, store)
	if err := first.stop(); err != nil {
		t.Fatal(err)
	}

	// As a database from before sealing: a sensitive cell in clear, no
	// box, and the facts hash of the definitions alone.
	subs := store.Database().Collection("submissions")
	if _, err := subs.UpdateOne(ctx, bson.D{{Key: "_id", Value: e["id"]}}, bson.D{
		{Key: "$unset", Value: bson.D{{Key: "fs", Value: ""}}},
		{Key: "$push", Value: bson.D{{Key: "facts", Value: bson.D{{Key: "h", Value: "h2025"}, {Key: "u", Value: "00004"},
			{Key: "i", Value: "CSPC_RATE"}, {Key: "s", Value: "female"}, {Key: "a", Value: "5-11"}, {Key: "d", Value: 1}, {Key: "n", Value: 1}, {Key: "p", Value: int64(1)<<32 | 1}}}}}}); err != nil {
		t.Fatal(err)
	}
	if err := store.SetIndicatorSetHash(ctx, "the definitions' hash before sealing"); err != nil {
		t.Fatal(err)
	}
	if raw, err := subs.FindOne(ctx, bson.D{{Key: "_id", Value: e["id"]}}).Raw(); err != nil || !bytes.Contains(raw, cellOf("CSPC_RATE")) {
		t.Fatalf("the document made as from before sealing holds no clear CSPC_RATE cell (%v): the restart proves nothing", err)
	}
	second := mustStart(t, dataDir, "--mongodb-uri", emb.URI(), "--database", dbName)
	admin.base = second.base
	checkNoClearSensitiveCells(t, store)
	checkHouseholdCounts(t, admin)
}

// checkHouseholdCounts checks what the household of householdData adds
// to commune 00004 in 2026, alone there.
func checkHouseholdCounts(t *testing.T, admin *client) {
	t.Helper()
	for code, want := range map[string][2]int{"CSPC_RATE": {1, 3}, "CHILD_POP": {3, 3}} {
		var res struct {
			Rows []struct {
				Numerator   *int `json:"numerator"`
				Denominator *int `json:"denominator"`
			} `json:"rows"`
		}
		r := admin.do("GET", "/api/v1/indicators/"+code+"?period=2026&unit=00004", nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", code, r.status, r.body)
		}
		r.json(t, &res)
		var got [2]int
		for _, row := range res.Rows {
			if row.Numerator != nil && row.Denominator != nil {
				got[0] += *row.Numerator
				got[1] += *row.Denominator
			}
		}
		if got != want {
			t.Errorf("%s of 00004: numerator, denominator %v, want %v", code, got, want)
		}
	}
}

// checkNoClearSensitiveCells reads every document of every collection as
// stored: cells of CHILD_POP are there, none of a sensitive indicator.
func checkNoClearSensitiveCells(t *testing.T, store *mongo.Store) {
	t.Helper()
	ctx := context.Background()
	db := store.Database()
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]int{}
	for _, name := range names {
		cur, err := db.Collection(name).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		for cur.Next(ctx) {
			for _, code := range []string{"CHILD_POP", "CSPC_RATE", "CSPC_ASSISTED", "HIV_STATUS_KNOWN", "ON_ART", "AIDS_ORPHANS", "OVC_SUPPORT"} {
				if bytes.Contains(cur.Current, cellOf(code)) {
					found[code]++
					if code != "CHILD_POP" {
						t.Errorf("%s: document %v holds a cell of %s in clear", name, cur.Current.Lookup("_id"), code)
					}
				}
			}
		}
		if err := cur.Err(); err != nil {
			t.Fatal(err)
		}
		cur.Close(ctx)
	}
	if found["CHILD_POP"] == 0 {
		t.Fatal("no clear cell of CHILD_POP found either: the scan proves nothing")
	}
}

// cellOf is how an indicator cell names its indicator in BSON: the string
// element "i" holding code.
func cellOf(code string) []byte {
	b := []byte{0x02, 'i', 0}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(code)+1))
	return append(append(b, code...), 0)
}
