package export

import "github.com/khaosat/khaosat/internal/survey"

// Formats are the export formats, by the name of the format parameter.
func Formats() map[string]survey.ExportFormat {
	return map[string]survey.ExportFormat{
		"csv":   {ContentType: "text/csv; charset=utf-8", Extension: "csv", New: NewCSV},
		"zip":   {ContentType: "application/zip", Extension: "zip", New: NewZip},
		"xlsx":  {ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Extension: "xlsx", New: NewXLSX},
		"jsonl": {ContentType: "application/x-ndjson; charset=utf-8", Extension: "jsonl", New: NewJSONL},
	}
}
