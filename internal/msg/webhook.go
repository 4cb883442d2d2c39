package msg

// Messages of internal/webhook: webhook addresses.
var (
	// guard.go
	WebhookURLNotFull = def("webhook_url_not_full",
		"Địa chỉ không phải là URL đầy đủ.",
		"The url is not a full URL.")
	WebhookHTTPSOnly = def("webhook_https_only",
		"Webhook phải dùng https.",
		"A webhook must use https.")
	WebhookAddressRefused = def("webhook_address_refused",
		"Địa chỉ này thuộc mạng nội bộ hoặc không được phép.",
		"This address is internal or not allowed.")
	WebhookURLRefused = def("webhook_url_refused",
		"Địa chỉ không được phép.",
		"The url is not allowed.")
)
