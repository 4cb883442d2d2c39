// Package khaosat holds the project's declarative content, embedded so that
// the binary runs from any directory: the form schemas and unit lists of
// forms/ and the HTTP contract api/openapi.yaml. All code is under internal/.
package khaosat

import "embed"

// Content is forms/ (the *.json form schemas, their release notes and units/) and api/openapi.yaml.
//
//go:embed forms/*.json forms/notes/*.txt forms/units/*.csv forms/units/*.json forms/indicators/*.json api/openapi.yaml
var Content embed.FS

// FormsDir and UnitsDir are the paths of the forms and units inside Content.
const (
	FormsDir = "forms"
	UnitsDir = "forms/units"
	OpenAPI  = "api/openapi.yaml"
)

// IndicatorsFile is the indicator set's definitions inside Content.
const IndicatorsFile = "forms/indicators/indicators.json"
