package survey

import "context"

// Store is every store interface of the core together: what one database
// adapter (internal/sqlite, internal/mongo) provides, and what the wiring
// hands to the services, with the stores of the packages beside the core
// (indicator.FactsStore; app.Store names them all).
type Store interface {
	FormStore
	LifecycleStore
	AuditStore
	AttachmentStore
	WebhookStore
	SubmissionStreamer
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
}
