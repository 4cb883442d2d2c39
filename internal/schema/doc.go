// Package schema compiles the survey forms in forms/ (JSON Schema draft
// 2020-12 documents for a submission's data object, annotated with the x-
// vocabulary documented in forms/README.md), validates answers against them
// with bilingual, per-field errors, and converts answers between their API
// JSON form, their storage form and a canonical encoding.
//
// The JSON Schema keywords are enforced by github.com/santhosh-tekuri/jsonschema/v6
// with format assertions on; this package adds what a schema cannot say: the
// age rules x-age and x-age-bands, which depend on the survey date.
package schema
