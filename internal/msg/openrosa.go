package msg

// Messages of internal/openrosa, the OpenRosa routes of internal/httpapi
// and the OpenRosa app users of internal/account.
var (
	AppUserTokenInvalid = def("app_user_token_invalid",
		"Mã truy cập trong địa chỉ máy chủ không đúng, đã bị thu hồi hoặc đã hết hạn; hãy đăng ký lại thiết bị.",
		"The access token in the server address is wrong, revoked or expired; enrol the device again.")
	AppUserMayNotSubmit = def("app_user_may_not_submit",
		"Tài khoản này không gửi phiếu.",
		"This account does not send submissions.")
)

var (
	OpenRosaNotMultipart = def("openrosa_not_multipart",
		"Phiếu phải được gửi dạng multipart/form-data với phần xml_submission_file.",
		"A submission must be multipart/form-data with an xml_submission_file part.")
	OpenRosaMultipartUnreadable = def("openrosa_multipart_unreadable",
		"Không đọc được nội dung multipart.",
		"The multipart body could not be read.")
	OpenRosaNoInstancePart = def("openrosa_no_instance_part",
		"Thiếu phần xml_submission_file.",
		"The xml_submission_file part is missing.")
	OpenRosaInstanceInvalid = def("openrosa_instance_invalid",
		"Tệp phiếu không phải một bản XForm hợp lệ: %s.",
		"The submission file is not a valid XForm instance: %s.")
)

// Texts of the XForms and of the OpenRosa responses, shown by the client
// in both languages at once ("Vietnamese / English").
var (
	OpenRosaMetaCommune = def("openrosa_meta_commune",
		"Xã, phường",
		"Commune")
	OpenRosaMetaSurveyDate = def("openrosa_meta_survey_date",
		"Ngày khảo sát",
		"Survey date")
	OpenRosaMetaLocation = def("openrosa_meta_location",
		"Vị trí",
		"Location")
	OpenRosaReceived = def("openrosa_received",
		"Đã nhận phiếu.",
		"Submission received.")
	OpenRosaAlreadyReceived = def("openrosa_already_received",
		"Phiếu này đã được nhận trước đó.",
		"This submission was already received.")
)

// Both is the message key in Vietnamese, then in English: "vi / en", for
// a text a client shows as it is.
func Both(key Key, args ...any) string {
	l := Text(key, args...)
	return l.VI + " / " + l.EN
}
