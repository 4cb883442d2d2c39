package survey

import "context"

// Store is every store interface of the domain together: what one
// database adapter (internal/sqlite, internal/mongo) provides, and what
// the wiring hands to the services.
type Store interface {
	FormStore
	UserStore
	SessionStore
	LifecycleStore
	AuditStore
	AttachmentStore
	WebhookStore
	SubmissionStreamer
	SealedStore
	StoredSealStore
	SealedFactsCounter
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
}
