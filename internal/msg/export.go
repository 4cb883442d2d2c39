package msg

// Messages of internal/export: exports.
var (
	// layout.go
	ColumnCollector = def("column_collector",
		"Người thu thập",
		"Collector")
	ColumnCount = def("column_count",
		"%s (số lượng)",
		"%s (count)")
	ColumnFormVersion = def("column_form_version",
		"Phiên bản biểu mẫu",
		"Form version")
	ColumnID = def("column_id",
		"Mã phiếu",
		"Submission id")
	ColumnKey = def("column_key",
		"Khoá dòng",
		"Row key")
	ColumnParentKey = def("column_parent_key",
		"Khoá dòng cha",
		"Parent row key")
	ColumnReceivedAt = def("column_received_at",
		"Thời điểm nhận",
		"Received at")
	ColumnReviewState = def("column_review_state",
		"Trạng thái duyệt",
		"Review state")
	ColumnRevision = def("column_revision",
		"Lần sửa",
		"Revision")
	ColumnSurveyDate = def("column_survey_date",
		"Ngày khảo sát",
		"Survey date")
	ColumnUnit = def("column_unit",
		"Mã xã/phường",
		"Commune/ward code")
	ColumnUnitName = def("column_unit_name",
		"Tên xã/phường",
		"Commune/ward name")

	// xlsx.go
	XLSXTooManyRows = def("xlsx_too_many_rows",
		"Bảng «%s» vượt quá số dòng tối đa của Excel; hãy xuất dạng zip hoặc lọc bớt.",
		"Table «%s» has more rows than Excel allows; export as zip or narrow the filters.")
)
