// Package openrosa speaks the ODK family's formats: every published form
// version as an XForm 1.0 document (itext in Vietnamese and English,
// repeats, selects, relevance, constraints with the age rules, the
// envelope as metadata), the OpenRosa form list and manifest, and the
// instance XML a client submits turned into khaosat's JSON envelope, so
// that a submission from ODK Collect or ODK Web Forms goes through the
// same intake as one from the phone app.
package openrosa
