package msg

// Messages of internal/plan and its HTTP routes: targets, their CSV
// import, and the reports of a period.
var (
	// plan.go
	PlanInvalid = def("plan_invalid",
		"Dữ liệu không hợp lệ; xem danh sách trường bị lỗi.",
		"The request is invalid; see the failing fields.")

	// csv.go
	PlanFileTooLarge = def("plan_file_too_large",
		"Tệp mục tiêu quá lớn (tối đa 4 MiB).",
		"The targets file is too large (at most 4 MiB).")
	PlanFileEncoding = def("plan_file_encoding",
		"Tệp phải được mã hoá UTF-8.",
		"The file must be encoded in UTF-8.")
	PlanFileEmpty = def("plan_file_empty",
		"Tệp trống: cần một dòng tiêu đề và các dòng mục tiêu.",
		"The file is empty: it needs a header row and rows of targets.")
	PlanFileHeader = def("plan_file_header",
		"Không đọc được dòng tiêu đề CSV.",
		"The CSV header row cannot be read.")
	PlanColumnUnknown = def("plan_column_unknown",
		"Cột không được hỗ trợ: «%s».",
		"Unknown column «%s».")
	PlanColumnMissing = def("plan_column_missing",
		"Thiếu cột «%s».",
		"The column «%s» is missing.")
	PlanLineNotCSV = def("plan_line_not_csv",
		"Dòng %d không phải CSV hợp lệ.",
		"Line %d is not valid CSV.")
	PlanNotNumber = def("plan_not_number",
		"«%s» không phải là số.",
		"«%s» is not a number.")

	// target.go
	PlanIndicatorRequired = def("plan_indicator_required",
		"Thiếu mã chỉ số.",
		"The indicator code is missing.")
	PlanIndicatorUnknown = def("plan_indicator_unknown",
		"Không có chỉ số «%s».",
		"There is no indicator «%s».")
	PlanPeriod = def("plan_period",
		"Kỳ phải có dạng 2026 hoặc 2026Q2.",
		"The period must look like 2026 or 2026Q2.")
	PlanUnitRequired = def("plan_unit_required",
		"Thiếu mã đơn vị.",
		"The unit code is missing.")
	PlanUnitUnknown = def("plan_unit_unknown",
		"Không có đơn vị «%s» vào cuối kỳ %s.",
		"There is no unit «%s» at the end of %s.")
	PlanValueRequired = def("plan_value_required",
		"Thiếu giá trị.",
		"The value is missing.")
	PlanValueNegative = def("plan_value_negative",
		"Giá trị phải là số không âm.",
		"The value must be a number of 0 or more.")
	PlanPercentMax = def("plan_percent_max",
		"Tỷ lệ phần trăm không quá 100.",
		"A percent is at most 100.")
	PlanCountWhole = def("plan_count_whole",
		"Chỉ số đếm cần số nguyên.",
		"A count needs a whole number.")
	PlanPercentMore = def("plan_percent_more",
		"Với chỉ số tỷ lệ, đạt mục tiêu nghĩa là giá trị ≥ mục tiêu; không dùng «less».",
		"For a percent, on track means value ≥ target; «less» does not apply.")
	PlanBetter = def("plan_better",
		"Chiều tốt hơn phải là more hoặc less.",
		"better must be more or less.")
	PlanBaselinePeriodRequired = def("plan_baseline_period_required",
		"Giá trị cơ sở cần kỳ của nó.",
		"A baseline value needs its period.")
	PlanBaselineValueRequired = def("plan_baseline_value_required",
		"Kỳ cơ sở cần giá trị của nó.",
		"A baseline period needs its value.")
	PlanBaselinePeriod = def("plan_baseline_period",
		"Kỳ cơ sở phải có dạng 2025 hoặc 2025Q4.",
		"The baseline period must look like 2025 or 2025Q4.")
	PlanBaselineNotBefore = def("plan_baseline_not_before",
		"Kỳ cơ sở phải kết thúc trước khi kỳ mục tiêu bắt đầu.",
		"The baseline period must end before the target's period begins.")
	PlanTargetsForbidden = def("plan_targets_forbidden",
		"Chỉ quản lý dữ liệu và quản trị viên được đặt mục tiêu.",
		"Only data managers and administrators set targets.")
	PlanTargetNotFound = def("plan_target_not_found",
		"Không tìm thấy mục tiêu.",
		"Target not found.")
	PlanNoTargets = def("plan_no_targets",
		"Không có mục tiêu nào.",
		"There are no targets.")
	PlanTooManyTargets = def("plan_too_many_targets",
		"Quá nhiều mục tiêu trong một lần nhập (tối đa %d).",
		"Too many targets in one import (at most %d).")
	PlanDuplicateTarget = def("plan_duplicate_target",
		"Trùng chỉ số, đơn vị và kỳ với %s.",
		"Same indicator, unit and period as %s.")

	// report.go
	PlanReportNotFound = def("plan_report_not_found",
		"Không tìm thấy báo cáo.",
		"Report not found.")
	PlanReportRaced = def("plan_report_raced",
		"Báo cáo vừa được người khác thay đổi; hãy tải lại.",
		"The report was changed by someone else meanwhile; reload it.")
	PlanCityReports = def("plan_city_reports",
		"Thành phố không gửi báo cáo lên cấp trên.",
		"The city reports to no one above it.")
	PlanMayNotSubmit = def("plan_may_not_submit",
		"Bạn không có quyền gửi báo cáo.",
		"You may not submit reports.")
	PlanSubmittedAlready = def("plan_submitted_already",
		"Báo cáo kỳ này đã được gửi (%s); chỉ gửi lại được khi bị trả lại.",
		"This period's report was already submitted (%s); it can be submitted again only once returned.")
	PlanReturnComment = def("plan_return_comment",
		"Khi trả lại báo cáo cần ghi lý do.",
		"Returning a report needs a comment.")
	PlanCommentTooLong = def("plan_comment_too_long",
		"Ghi chú quá dài.",
		"The comment is too long.")
	PlanMayNotSignOff = def("plan_may_not_sign_off",
		"Chỉ giám sát viên của đơn vị cấp trên được duyệt hoặc trả lại báo cáo.",
		"Only a supervisor of the parent unit approves or returns a report.")
	PlanNotSubmitted = def("plan_not_submitted",
		"Chỉ duyệt hoặc trả lại được báo cáo đang chờ duyệt (hiện: %s).",
		"Only a submitted report can be approved or returned (now: %s).")
	PlanOwnReport = def("plan_own_report",
		"Người gửi báo cáo không tự duyệt hoặc trả lại báo cáo của mình.",
		"Whoever submitted a report does not approve or return it.")

	// view.go
	PlanNoVersion = def("plan_no_version",
		"Báo cáo không có phiên bản này.",
		"The report has no such version.")

	// internal/httpapi/plan.go
	PlanTargetsCSV = def("plan_targets_csv",
		"Tệp mục tiêu phải được gửi dưới dạng CSV (Content-Type: text/csv).",
		"The targets file must be sent as CSV (Content-Type: text/csv).")
	PlanVersionInvalid = def("plan_version_invalid",
		"Phiên bản phải là số nguyên dương.",
		"version must be a positive whole number.")
)
