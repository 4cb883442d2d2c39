package msg

// Messages of internal/xlsform, its HTTP routes and the forms import and
// export commands.
var (
	XLSFormWorkbookErrors = def("xlsform_workbook_errors",
		"Bảng tính XLSForm có lỗi; xem danh sách (trang, dòng, cột), sửa rồi gửi lại.",
		"The XLSForm workbook has errors; see the list (sheet, row, column), fix them and send it again.")
	XLSFormVersionNotExpressible = def("xlsform_version_not_expressible",
		"Phiên bản này dùng JSON Schema mà XLSForm không biểu diễn được.",
		"This version uses JSON Schema that XLSForm cannot express.")
)
