// Package xlsform reads XLSForm workbooks (the spreadsheets ODK, KoboToolbox
// and SurveyCTO designers write) into khaosat's form vocabulary, JSON Schema
// with the x- annotations of forms/README.md, and writes published forms
// back as XLSForm.
//
// Only what the vocabulary can say is read: every row, column or
// expression outside it is refused with its sheet, row and column and a
// reason in Vietnamese and English, never dropped silently. The relevance,
// requirement and constraint expressions are a small subset of XPath that
// maps exactly onto JSON Schema keywords (if/then rules, minimum, pattern,
// ...), so that the server and the phone validate an imported form with
// the JSON Schema validators they already have. forms/README.md lists the
// subset.
package xlsform
