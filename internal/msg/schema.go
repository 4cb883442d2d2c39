package msg

// Messages of internal/schema: form validation, linting and diffs.
var (
	// diff.go
	DiffFieldMoved = def("diff_field_moved",
		"Trường «%s» chuyển từ %s sang %s: dữ liệu đã thu sẽ không còn khớp; hãy tạo trường mới với tên mới.",
		"Field «%s» moves from %s to %s: collected data would no longer line up; add a new field with a new name instead.")
	DiffKindChanged = def("diff_kind_changed",
		"Trường «%s» đổi kiểu từ %s sang %s: dữ liệu đã thu sẽ bị hiểu sai; hãy tạo trường mới với tên mới.",
		"Field «%s» changes kind from %s to %s: collected data would be misread; add a new field with a new name instead.")
	DiffChoiceRemoved = def("diff_choice_removed",
		"Bỏ mã %v («%s») của «%s»: dữ liệu đã thu có thể chứa mã này.",
		"Code %v («%s») of «%s» removed: collected data may hold it.")
	DiffChoiceMeaning = def("diff_choice_meaning",
		"Mã %v của «%s» đổi nhãn ở cả hai ngôn ngữ, tức là đổi nghĩa: hãy thêm mã mới; nếu chỉ sửa câu chữ, đổi từng ngôn ngữ một.",
		"Code %v of «%s» changes its label in both languages, which changes its meaning: add a new code; to reword only, change one language at a time.")
	DiffChoiceRelabelled = def("diff_choice_relabelled",
		"Đổi nhãn mã %v của «%s».",
		"Code %v of «%s» relabelled.")
	DiffChoiceAdded = def("diff_choice_added",
		"Thêm mã %v («%s») cho «%s».",
		"Code %v («%s») added to «%s».")
	DiffFieldAdded = def("diff_field_added",
		"Thêm trường «%s».",
		"Field «%s» added.")
	DiffFieldRelabelled = def("diff_field_relabelled",
		"Đổi nhãn trường «%s».",
		"Field «%s» relabelled.")
	DiffFieldRemoved = def("diff_field_removed",
		"Bỏ trường «%s» (dữ liệu cũ vẫn giữ theo phiên bản của nó).",
		"Field «%s» removed (older data keeps it under its own version).")
	DiffProtectionChanged = def("diff_protection_changed",
		"Đổi mức bảo vệ (nhạy cảm / cá nhân) của «%s».",
		"The protection (sensitive / personal) of «%s» changed.")
	DiffRequiredChanged = def("diff_required_changed",
		"Đổi quy định bắt buộc của «%s» (chỉ áp dụng cho dữ liệu mới).",
		"Whether «%s» is required changed (for new data only).")
	DiffTitleChanged = def("diff_title_changed",
		"Đổi tên biểu mẫu.",
		"The form's title changed.")

	// lint.go
	LintAnnotationInCondition = def("lint_annotation_in_condition",
		"Chú thích không đặt trong if/then/else: %s.",
		"Annotations do not belong inside if/then/else: %s.")
	LintAnnotationRootOnly = def("lint_annotation_root_only",
		"%s chỉ đặt ở gốc biểu mẫu.",
		"%s belongs at the root of the form only.")
	LintDialect = def("lint_dialect",
		"$schema phải là %s.",
		"$schema must be %s.")
	LintDialectMissing = def("lint_dialect_missing",
		"Nên ghi rõ $schema: %s.",
		"State $schema: %s.")
	LintDoesNotCompile = def("lint_does_not_compile",
		"Không biên dịch được biểu mẫu: %v.",
		"The form does not compile: %v.")
	LintFlagValue = def("lint_flag_value",
		"%s chỉ được là true hoặc bỏ đi.",
		"%s must be true or absent.")
	LintFormIDMissing = def("lint_form_id_missing",
		"Thiếu x-form (mã biểu mẫu).",
		"x-form (the form id) is missing.")
	LintFormIDShape = def("lint_form_id_shape",
		"x-form %q phải là snake_case ASCII, tối đa 64 ký tự.",
		"x-form %q must be ASCII snake_case, at most 64 characters.")
	LintLabelLangMissing = def("lint_label_lang_missing",
		"Thiếu nhãn %q.",
		"The %q label is missing or empty.")
	LintLabelMissing = def("lint_label_missing",
		"Thiếu %s (nhãn tiếng Việt và tiếng Anh).",
		"%s (the vi and en label) is missing.")
	LintLabelShape = def("lint_label_shape",
		"Nhãn phải có dạng {\"vi\": ..., \"en\": ...}.",
		"A label must be {\"vi\": ..., \"en\": ...}.")
	LintMetaschema = def("lint_metaschema",
		"Không phải JSON Schema 2020-12 hợp lệ: %s.",
		"Not a valid JSON Schema (draft 2020-12): %s.")
	LintNotJSON = def("lint_not_json",
		"Tệp không phải JSON hợp lệ: %v.",
		"The file is not valid JSON: %v.")
	LintNotObject = def("lint_not_object",
		"Biểu mẫu phải là một đối tượng JSON.",
		"A form must be a JSON object.")
	LintRootType = def("lint_root_type",
		"Gốc của biểu mẫu phải có type object.",
		"The root of a form must have type object.")
	LintSchemaID = def("lint_schema_id",
		"$id nên kết thúc bằng /%s.json.",
		"$id should end in /%s.json.")
	LintUnknownAnnotation = def("lint_unknown_annotation",
		"Chú thích %s không có trong bộ từ vựng (forms/README.md).",
		"%s is not in the annotation vocabulary (forms/README.md).")

	// lint_fields.go
	LintAdditional = def("lint_additional",
		"Đối tượng phải có additionalProperties: false.",
		"An object must have additionalProperties: false.")
	LintAge = def("lint_age",
		"x-age: %v.",
		"x-age: %v.")
	LintAgeBands = def("lint_age_bands",
		"x-age-bands: %v.",
		"x-age-bands: %v.")
	LintAgeBandsFrom = def("lint_age_bands_from",
		"x-age-bands.from %q không phải là trường ngày cùng cấp.",
		"x-age-bands.from %q is not a sibling date field.")
	LintAgeBandsMissing = def("lint_age_bands_missing",
		"x-age-bands thiếu nhóm cho lựa chọn %q.",
		"x-age-bands has no band for choice %q.")
	LintAgeBandsPlacement = def("lint_age_bands_placement",
		"x-age-bands chỉ dành cho câu hỏi một lựa chọn.",
		"x-age-bands is for single-choice fields only.")
	LintAgePlacement = def("lint_age_placement",
		"x-age chỉ dành cho trường ngày (format date).",
		"x-age is for date fields (format date) only.")
	LintArrayItems = def("lint_array_items",
		"Trường kiểu array cần lược đồ items.",
		"An array field needs an items schema.")
	LintArrayKind = def("lint_array_kind",
		"Trường array phải là nhóm lặp (x-repeat) hoặc nhiều lựa chọn (items có enum).",
		"An array field must be a repeat (x-repeat) or a multiple choice (items with enum).")
	LintBadRef = def("lint_bad_ref",
		"$ref không hợp lệ: %v.",
		"Bad $ref: %v.")
	LintBandNotChoice = def("lint_band_not_choice",
		"Nhóm %q không phải là một lựa chọn.",
		"Band %q is not a choice.")
	LintChoiceCodeShape = def("lint_choice_code_shape",
		"Mã %q nên là snake_case ASCII.",
		"Code %q should be ASCII snake_case.")
	LintChoiceCodeTwice = def("lint_choice_code_twice",
		"Mã %v lặp lại.",
		"Code %v appears twice.")
	LintChoiceCodeType = def("lint_choice_code_type",
		"Mã lựa chọn phải là chuỗi hoặc số nguyên.",
		"A choice code must be a string or an integer.")
	LintChoiceOrder = def("lint_choice_order",
		"Mã %v khác enum[%d] (%v); x-choices phải theo đúng thứ tự của enum.",
		"Code %v differs from enum[%d] (%v); x-choices must follow the order of enum.")
	LintChoiceShape = def("lint_choice_shape",
		"Mỗi lựa chọn phải là {\"code\", \"vi\", \"en\"}.",
		"Each choice must be {\"code\", \"vi\", \"en\"}.")
	LintChoicesCount = def("lint_choices_count",
		"x-choices có %d mã, enum có %d.",
		"x-choices has %d codes, enum %d.")
	LintChoicesEnum = def("lint_choices_enum",
		"x-choices cần enum bên cạnh.",
		"x-choices needs an enum beside it.")
	LintConditionUnknownCode = def("lint_condition_unknown_code",
		"Điều kiện chờ một mã mà câu hỏi không có: quy tắc không bao giờ áp dụng.",
		"The condition expects a code the question does not have: the rule can never apply.")
	LintConditionUnknownField = def("lint_condition_unknown_field",
		"Điều kiện xét %q, không phải là trường: quy tắc không bao giờ áp dụng.",
		"The condition tests %q, which is not a field: the rule can never apply.")
	LintConditionUnrequired = def("lint_condition_unrequired",
		"Điều kiện nên require %q; nếu không, phiếu bỏ trống trường này cũng kích hoạt quy tắc.",
		"The condition should require %q; otherwise a submission without it triggers the rule.")
	LintEnumChoices = def("lint_enum_choices",
		"enum cần x-choices: danh sách {\"code\", \"vi\", \"en\"}.",
		"An enum needs x-choices: a list of {\"code\", \"vi\", \"en\"}.")
	LintEnvelopeField = def("lint_envelope_field",
		"%q thuộc phần chung (envelope) của phiếu, không được định nghĩa lại trong biểu mẫu.",
		"%q is an envelope field and must not be redefined in a form.")
	LintFieldKind = def("lint_field_kind",
		"Không xác định được loại câu hỏi: cần type string, integer, number, boolean, array hoặc object.",
		"Cannot tell the kind of question: it needs type string, integer, number, boolean, array or object.")
	LintFieldName = def("lint_field_name",
		"Tên trường %q phải là snake_case ASCII.",
		"Field name %q must be ASCII snake_case.")
	LintMultipleUnique = def("lint_multiple_unique",
		"Câu hỏi nhiều lựa chọn cần uniqueItems: true.",
		"A multiple choice needs uniqueItems: true.")
	LintOrderMissing = def("lint_order_missing",
		"Thiếu x-order (thứ tự các câu hỏi).",
		"x-order (the order of the questions) is missing.")
	LintOrderMissingName = def("lint_order_missing_name",
		"x-order thiếu %q.",
		"x-order leaves out %q.")
	LintOrderPlacement = def("lint_order_placement",
		"x-order chỉ dành cho đối tượng.",
		"x-order is for objects only.")
	LintOrderShape = def("lint_order_shape",
		"x-order phải là danh sách tên trường.",
		"x-order must be a list of property names.")
	LintOrderTwice = def("lint_order_twice",
		"x-order nêu %q hai lần.",
		"x-order names %q twice.")
	LintOrderUnknown = def("lint_order_unknown",
		"x-order nêu %q, không phải là trường.",
		"x-order names %q, which is not a property.")
	LintRepeatFlag = def("lint_repeat_flag",
		"Nhóm lặp (array của object) cần x-repeat: true.",
		"A repeat (an array of objects) needs x-repeat: true.")
	LintRepeatItems = def("lint_repeat_items",
		"items của nhóm lặp phải có type object.",
		"A repeat's items must have type object.")
	LintRepeatPlacement = def("lint_repeat_placement",
		"x-repeat chỉ dành cho trường kiểu array.",
		"x-repeat is for array fields only.")
	LintRequiredUnknown = def("lint_required_unknown",
		"required nêu %q, không phải là trường của đối tượng này.",
		"required names %q, which is not a property of this object.")
	LintThenPropertyUnknown = def("lint_then_property_unknown",
		"then.properties nêu %q, không phải là trường.",
		"then.properties names %q, which is not a field.")
	LintThenRequiredUnknown = def("lint_then_required_unknown",
		"then.required nêu %q, không phải là trường.",
		"then.required names %q, which is not a field.")
)

// Messages of a submission's answers (internal/schema/message.go). They
// name fields by label and state the rule; none takes a submitted value.
var (
	FieldInvalid = def("field_invalid",
		"Giá trị của «%s» không hợp lệ.",
		"«%s» is invalid.")
	FieldRequired = def("field_required",
		"Trường «%s» là bắt buộc.",
		"«%s» is required.")
	FieldUnknown = def("field_unknown",
		"Trường «%s» không có trong biểu mẫu này.",
		"«%s» is not a field of this form.")
	FieldForbidden = def("field_forbidden",
		"Không được trả lời «%s» trong trường hợp này.",
		"«%s» must not be answered in this case.")
	FieldUnique = def("field_unique",
		"«%s» không được có lựa chọn trùng lặp.",
		"«%s» must not list the same answer twice.")
	FieldEnum = def("field_enum",
		"Giá trị của «%s» không hợp lệ; các mã được phép: %s.",
		"«%s» must be one of: %s.")
	FieldBetween = def("field_between",
		"Giá trị của «%s» phải từ %s đến %s.",
		"«%s» must be between %s and %s.")
	FieldRange = def("field_range",
		"Giá trị của «%s» phải %s.",
		"«%s» must be %s.")
	RangeAtLeast = def("range_at_least", "lớn hơn hoặc bằng %s", "at least %s")
	RangeGreater = def("range_greater", "lớn hơn %s", "greater than %s")
	RangeAtMost  = def("range_at_most", "nhỏ hơn hoặc bằng %s", "at most %s")
	RangeLess    = def("range_less", "nhỏ hơn %s", "less than %s")
	ListAnd      = def("list_and", " và ", " and ")
	ListOr       = def("list_or", " hoặc ", " or ")
	FieldEmpty   = def("field_empty",
		"«%s» không được để trống.",
		"«%s» must not be empty.")
	FieldLengthBetween = def("field_length_between",
		"«%s» phải có từ %d đến %d ký tự.",
		"«%s» must be %d to %d characters long.")
	FieldLengthMin = def("field_length_min",
		"«%s» phải có ít nhất %d ký tự.",
		"«%s» must be at least %d characters long.")
	FieldLengthMax = def("field_length_max",
		"«%s» chỉ được có tối đa %d ký tự.",
		"«%s» must be at most %d characters long.")
	FieldItemsOne = def("field_items_one",
		"«%s» phải có ít nhất một mục.",
		"«%s» must have at least one entry.")
	FieldItemsBetween = def("field_items_between",
		"«%s» phải có từ %d đến %d mục.",
		"«%s» must have %d to %d entries.")
	FieldItemsMin = def("field_items_min",
		"«%s» phải có ít nhất %d mục.",
		"«%s» must have at least %d entries.")
	FieldItemsMax = def("field_items_max",
		"«%s» chỉ được có tối đa %d mục.",
		"«%s» must have at most %d entries.")
	FieldPattern = def("field_pattern",
		"«%s» không đúng định dạng yêu cầu.",
		"«%s» is not in the required format.")
	FieldPatternHint = def("field_pattern_hint",
		"«%s» không đúng định dạng yêu cầu. %s",
		"«%s» is not in the required format. %s")
	FieldDate = def("field_date",
		"«%s» phải là một ngày hợp lệ dạng YYYY-MM-DD.",
		"«%s» must be a valid date in the form YYYY-MM-DD.")
	FieldDateTime = def("field_date_time",
		"«%s» phải là một thời điểm hợp lệ theo RFC 3339, ví dụ 2024-05-01T08:30:00+07:00.",
		"«%s» must be a valid RFC 3339 date and time, e.g. 2024-05-01T08:30:00+07:00.")
	FieldUUID = def("field_uuid",
		"«%s» phải là một mã UUID hợp lệ.",
		"«%s» must be a valid UUID.")
	FieldFormat = def("field_format",
		"«%s» không đúng định dạng %s.",
		"«%s» is not a valid %s.")
	FieldType = def("field_type",
		"«%s» phải là %s.",
		"«%s» must be %s.")
	TypeString           = def("type_string", "văn bản", "text")
	TypeInteger          = def("type_integer", "số nguyên", "a whole number")
	TypeNumber           = def("type_number", "một số", "a number")
	TypeBoolean          = def("type_boolean", "đúng hoặc sai", "true or false")
	TypeArray            = def("type_array", "một danh sách", "a list")
	TypeObject           = def("type_object", "một đối tượng", "an object")
	FieldAfterSurveyDate = def("field_after_survey_date",
		"«%s» không được sau ngày khảo sát.",
		"«%s» cannot be after the survey date.")
	FieldAgeUnder = def("field_age_under",
		"Tuổi tính theo «%s» vào ngày khảo sát phải dưới %d.",
		"The age from «%s» on the survey date must be under %d.")
	FieldAgeBetween = def("field_age_between",
		"Tuổi tính theo «%s» vào ngày khảo sát phải từ %d đến %d.",
		"The age from «%s» on the survey date must be between %d and %d.")
	FieldAgeBand = def("field_age_band",
		"«%s» không khớp với tuổi tính theo «%s» vào ngày khảo sát.",
		"«%s» does not match the age from «%s» on the survey date.")
)
