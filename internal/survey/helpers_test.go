package survey_test

import "golang.org/x/text/unicode/norm"

func normalized(s string) string { return norm.NFC.String(s) }
