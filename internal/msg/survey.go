package msg

// Messages of internal/survey: the domain core and its services.
var (
	// attachment.go
	AttachmentExtension = def("attachment_extension",
		"Đuôi tên tệp phải khớp với nội dung tệp (%s): dùng %s.",
		"The name's extension must match the file's content (%s): use %s.")
	AttachmentExtensionField = def("attachment_extension_field",
		"Đuôi tên tệp không khớp nội dung (%s).",
		"Extension does not match the content (%s).")
	AttachmentBytesLimit = def("attachment_bytes_limit",
		"Tổng dung lượng tệp đính kèm của một phiếu tối đa %s.",
		"The attachments of a submission total at most %s.")
	AttachmentBytesLimitField = def("attachment_bytes_limit_field",
		"Tối đa %s mỗi phiếu.",
		"At most %s per submission.")
	AttachmentCountLimit = def("attachment_count_limit",
		"Mỗi phiếu có tối đa %s tệp đính kèm; hãy thay một tệp đã gửi (cùng tên) thay vì thêm tệp mới.",
		"A submission holds at most %s attachments; replace one already sent (same name) instead of adding another.")
	AttachmentCountLimitField = def("attachment_count_limit_field",
		"Tối đa %s tệp mỗi phiếu.",
		"At most %s attachments per submission.")
	AttachmentDailyLimit = def("attachment_daily_limit",
		"Mỗi người gửi tối đa %s tệp đính kèm mỗi ngày; hãy gửi tiếp sau 0 giờ (giờ Việt Nam).",
		"One user uploads at most %s of attachments a day; upload again after midnight (Vietnam time, UTC+7).")
	AttachmentNameInvalid = def("attachment_name_invalid",
		"Tên tệp không hợp lệ.",
		"Invalid attachment name.")
	AttachmentNameShape = def("attachment_name_shape",
		"Tên tệp đính kèm chỉ gồm chữ không dấu, số, '.', '_' và '-', tối đa 100 ký tự, không phải đường dẫn.",
		"An attachment name has only ASCII letters, digits, '.', '_' and '-', at most 100 characters, and is not a path.")
	AttachmentTypeMismatch = def("attachment_type_mismatch",
		"Nội dung tệp không khớp với loại tệp đã khai (%s).",
		"The file's bytes do not match its declared type (%s).")
	AttachmentTypeMismatchField = def("attachment_type_mismatch_field",
		"Nội dung không khớp loại tệp.",
		"Bytes do not match the type.")
	AttachmentTypeRefused = def("attachment_type_refused",
		"Loại tệp không được nhận; chỉ nhận JPEG, PNG, WebP hoặc PDF.",
		"This file type is not accepted; send JPEG, PNG, WebP or PDF.")
	AttachmentTypeRefusedField = def("attachment_type_refused_field",
		"Loại tệp không được nhận.",
		"File type not accepted.")
	NounAttachment = def("noun_attachment",
		"tệp đính kèm",
		"Attachment")

	// auditlog.go
	CursorInvalidField = def("cursor_invalid_field",
		"Con trỏ không hợp lệ.",
		"Invalid cursor.")
	PageCursorInvalid = def("page_cursor_invalid",
		"Con trỏ phân trang (cursor) không hợp lệ.",
		"The cursor is not valid.")

	// design.go
	DraftDoesNotCompile = def("draft_does_not_compile",
		"Biểu mẫu không biên dịch được.",
		"The form does not compile.")
	DraftFormIDMismatch = def("draft_form_id_mismatch",
		"x-form của bản nháp phải là «%s».",
		"The draft's x-form must be «%s».")
	DraftFormIDMismatchField = def("draft_form_id_mismatch_field",
		"x-form khác mã biểu mẫu.",
		"x-form differs from the form id.")
	DraftHasErrors = def("draft_has_errors",
		"Biểu mẫu có lỗi; xem danh sách, sửa rồi gửi lại.",
		"The form has errors; see the list, fix them and send it again.")
	FormExists = def("form_exists",
		"Đã có biểu mẫu «%s»; hãy sửa bản nháp của nó (PUT …/draft).",
		"A form «%s» already exists; edit its draft instead (PUT …/draft).")
	FormUnpublished = def("form_unpublished",
		"Biểu mẫu chưa có phiên bản nào được phát hành.",
		"The form has no published version yet.")
	NotesMaxLength = def("notes_max_length",
		"Ghi chú phát hành quá dài.",
		"The release notes are too long.")
	NotesMaxLengthField = def("notes_max_length_field",
		"Tối đa 2000 ký tự.",
		"At most 2000 characters.")
	NounDraft = def("noun_draft",
		"bản nháp của biểu mẫu",
		"The form's draft")
	PublishBreaking = def("publish_breaking",
		"Không phát hành được: thay đổi này làm sai lệch dữ liệu đã thu. Hãy thêm trường hoặc mã mới thay vì đổi trường hoặc mã cũ.",
		"Cannot publish: this change would corrupt data already collected. Add new fields or codes instead of changing existing ones.")
	PublishRace = def("publish_race",
		"Biểu mẫu đang được phát hành cùng lúc ở nơi khác; hãy thử lại.",
		"The form is being published elsewhere at the same time; try again.")
	PublishUnchanged = def("publish_unchanged",
		"Nội dung này đã được phát hành; không có gì mới để phát hành.",
		"This content is already published; there is nothing new to publish.")

	// enroll.go
	AccountDisabled = def("account_disabled",
		"Tài khoản đã bị khoá.",
		"The account is disabled.")
	DeviceIDRequired = def("device_id_required",
		"Cần mã thiết bị (1–128 ký tự).",
		"A device id (1–128 characters) is required.")
	DeviceIDRequiredField = def("device_id_required_field",
		"Cần mã thiết bị.",
		"A device id is required.")
	EnrollReachRefused = def("enroll_reach_refused",
		"Tài khoản này đọc được dữ liệu mà quyền của bạn không cho phép (biểu mẫu nhạy cảm); chỉ quản trị viên được cấp mã đăng ký thiết bị cho tài khoản này.",
		"This account can read data your own access does not allow (sensitive forms); only an administrator may issue an enrolment code for it.")
	EnrollmentInvalid = def("enrollment_invalid",
		"Mã đăng ký thiết bị không đúng, đã dùng hoặc đã hết hạn.",
		"The enrollment code is wrong, already used or expired.")
	NounEnrollment = def("noun_enrollment",
		"mã đăng ký",
		"Enrollment code")
	NounUser = def("noun_user",
		"người dùng",
		"User")

	// envelope.go
	EnvelopeDataRequired = def("envelope_data_required",
		"Thiếu phần trả lời (data).",
		"data is required.")
	EnvelopeDataType = def("envelope_data_type",
		"Phần trả lời (data) phải là một đối tượng.",
		"data must be an object.")
	EnvelopeDeviceIDLength = def("envelope_device_id_length",
		"Mã thiết bị tối đa 128 ký tự.",
		"device_id has at most 128 characters.")
	EnvelopeEndedBeforeStart = def("envelope_ended_before_start",
		"Thời điểm kết thúc phải sau thời điểm bắt đầu.",
		"ended_at must not be before started_at.")
	EnvelopeIDFormat = def("envelope_id_format",
		"Mã phiếu (id) phải là UUID dạng 8-4-4-4-12.",
		"The id must be a UUID in 8-4-4-4-12 form.")
	EnvelopeLocationRange = def("envelope_location_range",
		"«%s» phải trong khoảng %g đến %g.",
		"location.%s must be between %g and %g.")
	EnvelopeLocationRequired = def("envelope_location_required",
		"Thiếu «%s» trong vị trí.",
		"location.%s is required.")
	EnvelopeLocationShape = def("envelope_location_shape",
		"Vị trí phải là đối tượng {lat, lon, accuracy}.",
		"location must be an object {lat, lon, accuracy}.")
	EnvelopeLocationType = def("envelope_location_type",
		"«%s» phải là số.",
		"location.%s must be a number.")
	EnvelopeLocationUnknownField = def("envelope_location_unknown_field",
		"Trường không được phép trong vị trí.",
		"Field not allowed in location.")
	EnvelopeNotObject = def("envelope_not_object",
		"Nội dung gửi lên không phải là một đối tượng JSON hợp lệ.",
		"The body is not a valid JSON object.")
	EnvelopeRequired = def("envelope_required",
		"Thiếu trường bắt buộc «%s».",
		"«%s» is required.")
	EnvelopeString = def("envelope_string",
		"«%s» phải là chuỗi ký tự.",
		"«%s» must be a string.")
	EnvelopeSurveyDateFormat = def("envelope_survey_date_format",
		"Ngày khảo sát phải có dạng YYYY-MM-DD.",
		"The survey date must be a date YYYY-MM-DD.")
	EnvelopeSurveyDateFuture = def("envelope_survey_date_future",
		"Ngày khảo sát không được ở tương lai.",
		"The survey date cannot be in the future.")
	EnvelopeTimeFormat = def("envelope_time_format",
		"«%s» phải là thời điểm RFC 3339, ví dụ 2026-06-15T08:30:00+07:00.",
		"«%s» must be an RFC 3339 time, e.g. 2026-06-15T08:30:00+07:00.")
	EnvelopeUnitFormat = def("envelope_unit_format",
		"Mã đơn vị (unit) phải là mã xã/phường 5 chữ số.",
		"The unit must be a 5-digit commune/ward code.")
	EnvelopeUnknownFields = def("envelope_unknown_fields",
		"Phong bì có trường không được phép: %s.",
		"The envelope has fields it does not allow: %s.")
	EnvelopeVersionPositive = def("envelope_version_positive",
		"form_version phải là số nguyên dương.",
		"form_version must be a positive integer.")
	EnvelopeVersionRequired = def("envelope_version_required",
		"Thiếu phiên bản biểu mẫu (form_version).",
		"form_version is required.")
	EnvelopeVersionType = def("envelope_version_type",
		"form_version phải là số nguyên.",
		"form_version must be an integer.")

	// errors.go
	Forbidden = def("forbidden",
		"Bạn không có quyền thực hiện thao tác này.",
		"You are not allowed to do this.")
	Invalid = def("invalid",
		"Dữ liệu không hợp lệ; xem danh sách trường bị lỗi.",
		"The submission is invalid; see the failing fields.")
	NotFound = def("not_found",
		"Không tìm thấy %s.",
		"%s not found.")

	// export.go
	ExportForbidden = def("export_forbidden",
		"Chỉ quản lý dữ liệu và quản trị viên được xuất dữ liệu.",
		"Only data managers and administrators may export data.")
	ExportFormat = def("export_format",
		"Định dạng xuất phải là csv, zip, xlsx hoặc jsonl.",
		"The export format must be csv, zip, xlsx or jsonl.")
	ExportLabels = def("export_labels",
		"Tham số «labels» phải là codes, vi hoặc en.",
		"The «labels» parameter must be codes, vi or en.")
	ExportToBeforeFrom = def("export_to_before_from",
		"Ngày «to» phải sau ngày «from».",
		"The «to» date must not be before «from».")
	ExportUnitUnknown = def("export_unit_unknown",
		"Không có đơn vị hành chính này.",
		"There is no such administrative unit.")
	ExportVersionUnknown = def("export_version_unknown",
		"Biểu mẫu không có phiên bản này.",
		"The form has no such published version.")
	ReviewStateUnknown = def("review_state_unknown",
		"Trạng thái duyệt không hợp lệ.",
		"Unknown review state.")

	// exportlimit.go
	ExportBusy = def("export_busy",
		"Máy chủ đang chạy quá nhiều lượt xuất dữ liệu; hãy thử lại sau %s giây.",
		"The server is running too many exports; try again in %s seconds.")

	// feed.go
	FeedCursorInvalid = def("feed_cursor_invalid",
		"Con trỏ (cursor) không hợp lệ.",
		"The cursor is not valid.")

	// filter.go
	FilterInvalid = def("filter_invalid",
		"Bộ lọc q không hợp lệ: %s",
		"The q filter is not valid: %s")
	FilterTyped = def("filter_typed",
		"«%s» %s",
		"«%s» %s")
	FilterEqualityOnly = def("filter_equality_only",
		"«%s» chỉ so sánh bằng (:) hoặc khác (!=).",
		"«%s» compares with : (equals) or != only.")
	FilterFormat = def("filter_format",
		"mỗi điều kiện có dạng trường:giá_trị hoặc trường>=giá_trị («%s»).",
		"each condition is field:value or field>=value («%s»).")
	FilterGroup = def("filter_group",
		"«%s» là một nhóm câu hỏi, không lọc trực tiếp được.",
		"«%s» is a group of questions and cannot be compared.")
	FilterNeedsBool = def("filter_needs_bool",
		"cần true hoặc false.",
		"needs true or false.")
	FilterNeedsDate = def("filter_needs_date",
		"cần một ngày YYYY-MM-DD.",
		"needs a date YYYY-MM-DD.")
	FilterNeedsInteger = def("filter_needs_integer",
		"cần một số nguyên.",
		"needs an integer.")
	FilterNeedsNumber = def("filter_needs_number",
		"cần một số.",
		"needs a number.")
	FilterNotChoice = def("filter_not_choice",
		"«%s» không phải là một lựa chọn của «%s».",
		"«%s» is not a choice of «%s».")
	FilterRepeatDepth = def("filter_repeat_depth",
		"chỉ lọc được trong một cấp lặp («%s»).",
		"filters reach into one level of repeats only («%s»).")
	FilterSensitive = def("filter_sensitive",
		"không được lọc theo câu trả lời nhạy cảm «%s».",
		"filtering on the sensitive answer «%s» is not allowed.")
	FilterTooMany = def("filter_too_many",
		"tối đa 10 điều kiện.",
		"at most 10 conditions.")
	FilterUnknownField = def("filter_unknown_field",
		"biểu mẫu không có trường «%s».",
		"the form has no field «%s».")
	FilterUnreadable = def("filter_unreadable",
		"không đọc được điều kiện «%s».",
		"cannot read the condition «%s».")

	// form.go
	NounForm = def("noun_form",
		"biểu mẫu",
		"Form")
	NounFormVersion = def("noun_form_version",
		"phiên bản %d của biểu mẫu",
		"Version %d of the form")

	// lifecycle.go
	CommuneOutOfScope = def("commune_out_of_scope",
		"Xã/phường này nằm ngoài địa bàn được giao cho bạn.",
		"This commune/ward is outside the area assigned to you.")
	Deleted = def("deleted",
		"Phiếu với mã (id) này đã bị xoá; hãy nhờ quản lý khôi phục thay vì gửi lại.",
		"The submission with this id was deleted; ask a manager to restore it instead of sending it again.")
	DeletedField = def("deleted_field",
		"Mã phiếu thuộc một phiếu đã xoá.",
		"This id belongs to a deleted submission.")
	IDMismatch = def("id_mismatch",
		"Mã phiếu trong nội dung khác với mã trên đường dẫn.",
		"The id in the body differs from the id in the path.")
	Locked = def("locked",
		"Phiếu đã được duyệt; cộng tác viên không sửa được nữa. Hãy liên hệ cán bộ giám sát.",
		"The submission is approved; collectors can no longer edit it. Contact your supervisor.")
	NounRevision = def("noun_revision",
		"phiên bản phiếu",
		"Revision")
	OlderVersion = def("older_version",
		"Không được chuyển phiếu về phiên bản biểu mẫu cũ hơn.",
		"A submission cannot move to an older form version.")
	OutOfScopeField = def("out_of_scope_field",
		"Ngoài địa bàn được giao.",
		"Outside your assigned area.")
	Purged = def("purged",
		"Phiếu với mã (id) này đã bị xoá hẳn sau thời hạn khôi phục; không gửi lại được. Nếu cần, hãy thu thập một phiếu mới.",
		"The submission with this id was deleted and then removed for good after the restore window; it cannot be sent again. If needed, collect a new submission.")
	PurgedField = def("purged_field",
		"Mã phiếu thuộc một phiếu đã xoá hẳn.",
		"This id belongs to a submission removed for good.")
	StaleRevision = def("stale_revision",
		"Phiếu đã được thay đổi sau khi bạn tải về; hãy tải lại rồi sửa tiếp.",
		"The submission changed since you read it; read it again and redo your change.")

	// review.go
	CommentMaxLength = def("comment_max_length",
		"Nhận xét tối đa 2000 ký tự.",
		"A comment has at most 2000 characters.")
	CommentTextRequired = def("comment_text_required",
		"Nội dung nhận xét không được để trống.",
		"The comment text is required.")
	NotDeleted = def("not_deleted",
		"Phiếu này chưa bị xoá.",
		"This submission is not deleted.")
	NounSubmission = def("noun_submission",
		"phiếu",
		"Submission")
	RestoreForbidden = def("restore_forbidden",
		"Chỉ quản lý và quản trị viên được khôi phục phiếu đã xoá.",
		"Only managers and administrators restore deleted submissions.")
	RestoreWindowPassed = def("restore_window_passed",
		"Đã quá thời hạn 30 ngày để khôi phục phiếu này.",
		"The 30-day window to restore this submission has passed.")
	ReviewCommentRequired = def("review_comment_required",
		"Cần ghi nhận xét cho trạng thái này.",
		"This state needs a comment.")
	ReviewForbidden = def("review_forbidden",
		"Chỉ giám sát viên, quản lý và quản trị viên được duyệt phiếu.",
		"Only supervisors, managers and administrators review submissions.")
	ReviewIDsCount = def("review_ids_count",
		"Danh sách mã phiếu phải có từ 1 đến 500 mã.",
		"The list of ids must have 1 to 500 ids.")
	ReviewIDsCountField = def("review_ids_count_field",
		"Từ 1 đến 500 mã.",
		"1 to 500 ids.")
	ReviewStateEnum = def("review_state_enum",
		"Phải là received, has_issues, approved hoặc rejected.",
		"Must be received, has_issues, approved or rejected.")
	ReviewStateField = def("review_state_field",
		"Trạng thái phải là received, has_issues, approved hoặc rejected.",
		"state must be received, has_issues, approved or rejected.")

	// session.go
	RefreshInvalid = def("refresh_invalid",
		"Phiên đăng nhập đã hết hạn hoặc bị thu hồi; hãy đăng nhập lại.",
		"The session has expired or was revoked; log in again.")
	SessionEnded = def("session_ended",
		"Phiên đăng nhập đã kết thúc; hãy đăng nhập lại.",
		"The session has ended; log in again.")

	// submission.go
	DuplicateID = def("duplicate_id",
		"Đã có phiếu khác với cùng mã (id) này.",
		"Another submission with this id exists.")
	DuplicateIDField = def("duplicate_id_field",
		"Mã phiếu đã được dùng với nội dung khác.",
		"This id is already used with different content.")
	FormClosed = def("form_closed",
		"Biểu mẫu đã đóng, không nhận phiếu mới.",
		"The form is closed and takes no new submissions.")
	UnitUnknownField = def("unit_unknown_field",
		"Mã đơn vị không tồn tại.",
		"Unknown unit code.")
	UnitUnknownOnDate = def("unit_unknown_on_date",
		"Không có xã/phường mã «%s» vào ngày khảo sát.",
		"There is no commune/ward «%s» on the survey date.")

	// sync.go
	SyncFormRequired = def("sync_form_required",
		"Thiếu mã biểu mẫu (form) của phiếu.",
		"The item needs «form», the form id.")
	SyncFormRequiredField = def("sync_form_required_field",
		"Thiếu mã biểu mẫu.",
		"The form id is required.")
	SyncItemNotObject = def("sync_item_not_object",
		"Phần tử không phải là một đối tượng JSON.",
		"The item is not a JSON object.")
	SyncSize = def("sync_size",
		"Một lần đồng bộ gửi từ 1 đến 500 phiếu.",
		"A sync carries 1 to 500 submissions.")
	SyncSizeField = def("sync_size_field",
		"Từ 1 đến 500 phiếu.",
		"1 to 500 submissions.")

	// text.go
	TextControlChar = def("text_control_char",
		"Văn bản chứa ký tự điều khiển không được phép (như NUL, ký tự đổi chiều viết, hoặc xuống dòng ở trường một dòng).",
		"The text holds a control character that is not allowed (such as NUL, a text-direction override, or a line break in a one-line field).")
	TextInvalidUTF8 = def("text_invalid_utf8",
		"Văn bản không phải UTF-8 hợp lệ.",
		"The text is not valid UTF-8.")

	// throttle.go
	LoginThrottled = def("login_throttled",
		"Đăng nhập sai quá nhiều lần; hãy thử lại sau %d giây.",
		"Too many failed logins; try again in %d seconds.")

	// user.go
	AccountInvalid = def("account_invalid",
		"Thông tin tài khoản không hợp lệ.",
		"The account is invalid.")
	AdminPasswordShort = def("admin_password_short",
		"KHAOSAT_ADMIN_PASSWORD phải có ít nhất 10 ký tự.",
		"KHAOSAT_ADMIN_PASSWORD must have at least 10 characters.")
	BadLogin = def("bad_login",
		"Sai tên đăng nhập hoặc mật khẩu.",
		"Wrong username or password.")
	DisplayNameLength = def("display_name_length",
		"Tên hiển thị tối đa 120 ký tự.",
		"The display name has at most 120 characters.")
	PasswordCommon = def("password_common",
		"Mật khẩu này quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác.",
		"This password is too common and easily guessed; choose another.")
	PasswordShort = def("password_short",
		"Mật khẩu phải có ít nhất 10 ký tự.",
		"The password must have at least 10 characters.")
	RoleEnum = def("role_enum",
		"Vai trò phải là một trong: collector, supervisor, designer, manager, admin.",
		"The role must be one of: collector, supervisor, designer, manager, admin.")
	UnitCodeUnknown = def("unit_code_unknown",
		"Không có đơn vị hành chính mã «%s».",
		"There is no administrative unit with code «%s».")
	UnitsRequired = def("units_required",
		"Cần giao ít nhất một đơn vị hành chính.",
		"At least one administrative unit must be assigned.")
	UsernameShape = def("username_shape",
		"Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, số, dấu chấm, gạch dưới, gạch ngang.",
		"The username must be 3–64 characters: lower-case ASCII letters, digits, '.', '_' or '-'.")
	UsernameTaken = def("username_taken",
		"Tên đăng nhập đã được dùng.",
		"The username is taken.")

	// useradmin.go
	SelfDemote = def("self_demote",
		"Không thể tự khoá hoặc tự hạ quyền tài khoản của mình.",
		"You cannot disable or demote your own account.")

	// webhook.go
	NounWebhook = def("noun_webhook",
		"webhook",
		"Webhook")
	WebhookEventEnum = def("webhook_event_enum",
		"Loại sự kiện phải là create, edit, review, delete hoặc restore.",
		"An event kind is create, edit, review, delete or restore.")
	WebhookEventsRequired = def("webhook_events_required",
		"Chọn ít nhất một loại sự kiện.",
		"Choose at least one kind of event.")
	WebhookForbidden = def("webhook_forbidden",
		"Chỉ quản lý và quản trị viên được đăng ký webhook.",
		"Only managers and administrators register webhooks.")
	WebhookFormUnknown = def("webhook_form_unknown",
		"Không có biểu mẫu này.",
		"There is no such form.")
	WebhookURLShape = def("webhook_url_shape",
		"Địa chỉ phải là URL http(s) đầy đủ, không chứa mật khẩu.",
		"The url must be a full http(s) URL without credentials.")

	// withheld.go
	WithheldAnswer = def("withheld_answer",
		"Câu «%s» là thông tin nhạy cảm bạn không được xem: không được đặt hay sửa câu trả lời; hãy để trống, câu trả lời đã lưu được giữ nguyên.",
		"«%s» is sensitive and withheld from you: you may not set or change its answer; leave it out and the stored answer is kept.")
	WithheldGroup = def("withheld_group",
		"Nhóm câu «%s» có câu trả lời nhạy cảm bạn không được xem: không được xoá nhóm này.",
		"The group «%s» holds sensitive answers withheld from you: you may not remove it.")
	WithheldItem = def("withheld_item",
		"Mục thứ %d của «%s» có câu trả lời nhạy cảm bạn không được xem: không được xoá mục này.",
		"Item %d of «%s» holds sensitive answers withheld from you: you may not remove it.")
	WithheldWhole = def("withheld_whole",
		"Bạn không được xem các câu trả lời nhạy cảm của phiếu này nên không được đặt, sửa hay xoá chúng. Hãy để trống các câu đó: câu trả lời đã lưu được giữ nguyên.",
		"You may not see this submission's sensitive answers, so you may not set, change or remove them. Leave those questions out: the stored answers are kept.")
)
