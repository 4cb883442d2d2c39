package msg

// Messages of internal/indicator: indicator queries.
var (
	// query.go
	QueryBy = def("query_by",
		"Chỉ phân tổ theo sex, age_group.",
		"by may only hold sex and age_group.")
	QueryDate = def("query_date",
		"Ngày phải có dạng YYYY-MM-DD.",
		"The date must be YYYY-MM-DD.")
	QueryFromToPair = def("query_from_to_pair",
		"Cần cả from và to.",
		"Both from and to are needed.")
	QueryLevel = def("query_level",
		"Cấp phải là commune, district hoặc city.",
		"level must be commune, district or city.")
	QueryPeriod = def("query_period",
		"Kỳ báo cáo phải có dạng 2026 hoặc 2026Q2.",
		"The period must look like 2026 or 2026Q2.")
	QueryPeriodOrRange = def("query_period_or_range",
		"Chỉ dùng period hoặc from/to, không dùng cả hai.",
		"Give period or from/to, not both.")
	QuerySensitivePeriod = def("query_sensitive_period",
		"Chỉ số nhạy cảm chỉ được xem theo năm hoặc quý dương lịch (period=2026 hoặc 2026Q2, hay from/to trùng đúng một năm hoặc một quý): khoảng ngày khác có thể trừ nhau để lộ ô bị ẩn.",
		"Sensitive indicators are given only for a calendar year or quarter (period=2026 or 2026Q2, or from/to spanning exactly one): other date ranges could be subtracted from each other to reveal hidden cells.")
	QueryToBeforeFrom = def("query_to_before_from",
		"Ngày kết thúc trước ngày bắt đầu.",
		"to is before from.")
	QueryUnitRequired = def("query_unit_required",
		"Hãy chọn đơn vị (unit).",
		"Choose a unit.")
	QueryUnitUnknown = def("query_unit_unknown",
		"Không có đơn vị «%s» trong kỳ này.",
		"There is no unit «%s» in this period.")
	UnitOutOfScope = def("unit_out_of_scope",
		"Đơn vị này nằm ngoài địa bàn được giao cho bạn.",
		"This unit is outside the area assigned to you.")
)
