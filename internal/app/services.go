package app

import (
	"context"
	"log/slog"

	"github.com/khaosat/khaosat"
	"github.com/khaosat/khaosat/internal/export"
	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/plan"
	"github.com/khaosat/khaosat/internal/survey"
)

// Services are the domain services over one store.
type Services struct {
	Units      *survey.Units
	Auditor    *survey.Auditor
	Catalog    *survey.Catalog
	Indicators *indicator.Indicators
	Intake     *survey.Intake
	Lifecycle  *survey.Lifecycle
	Hooks      *survey.Hooks
	Exports    *survey.Exports
	Accounts   *survey.Accounts // nil without a Hasher
	Plan       *plan.Service
}

// Config is what the services need besides the store.
type Config struct {
	Log *slog.Logger
	// Protection keeps answers safe at rest; its Audit is set here.
	Protection survey.Protection
	// Hasher hashes passwords; nil builds no account service.
	Hasher survey.PasswordHasher
	// MaxAttachment is the size limit of one attachment (0: the default).
	MaxAttachment int64
	// AttachmentQuota bounds attachments per submission and per user
	// and day (zero fields: no limit).
	AttachmentQuota survey.AttachmentQuota
	// Publish publishes the shipped form files that changed (the server
	// does it at start-up; read-only verbs do not).
	Publish bool
	// Exports bound the exports at once (zero fields: the defaults).
	Exports survey.ExportLimits
}

// Build builds the services over store.
func Build(ctx context.Context, store Store, c Config) (*Services, error) {
	units, err := survey.LoadUnits(khaosat.Content, khaosat.UnitsDir)
	if err != nil {
		return nil, err
	}
	s := &Services{Units: units, Auditor: survey.NewAuditor(store)}
	s.Catalog = survey.NewCatalog(store, c.Log).UseAuditor(s.Auditor)
	if c.Publish {
		if err := s.Catalog.PublishDir(ctx, khaosat.Content, khaosat.FormsDir); err != nil {
			return nil, err
		}
	}
	set, err := indicator.LoadSet(khaosat.Content, khaosat.FormsDir, khaosat.IndicatorsFile)
	if err != nil {
		return nil, err
	}
	facts := indicator.NewDeriver(set, units)
	prot := c.Protection
	prot.Audit = s.Auditor
	if s.Intake, err = survey.NewIntake(store, s.Catalog, units, prot, survey.WithFacts(facts), survey.WithFeed(survey.NewFeed(store))); err != nil {
		return nil, err
	}
	// The indicators read stored submissions back through intake, which
	// opens their sealed answers.
	s.Indicators = indicator.NewIndicators(facts, store, s.Intake, prot.Sealer, c.Log)
	s.Lifecycle = survey.NewLifecycle(s.Intake, store, s.Auditor)
	maxAtt := c.MaxAttachment
	if maxAtt <= 0 {
		maxAtt = survey.DefaultMaxAttachment
	}
	s.Lifecycle.UseAttachments(store, maxAtt)
	s.Lifecycle.AttachmentQuota = c.AttachmentQuota
	s.Hooks = survey.NewHooks(store, s.Intake)
	s.Plan = plan.New(store, s.Indicators, units, s.Auditor, prot.Sealer, store)
	s.Exports = survey.NewExports(s.Intake, store, s.Auditor, export.Formats()).Limit(c.Exports)
	if sc, ok := store.(interface{ SetScanConns(int) }); ok {
		// The embedded engine's pool of long scans: one connection per
		// running export, and one more for a background scan (an
		// indicator rebuild, a reseal) so that it never waits for exports.
		sc.SetScanConns(s.Exports.Load().MaxRunning + 1)
	}
	if c.Hasher != nil {
		if s.Accounts, err = survey.NewAccounts(store, store, c.Hasher, units, s.Auditor); err != nil {
			return nil, err
		}
	}
	return s, nil
}
