// Package storetest is the contract every store of the survey domain
// keeps, as a test suite an adapter runs against its engine:
//
//	func TestContract(t *testing.T) { storetest.Run(t, open, storetest.Caveats{}) }
//
// It covers what each store interface promises, and races each rule that
// must hold under concurrency: a refresh token used twice at once, one
// enrolment code from three phones, ten edits of one revision, a purge
// and a restore of one deleted submission, ten key rotations at once and
// ten writes of one kept revision's sealed answers, fifty stores of one submission
// id, and a change feed without gaps under concurrent writers.
package storetest

import (
	"testing"

	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/protect"
	"github.com/khaosat/khaosat/internal/seal"
	"github.com/khaosat/khaosat/internal/survey"
)

// Stores is what an adapter provides: every store interface of the domain.
type Stores interface {
	survey.Store
	indicator.FactsStore
	account.UserStore
	account.SessionStore
	protect.SealedStore
	protect.StoredSealStore
	protect.SealedFactsCounter
}

// Caveats name guarantees an engine cannot keep; the tests of such a
// guarantee are skipped with the reason given, so the gap shows by name
// in the test output instead of hiding.
type Caveats struct {
	// NoAtomicConditionalUpdates: a conditional update can match twice
	// (FerretDB 1.24 evaluates the filter and writes in two steps).
	NoAtomicConditionalUpdates string
	// NoElemMatch: conditions that must hold for one item of a repeat
	// cannot be asked of the engine ($elemMatch on array items).
	NoElemMatch string
}

// Run runs the contract against stores made by open, a fresh, empty
// database per call.
func Run(t *testing.T, open func(t *testing.T) Stores, c Caveats) {
	open = withFactSealer(open)
	t.Run("Submissions", func(t *testing.T) { t.Parallel(); testSubmissions(t, open(t), c) })
	t.Run("ConditionalChange", func(t *testing.T) { t.Parallel(); testConditionalChange(t, open(t)) })
	t.Run("Facts", func(t *testing.T) { t.Parallel(); testFacts(t, open(t)) })
	t.Run("SensitiveFacts", func(t *testing.T) { t.Parallel(); testSensitiveFacts(t, open(t)) })
	t.Run("RebuildAfterChange", func(t *testing.T) { t.Parallel(); testRebuildAfterChange(t, open(t)) })
	t.Run("FactsManyCommunes", func(t *testing.T) { t.Parallel(); testFactsManyCommunes(t, open(t)) })
	t.Run("Records", func(t *testing.T) { t.Parallel(); testRecords(t, open(t)) })
	t.Run("Grants", func(t *testing.T) { t.Parallel(); testGrants(t, open(t)) })
	t.Run("Sessions", func(t *testing.T) { t.Parallel(); testSessions(t, open(t)) })
	t.Run("Attachments", func(t *testing.T) { t.Parallel(); testAttachments(t, open(t)) })
	t.Run("AttachmentReplaced", func(t *testing.T) { t.Parallel(); testAttachmentReplaced(t, open(t)) })
	t.Run("AttachmentLimits", func(t *testing.T) { t.Parallel(); testAttachmentLimits(t, open(t)) })
	t.Run("Housekeeping", func(t *testing.T) { t.Parallel(); testHousekeeping(t, open(t)) })
	t.Run("PurgeDeleted", func(t *testing.T) { t.Parallel(); testPurgeDeleted(t, open(t)) })
	t.Run("PendingDeliveries", func(t *testing.T) { t.Parallel(); testPendingDeliveries(t, open(t)) })
	t.Run("KeyRotation", func(t *testing.T) { t.Parallel(); testKeyRotation(t, open(t)) })
	t.Run("KeyRotationInterrupted", func(t *testing.T) { t.Parallel(); testKeyRotationInterrupted(t, open(t)) })
	t.Run("EditKeepsUnderCurrentKey", func(t *testing.T) { t.Parallel(); testEditKeepsUnderCurrentKey(t, open(t)) })
	t.Run("EditKeepsWithheld", func(t *testing.T) { t.Parallel(); testEditKeepsWithheld(t, open(t)) })
	t.Run("StreamsReadWhileStreaming", func(t *testing.T) { t.Parallel(); testStreamsReadWhileStreaming(t, open(t)) })
	race := func(name string, fn func(t *testing.T, s Stores)) {
		t.Run(name, func(t *testing.T) {
			if c.NoAtomicConditionalUpdates != "" {
				t.Skip("not kept by this engine: " + c.NoAtomicConditionalUpdates)
			}
			t.Parallel()
			fn(t, open(t))
		})
	}
	race("RaceRefreshTokenTwice", testRaceRefresh)
	race("RaceEnrollmentThreePhones", testRaceEnrollment)
	race("RaceTenEditsOfOneRevision", testRaceEdits)
	race("RacePurgeAndRestore", testRacePurgeRestore)
	race("RaceTenResealsOfOneKeptRevision", testRaceResealsOfOneRevision)
	race("RaceTenEditsLeavingWithheldOut", testRaceWithheldEdits)
	race("RaceTenUploadsPastTheLimits", testRaceAttachmentLimits)
	// Every box written is under the new key, whichever write wins.
	t.Run("RaceTenRotations", func(t *testing.T) { t.Parallel(); testRaceRotations(t, open(t)) })
	// These rest on the unique _id only, which every engine keeps.
	t.Run("RaceFiftyCreatesOfOneID", func(t *testing.T) { t.Parallel(); testRaceCreates(t, open(t)) })
	t.Run("RaceFiftySyncsOfOneID", func(t *testing.T) { t.Parallel(); testRaceSyncs(t, open(t)) })
	t.Run("FeedWithoutGapsUnderConcurrentWriters", func(t *testing.T) { t.Parallel(); testFeedGapFree(t, open(t)) })
}

// withFactSealer gives every store open makes a fact sealer under a fresh
// data key, as the intake does.
func withFactSealer(open func(t *testing.T) Stores) func(t *testing.T) Stores {
	return func(t *testing.T) Stores {
		s := open(t)
		s.UseFactSealer(TestFactSealer(t))
		return s
	}
}

// TestFactSealer returns a fact sealer under a fresh data key.
func TestFactSealer(t testing.TB) indicator.FactSealer {
	t.Helper()
	key, err := seal.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	ring, err := seal.NewKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	return indicator.NewFactSealer(ring)
}
