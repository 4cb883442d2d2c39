package msg

// Messages of internal/httpapi: the HTTP layer.
var (
	// attachment.go
	AttachmentTooLarge = def("attachment_too_large",
		"Tệp đính kèm quá lớn.",
		"The attachment is too large.")
	UploadForbidden = def("upload_forbidden",
		"Vai trò của bạn không được gửi tệp.",
		"Your role may not upload files.")

	// audit.go
	ParamDateOrTime = def("param_date_or_time",
		"Tham số «%s» phải là ngày YYYY-MM-DD hoặc thời điểm RFC 3339.",
		"The «%s» parameter must be a date YYYY-MM-DD or an RFC 3339 time.")

	// auth.go
	AuthRequired = def("auth_required",
		"Cần đăng nhập (thiếu hoặc sai mã truy cập).",
		"Authentication required: missing or invalid access token.")

	// cors.go
	BodyTooLargeLimit = def("body_too_large_limit",
		"Nội dung gửi lên quá lớn (tối đa %d byte).",
		"The request body is too large (at most %d bytes).")
	OriginForbidden = def("origin_forbidden",
		"Nguồn gốc (origin) này không được phép gọi API.",
		"This origin may not call the API.")

	// decode.go
	BodyNotJSON = def("body_not_json",
		"Nội dung không phải JSON hợp lệ.",
		"The body is not valid JSON.")
	BodyNotJSONType = def("body_not_json_type",
		"Nội dung phải được gửi dưới dạng JSON (Content-Type: application/json).",
		"The body must be sent as JSON (Content-Type: application/json).")
	BodyTrailingData = def("body_trailing_data",
		"Sau đối tượng JSON còn dữ liệu thừa.",
		"There is trailing data after the JSON object.")
	UnknownFieldNamed = def("unknown_field_named",
		"Trường không được phép: «%s».",
		"Unknown field «%s».")
	UnknownFieldShort = def("unknown_field_short",
		"Trường không được phép.",
		"Field not allowed.")
	WrongTypeNamed = def("wrong_type_named",
		"Sai kiểu dữ liệu ở trường «%s».",
		"Wrong type for field «%s».")
	WrongTypeShort = def("wrong_type_short",
		"Sai kiểu dữ liệu.",
		"Wrong type.")

	// design.go
	BodyNotForm = def("body_not_form",
		"Nội dung phải là một biểu mẫu JSON Schema (đối tượng JSON).",
		"The body must be a JSON Schema form (a JSON object).")
	DesignersOnly = def("designers_only",
		"Chỉ người thiết kế biểu mẫu hoặc quản trị viên được làm việc này.",
		"Only form designers and administrators may do this.")
	ParamFormatJSONOrCSV = def("param_format_json_or_csv",
		"«format» phải là json hoặc csv.",
		"«format» must be json or csv.")
	ParamVersionNumber = def("param_version_number",
		"«%s» phải là số phiên bản (số nguyên dương).",
		"«%s» must be a version number (a positive integer).")

	// errors.go
	DatabaseUnavailable = def("database_unavailable",
		"Cơ sở dữ liệu tạm thời không trả lời; vui lòng thử lại sau ít giây.",
		"The database is not answering for the moment; please try again in a few seconds.")
	DiskNearlyFull = def("disk_nearly_full",
		"Máy chủ sắp hết dung lượng đĩa nên chưa lưu được; dữ liệu vẫn ở trên máy của bạn, hãy gửi lại sau. Hãy báo quản trị viên.",
		"The server is nearly out of disk space and stored nothing; your data stays on your device, send it again later. Tell an administrator.")
	ServerError = def("server_error",
		"Lỗi máy chủ; vui lòng thử lại sau. Nếu lỗi lặp lại, hãy báo mã yêu cầu cho quản trị viên.",
		"Server error; please try again later. If it persists, give the request id to an administrator.")

	// export.go
	ParamBool = def("param_bool",
		"Tham số «%s» phải là true hoặc false.",
		"The «%s» parameter must be true or false.")
	ParamHeader = def("param_header",
		"Tham số «header» phải là names hoặc labels.",
		"The «header» parameter must be names or labels.")
	ParamVersion = def("param_version",
		"Tham số «version» phải là số nguyên dương.",
		"The «version» parameter must be a positive integer.")

	// form.go
	VersionPositive = def("version_positive",
		"Số phiên bản phải là số nguyên dương.",
		"The version must be a positive integer.")

	// indicator.go
	IndicatorUnknown = def("indicator_unknown",
		"Không có chỉ số «%s».",
		"There is no indicator «%s».")
	IndicatorsForbidden = def("indicators_forbidden",
		"Bạn không có quyền xem chỉ số.",
		"You may not read indicators.")
	ParamFormatTable = def("param_format_table",
		"Định dạng phải là json, csv hoặc xlsx.",
		"format must be json, csv or xlsx.")
	ParamRepeated = def("param_repeated",
		"Tham số «%s» chỉ được dùng một lần.",
		"The parameter «%s» may appear once.")
	ParamUnsupported = def("param_unsupported",
		"Tham số «%s» không được hỗ trợ.",
		"Unsupported parameter «%s».")

	// lifecycle.go
	EditForbidden = def("edit_forbidden",
		"Vai trò của bạn không được sửa phiếu.",
		"Your role may not edit submissions.")
	IfMatchMalformed = def("if_match_malformed",
		"If-Match phải là phiên bản (ETag) của phiếu, ví dụ \"2\".",
		"If-Match must be the revision (ETag) of the submission, e.g. \"2\".")
	IfMatchRequired = def("if_match_required",
		"Cần gửi If-Match với phiên bản (ETag) của phiếu đã tải về.",
		"Send If-Match with the revision (ETag) of the submission you read.")
	ParamPositiveInteger = def("param_positive_integer",
		"Tham số «%s» phải là số nguyên dương.",
		"The «%s» parameter must be a positive integer.")

	// server.go
	BodyTooLarge = def("body_too_large",
		"Nội dung gửi lên quá lớn.",
		"The request body is too large.")
	BodyTooSlow = def("body_too_slow",
		"Nội dung gửi lên đến quá chậm; hãy gửi lại.",
		"The request body arrived too slowly; send it again.")
	BodyUnreadable = def("body_unreadable",
		"Không đọc được nội dung gửi lên.",
		"The request body could not be read.")
	DatabaseNotReady = def("database_not_ready",
		"Cơ sở dữ liệu chưa sẵn sàng.",
		"The database is not reachable.")
	MethodNotAllowed = def("method_not_allowed",
		"Phương thức không được hỗ trợ.",
		"Method not allowed.")

	// session.go
	AccountChangeAdminsOnly = def("account_change_admins_only",
		"Chỉ quản trị viên được sửa tài khoản.",
		"Only an administrator may change accounts.")

	// static.go
	RouteNotFound = def("route_not_found",
		"Không có đường dẫn này.",
		"No such route.")

	// submission.go
	ParamDate = def("param_date",
		"Tham số «%s» phải là ngày YYYY-MM-DD.",
		"The «%s» parameter must be a date YYYY-MM-DD.")
	ParamLimit = def("param_limit",
		"Tham số «limit» phải từ 1 đến %d.",
		"The «limit» parameter must be between 1 and %d.")
	SubmitForbidden = def("submit_forbidden",
		"Vai trò của bạn không được gửi phiếu.",
		"Your role may not send submissions.")

	// text.go
	TextInvalid = def("text_invalid",
		"Văn bản gửi lên có ký tự không hợp lệ; xem danh sách trường.",
		"The request holds text with invalid characters; see the fields.")

	// unit.go
	ParamAtDate = def("param_at_date",
		"Tham số «at» phải là ngày YYYY-MM-DD.",
		"The «at» parameter must be a date YYYY-MM-DD.")
	ParentUnitNotFoundOnDate = def("parent_unit_not_found_on_date",
		"Không có đơn vị «%s» vào ngày này.",
		"There is no unit «%s» on that date.")
	UnitNotFoundOnDate = def("unit_not_found_on_date",
		"Không có đơn vị này vào ngày đã chọn.",
		"There is no such unit on that date.")

	// user.go
	AccountCreateAdminsOnly = def("account_create_admins_only",
		"Chỉ quản trị viên được tạo tài khoản.",
		"Only an administrator may create accounts.")
)
