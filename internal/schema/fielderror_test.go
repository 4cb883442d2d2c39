package schema_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/unicode/norm"

	"github.com/khaosat/khaosat/internal/schema"
)

// sinkValid is a valid answer to testdata/sink.json on surveyDate.
const sinkValid = `{"name": "Lan", "count": 3, "band": "5-17", "dob": "2015-03-01", "scale": 2}`

// sinkWith returns sinkValid with the JSON members in set added or
// replaced, and the names in del removed.
func sinkWith(t *testing.T, set string, del ...string) map[string]any {
	t.Helper()
	m := MustObject(t, sinkValid)
	if set != "" {
		for k, v := range MustObject(t, set) {
			m[k] = v
		}
	}
	for _, k := range del {
		delete(m, k)
	}
	return m
}

func TestValidateCodes(t *testing.T) {
	f := MustCompile(t, filepath.Join("testdata", "sink.json"))
	tests := []struct {
		name string
		set  string
		del  []string
		want []pathCode
	}{
		{name: "valid", want: []pathCode{}},
		{name: "valid band 2-4", set: `{"band": "2-4", "dob": "2023-01-01", "answer": "no"}`, del: []string{"scale"}, want: []pathCode{}},
		{name: "required, one per missing property", del: []string{"name", "count"},
			want: []pathCode{{"/count", "required"}, {"/name", "required"}}},
		{name: "required twice (root and then) is one error", del: []string{"name"},
			want: []pathCode{{"/name", "required"}}},
		{name: "enum", set: `{"band": "3-4"}`, want: []pathCode{{"/band", "enum"}}},
		{name: "enum of an integer choice", set: `{"scale": 5}`, want: []pathCode{{"/scale", "enum"}}},
		{name: "enum through $ref", set: `{"answer": "maybe"}`, want: []pathCode{{"/answer", "enum"}}},
		{name: "enum of a multichoice item", set: `{"tags": ["a", "z"]}`, want: []pathCode{{"/tags/1", "enum"}}},
		{name: "minimum", set: `{"count": 0}`, want: []pathCode{{"/count", "minimum"}}},
		{name: "maximum", set: `{"count": 31}`, want: []pathCode{{"/count", "maximum"}}},
		{name: "exclusive minimum", set: `{"ratio": 0}`, want: []pathCode{{"/ratio", "minimum"}}},
		{name: "exclusive maximum", set: `{"ratio": 1.0}`, want: []pathCode{{"/ratio", "maximum"}}},
		{name: "min_length", set: `{"name": ""}`, want: []pathCode{{"/name", "min_length"}}},
		{name: "max_length counts characters", set: `{"name": "Nguyễn Thị Lan"}`, want: []pathCode{{"/name", "max_length"}}},
		{name: "max_length not bytes", set: `{"name": "Đặng Ưng"}`, want: []pathCode{}},
		{name: "max_length counts NFC code points", set: `{"name": "` + norm.NFD.String("Nguyễn Huệ") + `"}`, want: []pathCode{}},
		{name: "min_items", set: `{"tags": []}`, want: []pathCode{{"/tags", "min_items"}}},
		{name: "max_items", set: `{"tags": ["a", "b", "c"]}`, want: []pathCode{{"/tags", "max_items"}}},
		{name: "unique_items", set: `{"tags": ["a", "a"]}`, want: []pathCode{{"/tags", "unique_items"}}},
		{name: "pattern", set: `{"phone": "091 234 567"}`, want: []pathCode{{"/phone", "pattern"}}},
		{name: "format date", set: `{"dob": "2015-02-30"}`, want: []pathCode{{"/dob", "format"}}},
		{name: "format date-time", set: `{"visit": "yesterday"}`, want: []pathCode{{"/visit", "format"}}},
		{name: "format uuid", set: `{"code": "not-a-uuid"}`, want: []pathCode{{"/code", "format"}}},
		{name: "type string for integer", set: `{"count": "3"}`, want: []pathCode{{"/count", "type"}}},
		{name: "type fraction for integer", set: `{"count": 2.5}`, want: []pathCode{{"/count", "type"}}},
		{name: "integer may be written 3.0", set: `{"count": 3.0}`, want: []pathCode{}},
		{name: "type boolean", set: `{"flag": "yes"}`, want: []pathCode{{"/flag", "type"}}},
		{name: "type null", set: `{"name": null}`, want: []pathCode{{"/name", "type"}}},
		{name: "type object", set: `{"home": "big"}`, want: []pathCode{{"/home", "type"}}},
		{name: "unknown_field at the root", set: `{"survey_date": "2026-06-15", "zz": 1}`,
			want: []pathCode{{"/survey_date", "unknown_field"}, {"/zz", "unknown_field"}}},
		{name: "unknown_field in a repeat item", set: `{"pets": [{"kind": "no", "born": "2020-01-01", "colour": "red"}]}`,
			want: []pathCode{{"/pets/0/colour", "unknown_field"}}},
		{name: "required in an object", set: `{"home": {}}`, want: []pathCode{{"/home/rooms", "required"}}},
		{name: "forbidden by a false schema in then", set: `{"band": "2-4", "dob": "2023-01-01", "answer": "no"}`,
			want: []pathCode{{"/scale", "forbidden"}}},
		{name: "forbidden by not required", set: `{"secret": "x"}`, want: []pathCode{{"/secret", "forbidden"}}},
		{name: "invalid (multipleOf)", set: `{"mood": 7}`, want: []pathCode{{"/mood", "invalid"}}},
		{name: "if/then: required in then", set: `{"band": "2-4", "dob": "2023-01-01"}`, del: []string{"scale"},
			want: []pathCode{{"/answer", "required"}}},
		{name: "if/then nested in then: leaves only", set: `{"band": "2-4", "dob": "2023-01-01", "answer": "yes", "note": "x"}`, del: []string{"scale"},
			want: []pathCode{{"/note", "min_length"}, {"/tags", "required"}}},
		{name: "if/then with a property rule", set: `{"count": 12, "level": 1}`, want: []pathCode{{"/level", "minimum"}}},
		{name: "if not met is no error", set: `{"count": 9, "level": 1}`, want: []pathCode{}},
		{name: "if/then in a repeat item", set: `{"pets": [{"kind": "no", "born": "2020-01-01"}, {"kind": "yes", "born": "2020-01-01"}]}`,
			want: []pathCode{{"/pets/1/weight", "required"}}},
		{name: "several problems sorted by path", set: `{"zz": 1, "count": 0, "pets": [{"kind": "x", "born": "2020-01-01"}], "band": "5-17"}`, del: []string{"name"},
			want: []pathCode{{"/count", "minimum"}, {"/name", "required"}, {"/pets/0/kind", "enum"}, {"/zz", "unknown_field"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := f.Validate(sinkWith(t, tt.set, tt.del...), surveyDate)
			if diff := cmp.Diff(tt.want, pathCodes(got)); diff != "" {
				t.Errorf("Validate() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateNotAnObject(t *testing.T) {
	f := MustCompile(t, filepath.Join("testdata", "sink.json"))
	got := f.Validate([]any{}, surveyDate)
	if diff := cmp.Diff([]pathCode{{"", "type"}}, pathCodes(got)); diff != "" {
		t.Errorf("Validate() mismatch (-want +got):\n%s", diff)
	}
}

func TestValidateAgeRules(t *testing.T) {
	f := MustCompile(t, filepath.Join("testdata", "sink.json"))
	tests := []struct {
		name   string
		set    string
		survey time.Time
		want   []pathCode
	}{
		{name: "age 5 exactly on the survey date", set: `{"dob": "2021-06-15"}`, survey: surveyDate, want: []pathCode{}},
		{name: "a day short of 5 in band 5-17", set: `{"dob": "2021-06-16"}`, survey: surveyDate,
			want: []pathCode{{"/band", "age_band_mismatch"}}},
		{name: "age 17 on the day before the 18th birthday", set: `{"dob": "2008-06-16"}`, survey: surveyDate, want: []pathCode{}},
		{name: "age 18 on the birthday", set: `{"dob": "2008-06-15"}`, survey: surveyDate,
			want: []pathCode{{"/dob", "age_out_of_range"}}},
		{name: "too young: the date is the one problem", set: `{"dob": "2025-01-01"}`, survey: surveyDate,
			want: []pathCode{{"/dob", "age_out_of_range"}}},
		{name: "after the survey date", set: `{"dob": "2026-06-16"}`, survey: surveyDate,
			want: []pathCode{{"/dob", "after_survey_date"}}},
		{name: "in a repeat", set: `{"pets": [{"kind": "no", "born": "2020-01-01"}, {"kind": "no", "born": "2027-01-01"}]}`, survey: surveyDate,
			want: []pathCode{{"/pets/1/born", "after_survey_date"}}},
		{name: "no survey date: no age rules", set: `{"dob": "2030-01-01", "pets": [{"kind": "no", "born": "2030-01-01"}]}`, survey: time.Time{},
			want: []pathCode{}},
		{name: "age rules beside schema errors", set: `{"dob": "2026-07-01", "count": 0}`, survey: surveyDate,
			want: []pathCode{{"/count", "minimum"}, {"/dob", "after_survey_date"}}},
		{name: "invalid date left to the schema", set: `{"dob": "2026-13-01"}`, survey: surveyDate,
			want: []pathCode{{"/dob", "format"}}},
		{name: "29 February: 4 on 28 Feb, 5 on 1 Mar", set: `{"dob": "2020-02-29", "band": "5-17"}`,
			survey: MustDate(t, "2025-02-28"), want: []pathCode{{"/band", "age_band_mismatch"}}},
		{name: "29 February: 5 on 1 March", set: `{"dob": "2020-02-29", "band": "5-17"}`,
			survey: MustDate(t, "2025-03-01"), want: []pathCode{}},
		{name: "survey date in another zone is read as its calendar date", set: `{"dob": "2021-06-15"}`,
			survey: time.Date(2026, 6, 15, 23, 30, 0, 0, time.FixedZone("ICT", 7*3600)), want: []pathCode{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := f.Validate(sinkWith(t, tt.set), tt.survey)
			if diff := cmp.Diff(tt.want, pathCodes(got)); diff != "" {
				t.Errorf("Validate() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateSortsIndexesAsNumbers(t *testing.T) {
	f := MustCompile(t, filepath.Join(formsDir, "household.json"))
	data := MustDecodeFile(t, filepath.Join(formsDir, "testdata", "household", "valid", "three_children.json")).(map[string]any)
	children := data["children"].([]any)
	for len(children) < 12 {
		children = append(children, children[len(children)%3])
	}
	for _, i := range []int{10, 2} {
		c := map[string]any{}
		for k, v := range children[i].(map[string]any) {
			c[k] = v
		}
		delete(c, "sex")
		children[i] = c
	}
	data["children"] = children
	want := []pathCode{{"/children/2/sex", "required"}, {"/children/10/sex", "required"}}
	if diff := cmp.Diff(want, pathCodes(f.Validate(data, surveyDate))); diff != "" {
		t.Errorf("Validate() mismatch (-want +got):\n%s", diff)
	}
}

func TestValidateMessages(t *testing.T) {
	f := MustCompile(t, filepath.Join("testdata", "sink.json"))
	tests := []struct {
		set  string
		del  []string
		want schema.FieldError
	}{
		{del: []string{"count"}, want: schema.FieldError{Path: "/count", Code: "required",
			Message: schema.Label{VI: "Trường «Số người» là bắt buộc.", EN: "«People» is required."}}},
		{set: `{"count": 31}`, want: schema.FieldError{Path: "/count", Code: "maximum",
			Message: schema.Label{VI: "Giá trị của «Số người» phải từ 1 đến 30.", EN: "«People» must be between 1 and 30."}}},
		{set: `{"ratio": 1}`, want: schema.FieldError{Path: "/ratio", Code: "maximum",
			Message: schema.Label{VI: "Giá trị của «Tỉ lệ» phải lớn hơn 0 và nhỏ hơn 1.", EN: "«Ratio» must be greater than 0 and less than 1."}}},
		{set: `{"band": "x"}`, want: schema.FieldError{Path: "/band", Code: "enum",
			Message: schema.Label{VI: "Giá trị của «Nhóm tuổi» không hợp lệ; các mã được phép: 2-4, 5-17.", EN: "«Age band» must be one of: 2-4, 5-17."}}},
		{set: `{"scale": 9}`, want: schema.FieldError{Path: "/scale", Code: "enum",
			Message: schema.Label{VI: "Giá trị của «Thang đo» không hợp lệ; các mã được phép: 1, 2, 3, 4.", EN: "«Scale» must be one of: 1, 2, 3, 4."}}},
		{set: `{"phone": "12"}`, want: schema.FieldError{Path: "/phone", Code: "pattern",
			Message: schema.Label{VI: "«Điện thoại» không đúng định dạng yêu cầu. 8–15 chữ số.", EN: "«Phone» is not in the required format. 8–15 digits."}}},
		{set: `{"pets": [{"kind": "no"}]}`, want: schema.FieldError{Path: "/pets/0/born", Code: "required",
			Message: schema.Label{VI: "Trường «Ngày sinh vật nuôi» là bắt buộc.", EN: "«Pet's birth date» is required."}}},
		{set: `{"zz": 1}`, want: schema.FieldError{Path: "/zz", Code: "unknown_field",
			Message: schema.Label{VI: "Trường «zz» không có trong biểu mẫu này.", EN: "«zz» is not a field of this form."}}},
		{set: `{"dob": "2026-06-16"}`, want: schema.FieldError{Path: "/dob", Code: "after_survey_date",
			Message: schema.Label{VI: "«Ngày sinh» không được sau ngày khảo sát.", EN: "«Date of birth» cannot be after the survey date."}}},
		{set: `{"dob": "2000-01-01"}`, want: schema.FieldError{Path: "/dob", Code: "age_out_of_range",
			Message: schema.Label{VI: "Tuổi tính theo «Ngày sinh» vào ngày khảo sát phải từ 2 đến 17.", EN: "The age from «Date of birth» on the survey date must be between 2 and 17."}}},
	}
	for _, tt := range tests {
		t.Run(tt.want.Path+" "+tt.want.Code, func(t *testing.T) {
			got := f.Validate(sinkWith(t, tt.set, tt.del...), surveyDate)
			if diff := cmp.Diff([]schema.FieldError{tt.want}, got); diff != "" {
				t.Errorf("Validate() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestValidateMessagesHideValues checks that no message repeats what was
// submitted for a personal or sensitive field, whatever the error.
func TestValidateMessagesHideValues(t *testing.T) {
	f := MustCompile(t, filepath.Join("testdata", "sink.json"))
	const secret = "ZqXw"
	for _, set := range []string{
		`{"name": "` + secret + `1234567890"}`,
		`{"phone": "` + secret + `"}`,
		`{"tags": ["` + secret + `"]}`,
		`{"secret": "` + secret + `"}`,
		`{"name": ["` + secret + `"]}`,
	} {
		t.Run(set, func(t *testing.T) {
			errs := f.Validate(sinkWith(t, set), surveyDate)
			if len(errs) == 0 {
				t.Fatal("Validate() = no errors, want some")
			}
			for _, e := range errs {
				if strings.Contains(e.Message.VI+e.Message.EN, secret) {
					t.Errorf("%s %s: message repeats the value: %+v", e.Path, e.Code, e.Message)
				}
			}
		})
	}
}

func TestValidateConcurrent(t *testing.T) {
	f := MustCompile(t, filepath.Join("testdata", "sink.json"))
	const n = 8
	inputs := make([]map[string]any, n)
	for i := range inputs {
		inputs[i] = sinkWith(t, fmt.Sprintf(`{"count": %d}`, 31+i))
	}
	done := make(chan []pathCode)
	for _, data := range inputs {
		go func() {
			var got []pathCode
			for range 50 {
				got = pathCodes(f.Validate(data, surveyDate))
			}
			done <- got
		}()
	}
	for range n {
		if diff := cmp.Diff([]pathCode{{"/count", "maximum"}}, <-done); diff != "" {
			t.Errorf("Validate() mismatch (-want +got):\n%s", diff)
		}
	}
}
