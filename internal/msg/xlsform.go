package msg

// Messages of internal/xlsform, its HTTP routes and the forms import and
// export commands. A workbook's problems name their sheet, row and column
// beside these texts (xlsform.Problem).
var (
	XLSFormWorkbookErrors = def("xlsform_workbook_errors",
		"Bảng tính XLSForm có lỗi; xem danh sách (trang, dòng, cột), sửa rồi gửi lại.",
		"The XLSForm workbook has errors; see the list (sheet, row, column), fix them and send it again.")
	XLSFormVersionNotExpressible = def("xlsform_version_not_expressible",
		"Phiên bản này dùng JSON Schema mà XLSForm không biểu diễn được.",
		"This version uses JSON Schema that XLSForm cannot express.")
	XLSFormWhereRow = def("xlsform_where_row",
		"dòng %d",
		"row %d")
	XLSFormWhereColumn = def("xlsform_where_column",
		"cột %s",
		"column %s")
	XLSFormExpressionAt = def("xlsform_expression_at",
		"«%s»: %s.",
		"«%s»: %s.")
)

// The problems of a workbook read (xlsform.Read) or written (xlsform.Write).
var (
	XLSFormNotWorkbook = def("xlsform_not_workbook",
		"Không đọc được tệp: cần một bảng tính XLSX (XLSForm).",
		"Cannot read the file: an XLSX workbook (XLSForm) is needed.")
	XLSFormReadSheet = def("xlsform_read_sheet",
		"Không đọc được trang tính này.",
		"Cannot read this sheet.")
	XLSFormSheetNotReadSurveyChoices = def("xlsform_sheet_not_read_survey_choices",
		"Trang tính này không được đọc (chỉ đọc survey, choices, settings).",
		"This sheet is not read (only survey, choices and settings are).")
	XLSFormSurveySheetMissing = def("xlsform_survey_sheet_missing",
		"Thiếu trang tính survey.",
		"The survey sheet is missing.")
	XLSFormSettingsSheetFormIdNeeded = def("xlsform_settings_sheet_form_id_needed",
		"Cần trang settings có form_id.",
		"A settings sheet with a form_id is needed.")
	XLSFormSettingsSheetFormTitleVi = def("xlsform_settings_sheet_form_title_vi",
		"Cần trang settings có form_title::vi và form_title::en.",
		"A settings sheet with form_title::vi and form_title::en is needed.")
	XLSFormFormIdButForm = def("xlsform_form_id_but_form",
		"form_id là «%s» nhưng biểu mẫu là «%s».",
		"form_id is «%s» but the form is «%s».")
	XLSFormFormIdMissing = def("xlsform_form_id_missing",
		"Thiếu form_id.",
		"form_id is missing.")
	XLSFormFormIdAsciiSnakeCase = def("xlsform_form_id_ascii_snake_case",
		"form_id «%s» phải là chữ thường ASCII, số và dấu gạch dưới (snake_case).",
		"form_id «%s» must be ASCII snake_case.")
	XLSFormFormSTitleMissingForm = def("xlsform_form_s_title_missing_form",
		"Thiếu tên biểu mẫu (cần form_title::vi và form_title::en).",
		"The form's title is missing (form_title::vi and form_title::en are needed).")
	XLSFormXSensitiveFormYesEmpty = def("xlsform_x_sensitive_form_yes_empty",
		"x-sensitive-form phải là yes hoặc để trống.",
		"x-sensitive-form must be yes or empty.")
	XLSFormKhaosatNumbersVersionsItselfWhen = def("xlsform_khaosat_numbers_versions_itself_when",
		"khaosat tự đánh số phiên bản khi công bố; cột version không được giữ.",
		"khaosat numbers versions itself when publishing; version is not kept.")
	XLSFormSettingsColumnNotKept = def("xlsform_settings_column_not_kept",
		"Cột này của settings không được giữ.",
		"This settings column is not kept.")
	XLSFormColumnNotKeptKhaosatUses = def("xlsform_column_not_kept_khaosat_uses",
		"Cột này không được giữ (khaosat dùng nhãn tiếng Việt và tiếng Anh).",
		"This column is not kept (khaosat uses Vietnamese and English labels).")
	XLSFormChoicesColumnNotSupportedExample = def("xlsform_choices_column_not_supported_example",
		"Cột «%s» của choices không được hỗ trợ (ví dụ choice_filter cần cột lọc).",
		"The choices column «%s» is not supported (for example, choice_filter needs filter columns).")
	XLSFormListNameMissing = def("xlsform_list_name_missing",
		"Thiếu list_name.",
		"list_name is missing.")
	XLSFormChoiceSCodeNameMissing = def("xlsform_choice_s_code_name_missing",
		"Thiếu mã (name) của lựa chọn.",
		"The choice's code (name) is missing.")
	XLSFormCodeRepeatsListRow = def("xlsform_code_repeats_list_row",
		"Mã «%s» lặp lại trong danh sách %s (dòng %d).",
		"Code «%s» repeats in list %s (row %d).")
	XLSFormChoiceNeedsVietnameseEnglishLabel = def("xlsform_choice_needs_vietnamese_english_label",
		"Lựa chọn cần nhãn tiếng Việt và tiếng Anh.",
		"A choice needs a Vietnamese and an English label.")
	XLSFormQuestionTypeMissing = def("xlsform_question_type_missing",
		"Thiếu loại câu hỏi (type).",
		"The question type is missing.")
	XLSFormKhaosatHasGroupsGroupS = def("xlsform_khaosat_has_groups_group_s",
		"khaosat không có nhóm: tiêu đề của nhóm không được giữ, các câu hỏi của nhóm được giữ theo thứ tự (điều kiện relevant của nhóm áp cho từng câu).",
		"khaosat has no groups: the group's heading is not kept; its questions are, in order (the group's relevant applies to each).")
	XLSFormDoesNotCloseOpenBegin = def("xlsform_does_not_close_open_begin",
		"%s không khớp với dòng begin nào.",
		"%s does not close an open begin.")
	XLSFormKhaosatKeepsAuditLogForm = def("xlsform_khaosat_keeps_audit_log_form",
		"khaosat không ghi nhật ký thao tác (audit).",
		"khaosat keeps no audit log of the form's screens.")
	XLSFormRecordedSubmissionSEnvelopeRow = def("xlsform_recorded_submission_s_envelope_row",
		"Đã được ghi trong phong bì của phiếu (%s); dòng này không thành câu hỏi.",
		"Recorded by the submission's envelope (%s); this row is not a question.")
	XLSFormPositionRecordedSubmissionSEnvelope = def("xlsform_position_recorded_submission_s_envelope",
		"Vị trí được ghi trong phong bì của phiếu (location); dòng này không thành câu hỏi.",
		"The position is recorded by the submission's envelope (location); this row is not a question.")
	XLSFormTypeNotExpressible = def("xlsform_type_not_expressible",
		"Loại câu hỏi «%s» không thể biểu diễn trong khaosat.",
		"The question type «%s» cannot be expressed in khaosat.")
	XLSFormBeginHasEnd = def("xlsform_begin_has_end",
		"begin_%s này không có end_%s.",
		"This begin_%s has no end_%s.")
	XLSFormKhaosatUsesVietnameseEnglishColumn = def("xlsform_khaosat_uses_vietnamese_english_column",
		"khaosat dùng tiếng Việt và tiếng Anh; cột này không được giữ.",
		"khaosat uses Vietnamese and English; this column is not kept.")
	XLSFormQuestionSNameMissing = def("xlsform_question_s_name_missing",
		"Thiếu tên (name) của câu hỏi.",
		"The question's name is missing.")
	XLSFormNameAsciiSnakeCaseLower = def("xlsform_name_ascii_snake_case_lower",
		"Tên «%s» phải là chữ thường ASCII, số và dấu gạch dưới (snake_case).",
		"The name «%s» must be ASCII snake_case (lower-case letters, digits, underscores).")
	XLSFormFieldSubmissionSEnvelopeName = def("xlsform_field_submission_s_envelope_name",
		"«%s» là một trường của phong bì phiếu, không được dùng làm tên câu hỏi.",
		"«%s» is a field of the submission's envelope and cannot name a question.")
	XLSFormQuestionNeedsVietnameseEnglishLabel = def("xlsform_question_needs_vietnamese_english_label",
		"Câu hỏi cần nhãn tiếng Việt và tiếng Anh.",
		"A question needs a Vietnamese and an English label.")
	XLSFormHintNeedsBothVietnameseEnglish = def("xlsform_hint_needs_both_vietnamese_english",
		"Gợi ý cần cả tiếng Việt và tiếng Anh.",
		"A hint needs both Vietnamese and English.")
	XLSFormXPersonalYesOmitEmpty = def("xlsform_x_personal_yes_omit_empty",
		"x-personal phải là yes, omit hoặc để trống.",
		"x-personal must be yes, omit or empty.")
	XLSFormXSensitiveYesEmpty = def("xlsform_x_sensitive_yes_empty",
		"x-sensitive phải là yes hoặc để trống.",
		"x-sensitive must be yes or empty.")
	XLSFormXRefTextQuestions = def("xlsform_x_ref_text_questions",
		"x-ref chỉ dùng cho câu hỏi text.",
		"x-ref is for text questions only.")
	XLSFormQuestionXRefPickedFrom = def("xlsform_question_x_ref_picked_from",
		"Câu hỏi có x-ref được chọn từ sổ theo dõi, không tự sinh: bỏ calculation.",
		"A question with x-ref is picked from the registry, never generated: remove the calculation.")
	XLSFormRefValue = def("xlsform_ref_value",
		"x-ref phải là %s hoặc %s.",
		"x-ref must be %s or %s.")
	XLSFormCalculateUuidGeneratedIdentifierSupported = def("xlsform_calculate_uuid_generated_identifier_supported",
		"Chỉ hỗ trợ calculate với uuid() (mã định danh tự sinh).",
		"Only calculate with uuid() (a generated identifier) is supported.")
	XLSFormCalculationUuidTextQuestionSupported = def("xlsform_calculation_uuid_text_question_supported",
		"Chỉ hỗ trợ calculation uuid() trên câu hỏi text.",
		"Only the calculation uuid() on a text question is supported.")
	XLSFormBodyAcceptImageQuestions = def("xlsform_body_accept_image_questions",
		"body::accept chỉ dùng cho câu hỏi image.",
		"body::accept is for image questions only.")
	XLSFormExactlyOneListNameFollow = def("xlsform_exactly_one_list_name_follow",
		"Cần đúng một tên danh sách sau %s (or_other không được hỗ trợ).",
		"Exactly one list name must follow %s (or_other is not supported).")
	XLSFormNoSuchList = def("xlsform_no_such_list",
		"Không có danh sách «%s» trong trang choices.",
		"The choices sheet has no list «%s».")
	XLSFormPresentationKhaosatDoesNotKeep = def("xlsform_presentation_khaosat_does_not_keep",
		"Chỉ là cách trình bày; khaosat không giữ cột này.",
		"Presentation only; khaosat does not keep this column.")
	XLSFormColumnNotExpressible = def("xlsform_column_not_expressible",
		"khaosat không biểu diễn được cột «%s».",
		"khaosat cannot express the column «%s».")
	XLSFormColumnUsedGroup = def("xlsform_column_used_group",
		"Cột %s không dùng được cho nhóm.",
		"The %s column cannot be used on a group.")
	XLSFormListUnused = def("xlsform_list_unused",
		"Danh sách «%s» không được câu hỏi nào dùng.",
		"No question uses the list «%s».")
	XLSFormNameAlreadyUsedLevel = def("xlsform_name_already_used_level",
		"Tên «%s» đã dùng cho câu hỏi khác cùng cấp.",
		"The name «%s» is already used at this level.")
	XLSFormXAgeDateQuestions = def("xlsform_x_age_date_questions",
		"x-age chỉ dùng cho câu hỏi date.",
		"x-age is for date questions only.")
	XLSFormXAgeReadMinMax = def("xlsform_x_age_read_min_max",
		"x-age phải có dạng «min-max» (số năm tròn), ví dụ 0-17.",
		"x-age must read «min-max» (completed years), e.g. 0-17.")
	XLSFormChoicesListCarryXAge = def("xlsform_choices_list_carry_x_age",
		"Các lựa chọn của danh sách «%s» có x-age: câu hỏi cần x-age-from (tên câu hỏi ngày sinh).",
		"The choices of list «%s» carry x-age: the question needs x-age-from (the name of the birth date question).")
	XLSFormXAgeFromSelectOne = def("xlsform_x_age_from_select_one",
		"x-age-from chỉ dùng cho câu hỏi select_one.",
		"x-age-from is for select_one questions only.")
	XLSFormEachChoiceAgeBandNeeds = def("xlsform_each_choice_age_band_needs",
		"Mỗi lựa chọn của nhóm tuổi cần x-age dạng «min-max».",
		"Each choice of an age band needs x-age as «min-max».")
	XLSFormRegexNotValid = def("xlsform_regex_not_valid",
		"biểu thức regex «%s» không hợp lệ",
		"the regex «%s» is not valid")
	XLSFormDotComparison = def("xlsform_dot_comparison",
		"với «.» chỉ hỗ trợ «. >= số», «. > số», «. <= số», «. < số»",
		"«.» supports only «. >= n», «. > n», «. <= n», «. < n»")
	XLSFormComparesWholeNumber = def("xlsform_compares_whole_number",
		"%s() so sánh với một số nguyên",
		"%s() compares with a whole number")
	XLSFormLengthComparison = def("xlsform_length_comparison",
		"%s() chỉ hỗ trợ >=, >, <=, <",
		"%s() supports only >=, >, <=, <")
	XLSFormConstraintExpressedQuestionSeeForms = def("xlsform_constraint_expressed_question_see_forms",
		"ràng buộc này không biểu diễn được cho câu hỏi %s; xem forms/README.md (XLSForm)",
		"this constraint cannot be expressed for a %s question; see forms/README.md (XLSForm)")
	XLSFormBoundGivenTwice = def("xlsform_bound_given_twice",
		"ràng buộc %s lặp lại",
		"the %s bound is given twice")
	XLSFormSelectedChoiceQuestionsNotOne = def("xlsform_selected_choice_questions_not_one",
		"selected() chỉ dùng cho câu hỏi lựa chọn; ${%s} không phải",
		"selected() is for choice questions; ${%s} is not one")
	XLSFormRegexBelongsConstraintColumn = def("xlsform_regex_belongs_constraint_column",
		"regex() chỉ dùng trong cột constraint",
		"regex() belongs in the constraint column only")
	XLSFormBelongsConstraintColumnHereWrite = def("xlsform_belongs_constraint_column_here_write",
		"«.» chỉ dùng trong cột constraint; ở đây hãy viết ${tên}",
		"«.» belongs in the constraint column; here write ${name}")
	XLSFormCountSelectedSelectMultipleNot = def("xlsform_count_selected_select_multiple_not",
		"count-selected() chỉ dùng cho select_multiple; ${%s} không phải",
		"count-selected() is for select_multiple; ${%s} is not one")
	XLSFormCountSelectedSupportsNN = def("xlsform_count_selected_supports_n_n",
		"với count-selected() chỉ hỗ trợ «>= n» (n ≥ 1) hoặc «> n»",
		"count-selected() supports only «>= n» (n ≥ 1) or «> n»")
	XLSFormNotSupportedCondition = def("xlsform_not_supported_condition",
		"%s() không được hỗ trợ trong điều kiện",
		"%s() is not supported in a condition")
	XLSFormCompareEquality = def("xlsform_compare_equality",
		"${%s} chỉ so sánh được bằng = hoặc !=",
		"${%s} can only be compared with = or !=")
	XLSFormCompareNonEmptyQuotedText = def("xlsform_compare_non_empty_quoted_text",
		"so sánh ${%s} với một chuỗi không rỗng trong dấu nháy",
		"compare ${%s} with a non-empty quoted text")
	XLSFormCompareNumber = def("xlsform_compare_number",
		"so sánh ${%s} với một số",
		"compare ${%s} with a number")
	XLSFormSelectMultipleUseSelectedCode = def("xlsform_select_multiple_use_selected_code",
		"${%s} là select_multiple: dùng selected(${%s}, 'mã') hoặc count-selected()",
		"${%s} is a select_multiple: use selected(${%s}, 'code') or count-selected()")
	XLSFormQuestionsLikeCompared = def("xlsform_questions_like_compared",
		"không so sánh được câu hỏi ${%s} loại %s",
		"questions like ${%s} (%s) cannot be compared")
	XLSFormNotQuestionSameLevelForm = def("xlsform_not_question_same_level_form",
		"${%s} không phải là câu hỏi cùng cấp (cùng gốc biểu mẫu hoặc cùng nhóm lặp)",
		"${%s} is not a question at the same level (the form's root, or the same repeat)")
	XLSFormNoSuchCode = def("xlsform_no_such_code",
		"${%s} không có mã «%s»",
		"${%s} has no code «%s»")
	XLSFormRefNotClosed = def("xlsform_ref_not_closed",
		"«${» không được đóng bằng «}»",
		"«${» is not closed by «}»")
	XLSFormQuotedTextNotClosed = def("xlsform_quoted_text_not_closed",
		"chuỗi không được đóng",
		"a quoted text is not closed")
	XLSFormBadNumber = def("xlsform_bad_number",
		"số «%s» không hợp lệ",
		"«%s» is not a number")
	XLSFormLoneBang = def("xlsform_lone_bang",
		"«!» đứng một mình",
		"a lone «!»")
	XLSFormCharNotSupported = def("xlsform_char_not_supported",
		"ký tự «%c» không được hỗ trợ",
		"«%c» is not supported")
	XLSFormUnexpectedEnd = def("xlsform_unexpected_end",
		"thừa «%s» ở cuối",
		"unexpected «%s» at the end")
	XLSFormExpectedFound = def("xlsform_expected_found",
		"cần %s, gặp «%s»",
		"expected %s, found «%s»")
	XLSFormExpectedComparisonAfter = def("xlsform_expected_comparison_after",
		"cần một phép so sánh (=, !=, <, <=, >, >=) sau %s",
		"expected a comparison (=, !=, <, <=, >, >=) after %s")
	XLSFormFunctionWordNotSupported = def("xlsform_function_word_not_supported",
		"hàm hoặc từ «%s» không được hỗ trợ",
		"the function or word «%s» is not supported")
	XLSFormExpectedNameFound = def("xlsform_expected_name_found",
		"cần ${tên} hoặc «.», gặp «%s»",
		"expected ${name} or «.», found «%s»")
	XLSFormExpectedValueCodeNumberFound = def("xlsform_expected_value_code_number_found",
		"cần một giá trị ('mã' hoặc số), gặp «%s»",
		"expected a value ('code' or a number), found «%s»")
	XLSFormRootKeywordHasXlsformColumn = def("xlsform_root_keyword_has_xlsform_column",
		"từ khoá gốc %s không có trong XLSForm",
		"the root keyword %s has no XLSForm column")
	XLSFormSchemaDraft202012 = def("xlsform_schema_draft_2020_12",
		"$schema phải là draft 2020-12",
		"$schema must be draft 2020-12")
	XLSFormObjectNeedsTypeObjectAdditionalproperties = def("xlsform_object_needs_type_object_additionalproperties",
		"đối tượng cần type object và additionalProperties: false",
		"an object needs type object and additionalProperties: false")
	XLSFormKeywordHasXlsformColumn = def("xlsform_keyword_has_xlsform_column",
		"từ khoá %s không có trong XLSForm",
		"the keyword %s has no XLSForm column")
	XLSFormIfThenRulesAreSupported = def("xlsform_if_then_rules_are_supported",
		"chỉ hỗ trợ quy tắc {if, then}",
		"only {if, then} rules are supported")
	XLSFormThenMayHoldRequiredProperties = def("xlsform_then_may_hold_required_properties",
		"then chỉ được có required và properties",
		"then may hold only required and properties")
	XLSFormThenPropertiesMayForbidField = def("xlsform_then_properties_may_forbid_field",
		"then.properties chỉ được cấm trường (false)",
		"then.properties may only forbid a field (false)")
	XLSFormFieldNeedsObjectSchema = def("xlsform_field_needs_object_schema",
		"trường cần một lược đồ đối tượng",
		"a field needs an object schema")
	XLSFormAlwaysRequiredFieldAlsoHave = def("xlsform_always_required_field_also_have",
		"trường luôn bắt buộc không thể đồng thời có quy tắc điều kiện",
		"an always required field cannot also have conditional rules")
	XLSFormConditionWrittenXlsform = def("xlsform_condition_written_xlsform",
		"điều kiện không viết được bằng XLSForm: %v",
		"a condition cannot be written in XLSForm: %v")
	XLSFormSelectMultipleNeedsUniqueitemsTrue = def("xlsform_select_multiple_needs_uniqueitems_true",
		"select_multiple cần uniqueItems: true và mã dạng chuỗi",
		"a select_multiple needs uniqueItems: true and text codes")
	XLSFormKindFieldHasXlsformType = def("xlsform_kind_field_has_xlsform_type",
		"loại trường này không có trong XLSForm",
		"this kind of field has no XLSForm type")
	XLSFormKeywordHasXlsformColumnKind = def("xlsform_keyword_has_xlsform_column_kind",
		"từ khoá %s không có trong XLSForm ở loại câu hỏi này",
		"the keyword %s has no XLSForm column on this kind of question")
	XLSFormRepeatNeedsItems = def("xlsform_repeat_needs_items",
		"nhóm lặp cần items",
		"a repeat needs items")
	XLSFormXChoicesDifferFromEnum = def("xlsform_x_choices_differ_from_enum",
		"x-choices khác enum",
		"x-choices differ from enum")
	XLSFormIntegerCodesNeedTypeInteger = def("xlsform_integer_codes_need_type_integer",
		"mã số nguyên cần type integer, và ngược lại",
		"integer codes need type integer, and only they")
	XLSFormTextCodedListDigitsWould = def("xlsform_text_coded_list_digits_would",
		"danh sách mã chuỗi toàn chữ số sẽ được đọc lại thành mã số nguyên",
		"a text-coded list of digits only would read back as integer codes")
	XLSFormXChoicesEnumDifferLength = def("xlsform_x_choices_enum_differ_length",
		"x-choices và enum khác độ dài",
		"x-choices and enum differ in length")
)
