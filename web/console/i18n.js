// The console's message catalogue: every string shown, in Vietnamese (the
// default) and English. Values are strings or functions of arguments.

import { lang as sharedLang, setLang as setSharedLang } from '/shared/i18n.js';

const vi = {
  app: 'Khảo sát — Bảng điều khiển',
  skip: 'Bỏ qua, đến nội dung chính',
  lang: 'Ngôn ngữ',
  signIn: 'Đăng nhập', signOut: 'Đăng xuất', signedOut: 'Đã đăng xuất.', username: 'Tên đăng nhập', password: 'Mật khẩu',
  signedInAs: (n, r) => `${n} · ${r}`,
  collectorNoConsole: 'Bảng điều khiển dành cho người thiết kế, giám sát, quản lý dữ liệu và quản trị. Cộng tác viên dùng ứng dụng trên điện thoại.',
  openPhoneApp: 'Mở ứng dụng điện thoại',
  sessionEnded: 'Phiên làm việc đã kết thúc; hãy đăng nhập lại.',
  loading: 'Đang tải…', save: 'Lưu', cancel: 'Huỷ', close: 'Đóng', apply: 'Áp dụng', none: 'Không có',
  yes: 'Có', no: 'Không', all: 'Tất cả', next: 'Trang sau', refresh: 'Làm mới', remove: 'Xoá',
  nav: 'Chức năng',
  roles: { collector: 'Cộng tác viên', supervisor: 'Giám sát', designer: 'Thiết kế biểu mẫu', manager: 'Quản lý dữ liệu', admin: 'Quản trị' },
  pages: { forms: 'Biểu mẫu', review: 'Duyệt phiếu', exports: 'Xuất dữ liệu', indicators: 'Chỉ số', users: 'Người dùng', webhooks: 'Webhook', audit: 'Nhật ký', targets: 'Mục tiêu' },
  notAllowed: 'Vai trò của bạn không dùng được trang này.',
  // forms
  formsTitle: 'Biểu mẫu và phiên bản', form: 'Biểu mẫu', version: 'Phiên bản', status: 'Trạng thái',
  statusOpen: 'Đang thu thập', statusClosed: 'Đã đóng', openEditor: 'Soạn bản nháp',
  editorTitle: (f) => `Bản nháp — ${f}`, noDraft: 'Biểu mẫu chưa có bản nháp.',
  startFromVersion: (n) => `Tạo bản nháp từ phiên bản ${n}`, copyAsNew: 'Sao chép thành biểu mẫu mới',
  newFormId: 'Mã biểu mẫu mới (chữ thường, dấu gạch dưới)', create: 'Tạo',
  editorLabel: 'Tài liệu biểu mẫu (JSON Schema)',
  lintOk: 'Không có lỗi; bản nháp đã lưu.', lintSaving: 'Đang kiểm tra…',
  lintErrors: (n) => `${n} lỗi — bản nháp chưa lưu`, lintWarnings: (n) => `${n} cảnh báo`,
  jsonSyntax: 'JSON không hợp lệ', line: (n) => `dòng ${n}`,
  preview: 'Xem trước (như trên điện thoại)', previewNeedsValid: 'Sửa lỗi JSON để xem trước.',
  testSubmission: 'Thử một phiếu với bản nháp', testUnit: 'Mã xã/phường', testDate: 'Ngày khảo sát',
  testData: 'Câu trả lời (JSON của data)', testSend: 'Kiểm tra', testValid: 'Phiếu hợp lệ với bản nháp.',
  diffTitle: (n) => `Khác biệt so với phiên bản ${n}`, diffShow: 'Xem khác biệt', diffNone: 'Không có khác biệt.',
  breaking: 'phá vỡ dữ liệu cũ',
  publishTitle: 'Phát hành', releaseNotes: 'Ghi chú phát hành', publish: 'Phát hành phiên bản mới',
  published: (n) => `Đã phát hành phiên bản ${n}.`,
  breakingRefused: 'Không thể phát hành: thay đổi này làm sai lệch dữ liệu đã thu thập.',
  breakingHelp: {
    kind_changed: 'Kiểu câu hỏi đã đổi. Giữ nguyên câu hỏi cũ và thêm một câu hỏi mới với tên mới.',
    field_moved: 'Câu hỏi bị chuyển chỗ (đổi tên hoặc vào/ra nhóm lặp). Giữ tên và vị trí cũ; nếu cần, thêm câu hỏi mới.',
    choice_removed: 'Một mã lựa chọn đã bị xoá. Giữ lại mã đó (có thể sửa nhãn); chỉ thêm mã mới ở cuối.',
    choice_meaning: 'Nhãn của một mã đổi cả hai ngôn ngữ cùng lúc, tức là đổi nghĩa. Sửa từng ngôn ngữ một, hoặc thêm mã mới.',
  },
  closeForm: 'Đóng biểu mẫu', reopenForm: 'Mở lại biểu mẫu', codebook: 'Tải sổ mã (CSV)',
  warningsTitle: 'Cảnh báo', errorsTitle: 'Lỗi',
  // review
  reviewTitle: 'Hàng đợi duyệt', reviewState: 'Trạng thái duyệt', unit: 'Đơn vị (mã)', collector: 'Người thu thập',
  from: 'Từ ngày', to: 'Đến ngày', filter: 'Lọc', select: 'Chọn', surveyDate: 'Ngày khảo sát', received: 'Nhận lúc',
  states: { received: 'Đã nhận', has_issues: 'Cần sửa', approved: 'Đã duyệt', rejected: 'Từ chối' },
  noSubmissions: 'Không có phiếu nào.', open: 'Mở',
  bulkTitle: (n) => `Duyệt ${n} phiếu đã chọn`, bulkDone: (ok, n) => `Đã duyệt ${ok}/${n} phiếu.`,
  decision: 'Quyết định', reviewThis: 'Duyệt phiếu này', comment: 'Nhận xét', commentRequired: 'Cần nhận xét khi chọn «Cần sửa» hoặc «Từ chối».',
  approve: 'Duyệt', hasIssues: 'Cần sửa', reject: 'Từ chối', markReceived: 'Trả về «Đã nhận»',
  submissionTitle: (f, id) => `Phiếu ${f} · ${id.slice(0, 8)}`, answers: 'Câu trả lời', envelope: 'Thông tin phiếu',
  redacted: 'Ẩn — cần quyền xem dữ liệu nhạy cảm', history: 'Lịch sử sửa', revision: 'Lần sửa', by: 'Người làm', at: 'Lúc',
  compare: 'So sánh', diffRevisions: (a, b) => `Khác biệt giữa lần ${a} và ${b}`, comments: 'Trao đổi', addComment: 'Gửi nhận xét',
  reviewed: 'Đã ghi quyết định.', item: (n) => `Mục ${n}`, back: 'Quay lại',
  // exports
  exportsTitle: 'Xuất dữ liệu', format: 'Định dạng', labels: 'Nhãn', labelsCodes: 'Mã', labelsVi: 'Tiếng Việt', labelsEn: 'Tiếng Anh',
  answerFilter: 'Lọc theo câu trả lời (ví dụ children.sex:female)', exportStart: 'Tải xuống', exportCancel: 'Dừng',
  exportProgress: (kb) => `Đang tải… ${kb} KB`, exportDone: (n, kb) => `Đã tải ${n} (${kb} KB).`,
  exportHint: 'Tệp được tải trong nền; bạn vẫn dùng được trang.',
  // indicators
  indicatorsTitle: 'Bảng chỉ số', period: 'Kỳ', level: 'Cấp', levels: { city: 'Thành phố', district: 'Quận/huyện', commune: 'Xã/phường' },
  breakdown: 'Phân tách', bySex: 'Giới tính', byAge: 'Nhóm tuổi', show: 'Xem',
  indicator: 'Chỉ số', numerator: 'Tử số', denominator: 'Mẫu số', value: 'Giá trị', sex: 'Giới tính', ageGroup: 'Nhóm tuổi',
  sexes: { male: 'Nam', female: 'Nữ' }, suppressed: 'ẩn', suppressedNote: 'Ô «ẩn» của chỉ số nhạy cảm có tử số hoặc mẫu số từ 1 đến 4, hoặc sẽ để lộ một ô như vậy khi lấy tổng trừ đi các ô khác: không hiển thị để bảo vệ trẻ em.',
  chartBy: 'Biểu đồ theo đơn vị', chartTrend: 'Xu hướng theo tháng', chartTrendQuarter: 'Xu hướng theo quý', allIndicators: 'Tất cả 16 chỉ số',
  downloadCsv: 'Tải CSV', downloadXlsx: 'Tải XLSX', month: (m) => `Th${m}`, quarter: (q) => `Quý ${q}`,
  // users
  usersTitle: 'Người dùng', newUser: 'Tạo người dùng', displayName: 'Họ tên', role: 'Vai trò',
  units: 'Đơn vị (mã, cách nhau bởi dấu phẩy)', sensitive: 'Được xem dữ liệu nhạy cảm',
  personal: 'Được xuất họ tên, số điện thoại (dữ liệu cá nhân)', disabled: 'Đã khoá',
  disable: 'Khoá', enable: 'Mở khoá', resetPassword: 'Đặt lại mật khẩu', newPassword: 'Mật khẩu mới (ít nhất 10 ký tự)',
  userCreated: (u) => `Đã tạo ${u}.`, userSaved: 'Đã lưu.', edit: 'Sửa',
  enrol: 'Cấp mã ghi danh điện thoại', enrolCode: 'Mã ghi danh', enrolExpires: (t) => `Hết hạn: ${t}`,
  qrAlt: (c) => `Mã QR của mã ghi danh ${c}`, devices: 'Thiết bị', device: 'Thiết bị', enrolledAt: 'Ghi danh lúc',
  lastSeen: 'Liên lạc gần nhất', revoke: 'Thu hồi', noDevices: 'Chưa có thiết bị.',
  // webhooks
  webhooksTitle: 'Webhook', url: 'Địa chỉ URL', events: 'Sự kiện', anyForm: 'Mọi biểu mẫu', owner: 'Người tạo',
  secretOnce: 'Khoá bí mật (chỉ hiện một lần):', deliveries: 'Lần gửi', attempts: 'Số lần thử', lastError: 'Lỗi gần nhất',
  nextAt: 'Thử lại lúc', stateDelivery: { pending: 'Đang chờ', delivered: 'Đã gửi', failed: 'Thất bại' },
  eventsNames: { create: 'tạo', edit: 'sửa', review: 'duyệt', delete: 'xoá', restore: 'khôi phục', report: 'báo cáo kế hoạch' },
  // plan
  plan: {
    title: 'Kế hoạch và báo cáo', period: 'Kỳ (2026 hoặc 2026Q2)', unitOptional: 'Đơn vị (mã, để trống: của bạn)',
    reminders: 'Việc cần làm', noReminders: 'Không có báo cáo nào đang chờ bạn.',
    reminderKinds: { due: 'Cần gửi', returned: 'Bị trả lại', to_review: 'Chờ bạn duyệt' },
    status: 'Tình trạng báo cáo các đơn vị', report: 'Báo cáo', onTrack: 'Đạt', offTrack: 'Chưa đạt', unknown: 'Chưa rõ',
    statusNote: (n) => `${n} đơn vị báo cáo; bảng chỉ liệt kê đơn vị có mục tiêu hoặc đã gửi báo cáo.`,
    states: { not_submitted: 'Chưa gửi', submitted: 'Chờ duyệt', returned: 'Bị trả lại', approved: 'Đã duyệt' },
    dashboard: 'Chỉ số so với mục tiêu', indicator: 'Chỉ số', value: 'Giá trị', target: 'Mục tiêu', baseline: 'Cơ sở',
    verdict: 'Đánh giá', trend: 'Xu hướng theo quý', suppressed: 'ẩn (ô nhỏ)',
    reportTitle: (u, p) => `Báo cáo ${u} · ${p}`, submit: 'Gửi báo cáo (chốt số liệu)', resubmit: 'Gửi lại báo cáo',
    versionOf: (v, n) => `phiên bản ${v}/${n}`, version: (v) => `phiên bản ${v}`, submittedBy: (b, a) => `gửi bởi ${b} lúc ${a}`,
    hash: 'Mã kiểm tra nội dung', definitionsChanged: 'Định nghĩa chỉ số đã thay đổi kể từ khi chốt báo cáo.',
    xlsx: 'Tải XLSX', print: 'In để ký', approve: 'Duyệt báo cáo', return: 'Trả lại kèm nhận xét',
    done: { submit: 'Đã chốt và gửi báo cáo.', approve: 'Đã duyệt báo cáo.', return: 'Đã trả lại báo cáo.' },
    changes: 'Số liệu đã thay đổi từ khi chốt', noChanges: 'Số liệu hiện nay khớp với báo cáo đã chốt.',
    breakdown: 'Phân tổ', frozen: 'Đã chốt', now: 'Hiện nay', delta: 'Chênh lệch (tử số)', frozenTable: 'Bảng số liệu đã chốt',
    numerator: 'Tử số', denominator: 'Mẫu số',
    actions: { 'report.submit': 'gửi', 'report.approve': 'duyệt', 'report.return': 'trả lại' },
    signature: 'Người lập biểu (ký, ghi rõ họ tên) ............................    Lãnh đạo đơn vị (ký, đóng dấu) ............................',
    targetsTitle: 'Mục tiêu kế hoạch', csvFile: 'Tệp mục tiêu (CSV)',
    csvHint: 'Cột: indicator, unit, period, value, better, baseline_value, baseline_period. Có dòng sai thì không nhập dòng nào.',
    import: 'Nhập tệp', imported: (n) => `Đã nhập ${n} mục tiêu.`,
  },
  // audit
  auditTitle: 'Nhật ký truy cập', action: 'Hành động', user: 'Người dùng', target: 'Đối tượng', details: 'Chi tiết',
};

const en = {
  app: 'Khảo sát — Console',
  skip: 'Skip to the main content',
  lang: 'Language',
  signIn: 'Sign in', signOut: 'Sign out', signedOut: 'You are signed out.', username: 'Username', password: 'Password',
  signedInAs: (n, r) => `${n} · ${r}`,
  collectorNoConsole: 'The console is for designers, supervisors, data managers and admins. Collectors use the phone app.',
  openPhoneApp: 'Open the phone app',
  sessionEnded: 'Your session has ended; please sign in again.',
  loading: 'Loading…', save: 'Save', cancel: 'Cancel', close: 'Close', apply: 'Apply', none: 'None',
  yes: 'Yes', no: 'No', all: 'All', next: 'Next page', refresh: 'Refresh', remove: 'Remove',
  nav: 'Sections',
  roles: { collector: 'Collector', supervisor: 'Supervisor', designer: 'Form designer', manager: 'Data manager', admin: 'Administrator' },
  pages: { forms: 'Forms', review: 'Review', exports: 'Exports', indicators: 'Indicators', users: 'Users', webhooks: 'Webhooks', audit: 'Audit log', targets: 'Targets' },
  notAllowed: 'Your role cannot use this page.',
  formsTitle: 'Forms and versions', form: 'Form', version: 'Version', status: 'Status',
  statusOpen: 'Collecting', statusClosed: 'Closed', openEditor: 'Edit draft',
  editorTitle: (f) => `Draft — ${f}`, noDraft: 'The form has no draft.',
  startFromVersion: (n) => `Start a draft from version ${n}`, copyAsNew: 'Copy as a new form',
  newFormId: 'New form id (lower case, underscores)', create: 'Create',
  editorLabel: 'Form document (JSON Schema)',
  lintOk: 'No errors; the draft is saved.', lintSaving: 'Checking…',
  lintErrors: (n) => `${n} error(s) — draft not saved`, lintWarnings: (n) => `${n} warning(s)`,
  jsonSyntax: 'Invalid JSON', line: (n) => `line ${n}`,
  preview: 'Preview (as on the phone)', previewNeedsValid: 'Fix the JSON to see the preview.',
  testSubmission: 'Try a submission against the draft', testUnit: 'Commune/ward code', testDate: 'Survey date',
  testData: 'Answers (the data JSON)', testSend: 'Check', testValid: 'The submission is valid against the draft.',
  diffTitle: (n) => `Changes from version ${n}`, diffShow: 'Show changes', diffNone: 'No changes.',
  breaking: 'breaks existing data',
  publishTitle: 'Publish', releaseNotes: 'Release notes', publish: 'Publish a new version',
  published: (n) => `Version ${n} is published.`,
  breakingRefused: 'Cannot publish: this change would corrupt the data already collected.',
  breakingHelp: {
    kind_changed: 'The question changed its kind. Keep the old question and add a new one with a new name.',
    field_moved: 'A question moved (renamed, or into/out of a repeat). Keep its name and place; add a new question if needed.',
    choice_removed: 'A choice code was removed. Keep the code (you may relabel it); only add new codes at the end.',
    choice_meaning: 'A code was relabelled in both languages at once, i.e. its meaning changed. Change one language at a time, or add a new code.',
  },
  closeForm: 'Close the form', reopenForm: 'Reopen the form', codebook: 'Download the codebook (CSV)',
  warningsTitle: 'Warnings', errorsTitle: 'Errors',
  reviewTitle: 'Review queue', reviewState: 'Review state', unit: 'Unit (code)', collector: 'Collector',
  from: 'From', to: 'To', filter: 'Filter', select: 'Select', surveyDate: 'Survey date', received: 'Received',
  states: { received: 'Received', has_issues: 'Has issues', approved: 'Approved', rejected: 'Rejected' },
  noSubmissions: 'No submissions.', open: 'Open',
  bulkTitle: (n) => `Review the ${n} selected`, bulkDone: (ok, n) => `Reviewed ${ok} of ${n}.`,
  decision: 'Decision', reviewThis: 'Review this submission', comment: 'Comment', commentRequired: '«Has issues» and «Rejected» need a comment.',
  approve: 'Approve', hasIssues: 'Has issues', reject: 'Reject', markReceived: 'Back to «Received»',
  submissionTitle: (f, id) => `Submission ${f} · ${id.slice(0, 8)}`, answers: 'Answers', envelope: 'Submission details',
  redacted: 'Hidden — needs the sensitive-data grant', history: 'Revisions', revision: 'Revision', by: 'By', at: 'At',
  compare: 'Compare', diffRevisions: (a, b) => `Changes from revision ${a} to ${b}`, comments: 'Comments', addComment: 'Send comment',
  reviewed: 'Decision recorded.', item: (n) => `Item ${n}`, back: 'Back',
  exportsTitle: 'Exports', format: 'Format', labels: 'Labels', labelsCodes: 'Codes', labelsVi: 'Vietnamese', labelsEn: 'English',
  answerFilter: 'Filter on answers (e.g. children.sex:female)', exportStart: 'Download', exportCancel: 'Stop',
  exportProgress: (kb) => `Downloading… ${kb} KB`, exportDone: (n, kb) => `Downloaded ${n} (${kb} KB).`,
  exportHint: 'The file downloads in the background; the page stays usable.',
  indicatorsTitle: 'Indicator dashboard', period: 'Period', level: 'Level', levels: { city: 'City', district: 'District', commune: 'Commune/ward' },
  breakdown: 'Breakdown', bySex: 'Sex', byAge: 'Age group', show: 'Show',
  indicator: 'Indicator', numerator: 'Numerator', denominator: 'Denominator', value: 'Value', sex: 'Sex', ageGroup: 'Age group',
  sexes: { male: 'Male', female: 'Female' }, suppressed: 'suppressed', suppressedNote: '«Suppressed» cells of sensitive indicators have a numerator or denominator of 1 to 4, or would give such a cell away by subtraction from a total: hidden to protect the children.',
  chartBy: 'Chart by unit', chartTrend: 'Trend by month', chartTrendQuarter: 'Trend by quarter', allIndicators: 'All 16 indicators',
  downloadCsv: 'Download CSV', downloadXlsx: 'Download XLSX', month: (m) => `M${m}`, quarter: (q) => `Q${q}`,
  usersTitle: 'Users', newUser: 'Create a user', displayName: 'Full name', role: 'Role',
  units: 'Units (codes, comma-separated)', sensitive: 'May read sensitive data',
  personal: 'May export names and phones (personal data)', disabled: 'Disabled',
  disable: 'Disable', enable: 'Enable', resetPassword: 'Reset password', newPassword: 'New password (at least 10 characters)',
  userCreated: (u) => `Created ${u}.`, userSaved: 'Saved.', edit: 'Edit',
  enrol: 'Issue a phone enrolment code', enrolCode: 'Enrolment code', enrolExpires: (t) => `Expires: ${t}`,
  qrAlt: (c) => `QR code of the enrolment code ${c}`, devices: 'Devices', device: 'Device', enrolledAt: 'Enrolled',
  lastSeen: 'Last seen', revoke: 'Revoke', noDevices: 'No devices.',
  webhooksTitle: 'Webhooks', url: 'URL', events: 'Events', anyForm: 'Every form', owner: 'Owner',
  secretOnce: 'Secret (shown once):', deliveries: 'Deliveries', attempts: 'Attempts', lastError: 'Last error',
  nextAt: 'Next attempt', stateDelivery: { pending: 'Pending', delivered: 'Delivered', failed: 'Failed' },
  eventsNames: { create: 'create', edit: 'edit', review: 'review', delete: 'delete', restore: 'restore', report: 'plan report' },
  plan: {
    title: 'Plan and reports', period: 'Period (2026 or 2026Q2)', unitOptional: 'Unit (code; empty: yours)',
    reminders: 'To do', noReminders: 'No report is waiting on you.',
    reminderKinds: { due: 'Due', returned: 'Returned', to_review: 'Waiting for your decision' },
    status: "Units' report status", report: 'Report', onTrack: 'On track', offTrack: 'Off track', unknown: 'Unknown',
    statusNote: (n) => `${n} reporting units; the table lists those with targets or a report.`,
    states: { not_submitted: 'Not submitted', submitted: 'Submitted', returned: 'Returned', approved: 'Approved' },
    dashboard: 'Indicators against targets', indicator: 'Indicator', value: 'Value', target: 'Target', baseline: 'Baseline',
    verdict: 'Verdict', trend: 'Trend by quarter', suppressed: 'hidden (small cell)',
    reportTitle: (u, p) => `Report ${u} · ${p}`, submit: 'Submit the report (freeze the figures)', resubmit: 'Submit the report again',
    versionOf: (v, n) => `version ${v} of ${n}`, version: (v) => `version ${v}`, submittedBy: (b, a) => `submitted by ${b} at ${a}`,
    hash: 'Content hash', definitionsChanged: 'The indicator definitions changed since the report was frozen.',
    xlsx: 'Download XLSX', print: 'Print to sign', approve: 'Approve the report', return: 'Return with a comment',
    done: { submit: 'The report is frozen and submitted.', approve: 'The report is approved.', return: 'The report is returned.' },
    changes: 'Figures changed since it was frozen', noChanges: "Today's figures match the frozen report.",
    breakdown: 'Breakdown', frozen: 'Frozen', now: 'Now', delta: 'Difference (numerator)', frozenTable: 'The frozen table',
    numerator: 'Numerator', denominator: 'Denominator',
    actions: { 'report.submit': 'submitted', 'report.approve': 'approved', 'report.return': 'returned' },
    signature: 'Prepared by (signature, name) ............................    Head of unit (signature, seal) ............................',
    targetsTitle: 'Plan targets', csvFile: 'Targets file (CSV)',
    csvHint: 'Columns: indicator, unit, period, value, better, baseline_value, baseline_period. If any row is wrong, none is imported.',
    import: 'Import the file', imported: (n) => `Imported ${n} targets.`,
  },
  auditTitle: 'Audit log', action: 'Action', user: 'User', target: 'Target', details: 'Details',
};

const catalogues = { vi, en };
const KEY = 'khaosat.console.lang';
// The language is the shared one (the renderer and the API client read it).
setSharedLang(localStorage.getItem(KEY) === 'en' ? 'en' : 'vi');
document.documentElement.lang = sharedLang();

/** The current language, 'vi' or 'en'. */
export const language = () => sharedLang();

/** Switches the language (kept across visits). */
export function setLang(l) {
  setSharedLang(l === 'en' ? 'en' : 'vi');
  localStorage.setItem(KEY, sharedLang());
}

/** t returns the message key (dotted for nested) in the current language. */
export function t(key, ...args) {
  let v = catalogues[sharedLang()];
  for (const k of key.split('.')) v = v == null ? undefined : v[k];
  if (v === undefined) return key;
  return typeof v === 'function' ? v(...args) : v;
}

/** label picks the current language of a {vi, en} label. */
export function label(l) {
  if (!l) return '';
  if (typeof l === 'string') return l;
  return l[sharedLang()] || l.vi || l.en || '';
}
