package httpapi

import (
	"github.com/khaosat/khaosat/internal/msg"
	"github.com/khaosat/khaosat/internal/survey"
)

// multiLine are the request fields whose text may run over several lines.
var multiLine = survey.NamedLines("text", "comment", "notes")

// checkText refuses a JSON body with invalid UTF-8 or a control character
// in any string, naming the field (422); see survey.CheckText.
func checkText(body []byte) error {
	fe := survey.CheckText(body, "", multiLine)
	if len(fe) == 0 {
		return nil
	}
	e := survey.Errorf(survey.CodeInvalid, msg.TextInvalid)
	e.Fields = fe
	return e
}
