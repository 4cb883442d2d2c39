package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/khaosat/khaosat"
	"github.com/khaosat/khaosat/internal/account"
	"github.com/khaosat/khaosat/internal/export"
	"github.com/khaosat/khaosat/internal/indicator"
	"github.com/khaosat/khaosat/internal/protect"
	"github.com/khaosat/khaosat/internal/registry"
	"github.com/khaosat/khaosat/internal/survey"
)

// Services are the domain services over one store.
type Services struct {
	Units      *survey.Units
	Auditor    *survey.Auditor
	Catalog    *survey.Catalog
	Indicators *indicator.Indicators
	Intake     *survey.Intake
	Answers    *protect.Answers // the sealing of answers intake writes through, and its jobs
	Lifecycle  *survey.Lifecycle
	Hooks      *survey.Hooks
	Exports    *survey.Exports
	Accounts   *account.Accounts // nil without a Hasher
	// Registry is the registry of households and children; nil on a
	// store that keeps none.
	Registry *registry.Hook
	// Records answers the registry's reads and decisions (nil with
	// Registry).
	Records *registry.Service
}

// Config is what the services need besides the store.
type Config struct {
	Log *slog.Logger
	// Protection keeps answers safe at rest; its Answers and Audit are
	// set here.
	Protection survey.Protection
	// Hasher hashes passwords; nil builds no account service.
	Hasher account.PasswordHasher
	// Throttle limits failed logins (nil: account.DefaultThrottle).
	Throttle *account.Throttle
	// EnrollmentTTL is how long an enrolment code lives (0:
	// account.EnrollmentTTL).
	EnrollmentTTL time.Duration
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
	// URLCheck decides which URLs a webhook may be registered for (nil:
	// every URL the format allows).
	URLCheck survey.URLChecker
}

// Build builds the services over store.
func Build(ctx context.Context, store Store, c Config) (*Services, error) {
	units, err := survey.LoadUnits(khaosat.Content, khaosat.UnitsDir)
	if err != nil {
		return nil, err
	}
	s := &Services{Units: units, Auditor: survey.NewAuditor(store)}
	s.Catalog = survey.NewCatalog(store, c.Log, survey.WithAuditor(s.Auditor))
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
	s.Answers = protect.New(prot.Sealer, s.Catalog)
	prot.Answers = s.Answers
	opts := []survey.IntakeOption{survey.WithFacts(facts), survey.WithFeed(survey.NewFeed(store))}
	if s.Registry, err = buildRegistry(store, units, s.Catalog); err != nil {
		return nil, err
	} else if s.Registry != nil {
		opts = append(opts, survey.WithRegistry(s.Registry))
		s.Records = registry.NewService(store.(registry.Store), units, s.Auditor)
		if c.Publish { // the server's start: a database from before the registry gets one
			if built, err := s.Registry.BuildOnce(ctx); err != nil {
				return nil, err
			} else if built && c.Log != nil {
				c.Log.Info("registry of households and children built from the stored submissions")
			}
		}
	}
	if s.Intake, err = survey.NewIntake(store, s.Catalog, units, prot, opts...); err != nil {
		return nil, err
	}
	// The indicators read stored submissions back through intake, which
	// opens their sealed answers.
	s.Indicators = indicator.NewIndicators(facts, store, s.Intake, prot.Sealer, c.Log)
	maxAtt := c.MaxAttachment
	if maxAtt <= 0 {
		maxAtt = survey.DefaultMaxAttachment
	}
	s.Lifecycle = survey.NewLifecycle(s.Intake, store, s.Auditor, survey.WithAttachments(store, maxAtt, c.AttachmentQuota))
	s.Hooks = survey.NewHooks(store, s.Intake, survey.WithURLCheck(c.URLCheck))
	s.Exports = survey.NewExports(s.Intake, store, s.Auditor, export.Formats(), survey.WithExportLimits(c.Exports))
	if sc, ok := store.(interface{ SetScanConns(int) }); ok {
		// The embedded engine's pool of long scans: one connection per
		// running export, and one more for a background scan (an
		// indicator rebuild, a reseal) so that it never waits for exports.
		sc.SetScanConns(s.Exports.Load().MaxRunning + 1)
	}
	if c.Hasher != nil {
		var opts []account.Option
		if c.Throttle != nil {
			opts = append(opts, account.WithThrottle(c.Throttle))
		}
		if c.EnrollmentTTL > 0 {
			opts = append(opts, account.WithEnrollmentTTL(c.EnrollmentTTL))
		}
		if s.Accounts, err = account.NewAccounts(store, store, c.Hasher, units, s.Auditor, opts...); err != nil {
			return nil, err
		}
	}
	return s, nil
}
