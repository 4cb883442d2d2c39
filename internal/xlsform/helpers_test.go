package xlsform_test

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// sheetRows is a sheet's rows, the header first.
type sheetRows [][]string

// Book writes a workbook with the given sheets, in order.
func Book(tb testing.TB, sheets ...any) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i := 0; i+1 < len(sheets); i += 2 {
		name, rows := sheets[i].(string), sheets[i+1].(sheetRows)
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				tb.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			tb.Fatal(err)
		}
		for r, row := range rows {
			cells := make([]any, len(row))
			for j, c := range row {
				cells[j] = c
			}
			at, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, at, &cells); err != nil {
				tb.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

var (
	surveyHead  = []string{"type", "name", "label::vi", "label::en", "hint::vi", "hint::en", "required", "relevant", "constraint", "calculation", "appearance"}
	choicesHead = []string{"list_name", "name", "label::vi", "label::en"}
	settingsTab = sheetRows{{"form_id", "form_title::vi", "form_title::en"}, {"visit", "Phiếu thăm trẻ", "Child visit"}}
)

// visitSurvey is a form as a designer would write it: a group, a
// repeat, relevance, constraints, a generated identifier.
func visitSurvey() sheetRows {
	return sheetRows{surveyHead,
		{"text", "child_id", "Mã trẻ", "Child ID", "", "", "", "", "", "uuid()"},
		{"start", "start"},
		{"begin_group", "about", "Về trẻ", "About the child", "", "", "", "", "", "", "field-list"},
		{"text", "child_name", "Tên trẻ", "Child's name", "", "", "yes", "", "string-length(.) >= 1 and string-length(.) <= 80"},
		{"integer", "age", "Tuổi", "Age", "Số năm tròn", "Completed years", "yes", "", ". >= 0 and . <= 17"},
		{"select_one yes_no", "in_school", "Đang đi học", "In school", "", "", "yes"},
		{"text", "school_name", "Tên trường", "School", "", "", "yes", "${in_school} = 'yes'"},
		{"end_group"},
		{"begin_repeat", "visits", "Các lần thăm", "Visits", "", "", "", "", "count(.) <= 5"},
		{"date", "visit_date", "Ngày thăm", "Visit date", "", "", "yes"},
		{"select_multiple issues", "issues", "Vấn đề", "Issues", "", "", "yes"},
		{"text", "follow_up", "Hướng xử lý", "Follow-up", "", "", "yes", "count-selected(${issues}) >= 1"},
		{"decimal", "distance_km", "Khoảng cách (km)", "Distance (km)", "", "", "", "selected(${issues}, 'far')"},
		{"end_repeat"},
		{"text", "phone", "Điện thoại", "Phone", "", "", "", "", "regex(., '^[0-9]{8,15}$')"},
	}
}

func visitChoices() sheetRows {
	return sheetRows{choicesHead,
		{"yes_no", "yes", "Có", "Yes"},
		{"yes_no", "no", "Không", "No"},
		{"issues", "hunger", "Thiếu ăn", "Hunger"},
		{"issues", "far", "Xa trường", "Far from school"},
	}
}
