package schema

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// The messages below name fields by label and state the rule. None of them
// takes a submitted value, so none can leak a sensitive or personal answer.

// quote sets a field name in guillemets, as both languages' messages do.
func quote(s string) string { return "«" + s + "»" }

func invalidMessage(n Label) Label {
	return Label{
		VI: fmt.Sprintf("Giá trị của %s không hợp lệ.", quote(n.VI)),
		EN: fmt.Sprintf("%s is invalid.", quote(n.EN)),
	}
}

func requiredMessage(n Label) Label {
	return Label{
		VI: fmt.Sprintf("Trường %s là bắt buộc.", quote(n.VI)),
		EN: fmt.Sprintf("%s is required.", quote(n.EN)),
	}
}

func unknownFieldMessage(prop string) Label {
	return Label{
		VI: fmt.Sprintf("Trường %s không có trong biểu mẫu này.", quote(prop)),
		EN: fmt.Sprintf("%s is not a field of this form.", quote(prop)),
	}
}

func forbiddenMessage(n Label) Label {
	return Label{
		VI: fmt.Sprintf("Không được trả lời %s trong trường hợp này.", quote(n.VI)),
		EN: fmt.Sprintf("%s must not be answered in this case.", quote(n.EN)),
	}
}

func uniqueMessage(n Label) Label {
	return Label{
		VI: fmt.Sprintf("%s không được có lựa chọn trùng lặp.", quote(n.VI)),
		EN: fmt.Sprintf("%s must not list the same answer twice.", quote(n.EN)),
	}
}

func enumMessage(n Label, want []any) Label {
	codes := make([]string, len(want))
	for i, w := range want {
		codes[i] = fmt.Sprint(w)
	}
	list := strings.Join(codes, ", ")
	return Label{
		VI: fmt.Sprintf("Giá trị của %s không hợp lệ; các mã được phép: %s.", quote(n.VI), list),
		EN: fmt.Sprintf("%s must be one of: %s.", quote(n.EN), list),
	}
}

// rangeMessage states the whole allowed range of a number, taken from the
// schema that failed (s), or from the failed keyword alone if s is unknown.
func rangeMessage(n Label, s *jsonschema.Schema, k jsonschema.ErrorKind) Label {
	var lo, hi, xlo, xhi *big.Rat
	if s != nil {
		lo, hi, xlo, xhi = s.Minimum, s.Maximum, s.ExclusiveMinimum, s.ExclusiveMaximum
	} else {
		switch k := k.(type) {
		case *kind.Minimum:
			lo = k.Want
		case *kind.Maximum:
			hi = k.Want
		case *kind.ExclusiveMinimum:
			xlo = k.Want
		case *kind.ExclusiveMaximum:
			xhi = k.Want
		}
	}
	if lo != nil && hi != nil && xlo == nil && xhi == nil {
		return Label{
			VI: fmt.Sprintf("Giá trị của %s phải từ %s đến %s.", quote(n.VI), number(lo, "vi"), number(hi, "vi")),
			EN: fmt.Sprintf("%s must be between %s and %s.", quote(n.EN), number(lo, "en"), number(hi, "en")),
		}
	}
	var vi, en []string
	clause := func(r *big.Rat, viText, enText string) {
		if r != nil {
			vi = append(vi, viText+" "+number(r, "vi"))
			en = append(en, enText+" "+number(r, "en"))
		}
	}
	clause(lo, "lớn hơn hoặc bằng", "at least")
	clause(xlo, "lớn hơn", "greater than")
	clause(hi, "nhỏ hơn hoặc bằng", "at most")
	clause(xhi, "nhỏ hơn", "less than")
	return Label{
		VI: fmt.Sprintf("Giá trị của %s phải %s.", quote(n.VI), strings.Join(vi, " và ")),
		EN: fmt.Sprintf("%s must be %s.", quote(n.EN), strings.Join(en, " and ")),
	}
}

// number writes r for people: Vietnamese uses a decimal comma.
func number(r *big.Rat, lang string) string {
	var s string
	if r.IsInt() {
		s = r.Num().String()
	} else {
		f, _ := r.Float64()
		s = strconv.FormatFloat(f, 'f', -1, 64)
	}
	if lang == "vi" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// bounds returns the limits to state: the schema's pair if known, else the
// one that failed (the other given as -1); a minimum of 0 goes unstated.
func bounds(lo, hi *int, min, max int) (int, int) {
	if lo != nil {
		min = *lo
	}
	if hi != nil {
		max = *hi
	}
	if min == 0 {
		min = -1 // no lower limit worth stating
	}
	return min, max
}

// lengthMessage explains min_length (max < 0) or max_length (min < 0).
func lengthMessage(n Label, s *jsonschema.Schema, min, max int) Label {
	tooShort := max < 0
	if s != nil {
		min, max = bounds(s.MinLength, s.MaxLength, min, max)
	}
	switch {
	case tooShort && min == 1:
		return Label{
			VI: fmt.Sprintf("%s không được để trống.", quote(n.VI)),
			EN: fmt.Sprintf("%s must not be empty.", quote(n.EN)),
		}
	case min >= 0 && max >= 0:
		return Label{
			VI: fmt.Sprintf("%s phải có từ %d đến %d ký tự.", quote(n.VI), min, max),
			EN: fmt.Sprintf("%s must be %d to %d characters long.", quote(n.EN), min, max),
		}
	case min >= 0:
		return Label{
			VI: fmt.Sprintf("%s phải có ít nhất %d ký tự.", quote(n.VI), min),
			EN: fmt.Sprintf("%s must be at least %d characters long.", quote(n.EN), min),
		}
	}
	return Label{
		VI: fmt.Sprintf("%s chỉ được có tối đa %d ký tự.", quote(n.VI), max),
		EN: fmt.Sprintf("%s must be at most %d characters long.", quote(n.EN), max),
	}
}

// itemsMessage explains min_items (max < 0) or max_items (min < 0).
func itemsMessage(n Label, s *jsonschema.Schema, min, max int) Label {
	tooFew := max < 0
	if s != nil {
		min, max = bounds(s.MinItems, s.MaxItems, min, max)
	}
	switch {
	case tooFew && min == 1:
		return Label{
			VI: fmt.Sprintf("%s phải có ít nhất một mục.", quote(n.VI)),
			EN: fmt.Sprintf("%s must have at least one entry.", quote(n.EN)),
		}
	case min >= 0 && max >= 0:
		return Label{
			VI: fmt.Sprintf("%s phải có từ %d đến %d mục.", quote(n.VI), min, max),
			EN: fmt.Sprintf("%s must have %d to %d entries.", quote(n.EN), min, max),
		}
	case min >= 0:
		return Label{
			VI: fmt.Sprintf("%s phải có ít nhất %d mục.", quote(n.VI), min),
			EN: fmt.Sprintf("%s must have at least %d entries.", quote(n.EN), min),
		}
	}
	return Label{
		VI: fmt.Sprintf("%s chỉ được có tối đa %d mục.", quote(n.VI), max),
		EN: fmt.Sprintf("%s must have at most %d entries.", quote(n.EN), max),
	}
}

// patternMessage adds the field's hint, which says what shape is wanted.
func patternMessage(n Label, f *Field) Label {
	l := Label{
		VI: fmt.Sprintf("%s không đúng định dạng yêu cầu.", quote(n.VI)),
		EN: fmt.Sprintf("%s is not in the required format.", quote(n.EN)),
	}
	if f != nil && f.Hint != nil {
		l.VI += " " + f.Hint.VI
		l.EN += " " + f.Hint.EN
	}
	return l
}

func formatMessage(n Label, format string) Label {
	switch format {
	case "date":
		return Label{
			VI: fmt.Sprintf("%s phải là một ngày hợp lệ dạng YYYY-MM-DD.", quote(n.VI)),
			EN: fmt.Sprintf("%s must be a valid date in the form YYYY-MM-DD.", quote(n.EN)),
		}
	case "date-time":
		return Label{
			VI: fmt.Sprintf("%s phải là một thời điểm hợp lệ theo RFC 3339, ví dụ 2024-05-01T08:30:00+07:00.", quote(n.VI)),
			EN: fmt.Sprintf("%s must be a valid RFC 3339 date and time, e.g. 2024-05-01T08:30:00+07:00.", quote(n.EN)),
		}
	case "uuid":
		return Label{
			VI: fmt.Sprintf("%s phải là một mã UUID hợp lệ.", quote(n.VI)),
			EN: fmt.Sprintf("%s must be a valid UUID.", quote(n.EN)),
		}
	}
	return Label{
		VI: fmt.Sprintf("%s không đúng định dạng %s.", quote(n.VI), format),
		EN: fmt.Sprintf("%s is not a valid %s.", quote(n.EN), format),
	}
}

func typeMessage(n Label, want []string) Label {
	vi := make([]string, len(want))
	en := make([]string, len(want))
	for i, t := range want {
		switch t {
		case "string":
			vi[i], en[i] = "văn bản", "text"
		case "integer":
			vi[i], en[i] = "số nguyên", "a whole number"
		case "number":
			vi[i], en[i] = "một số", "a number"
		case "boolean":
			vi[i], en[i] = "đúng hoặc sai", "true or false"
		case "array":
			vi[i], en[i] = "một danh sách", "a list"
		case "object":
			vi[i], en[i] = "một đối tượng", "an object"
		default:
			vi[i], en[i] = t, t
		}
	}
	return Label{
		VI: fmt.Sprintf("%s phải là %s.", quote(n.VI), strings.Join(vi, " hoặc ")),
		EN: fmt.Sprintf("%s must be %s.", quote(n.EN), strings.Join(en, " or ")),
	}
}

func afterSurveyDateMessage(f *Field) Label {
	return Label{
		VI: fmt.Sprintf("%s không được sau ngày khảo sát.", quote(f.Label.VI)),
		EN: fmt.Sprintf("%s cannot be after the survey date.", quote(f.Label.EN)),
	}
}

func ageOutOfRangeMessage(f *Field) Label {
	r := f.Age
	if r.Min == 0 {
		return Label{
			VI: fmt.Sprintf("Tuổi tính theo %s vào ngày khảo sát phải dưới %d.", quote(f.Label.VI), r.Max+1),
			EN: fmt.Sprintf("The age from %s on the survey date must be under %d.", quote(f.Label.EN), r.Max+1),
		}
	}
	return Label{
		VI: fmt.Sprintf("Tuổi tính theo %s vào ngày khảo sát phải từ %d đến %d.", quote(f.Label.VI), r.Min, r.Max),
		EN: fmt.Sprintf("The age from %s on the survey date must be between %d and %d.", quote(f.Label.EN), r.Min, r.Max),
	}
}

func ageBandMessage(f, from *Field) Label {
	return Label{
		VI: fmt.Sprintf("%s không khớp với tuổi tính theo %s vào ngày khảo sát.", quote(f.Label.VI), quote(from.Label.VI)),
		EN: fmt.Sprintf("%s does not match the age from %s on the survey date.", quote(f.Label.EN), quote(from.Label.EN)),
	}
}
