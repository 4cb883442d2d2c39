// The message catalogue (Vietnamese first, English) and the current
// language. Every user-facing string of the app and the console comes from
// here; the console adds its own keys with addMessages. No DOM access, so the
// service worker may import it.

const catalogue = {
  vi: {
    'lang.name': 'Tiếng Việt',
    'lang.switch': 'English',
    'lang.switch_label': 'Chuyển sang tiếng Anh',
    'app.title': 'Khảo sát trẻ em',
    'net.offline': 'Không có mạng: dữ liệu vẫn được lưu trên máy.',
    'err.network': 'Không kết nối được máy chủ. Hãy thử lại khi có mạng.',
    'err.unknown': 'Đã có lỗi. Hãy thử lại.',
    'err.session_ended': 'Phiên đăng nhập đã kết thúc. Hãy đăng nhập lại.',
    'err.device_revoked': 'Thiết bị này không còn được phép truy cập (đã bị thu hồi hoặc hết hạn). Hãy xin quản trị viên mã đăng ký mới.',
    // form validation, by error code
    'v.required': 'Câu này bắt buộc trả lời.',
    'v.enum': 'Hãy chọn một trong các lựa chọn.',
    'v.minimum': 'Giá trị phải từ {limit} trở lên.',
    'v.exclusive_minimum': 'Giá trị phải lớn hơn {limit}.',
    'v.maximum': 'Giá trị phải không quá {limit}.',
    'v.exclusive_maximum': 'Giá trị phải nhỏ hơn {limit}.',
    'v.min_length': 'Cần ít nhất {limit} ký tự.',
    'v.max_length': 'Tối đa {limit} ký tự.',
    'v.min_items': 'Cần ít nhất {limit} mục.',
    'v.max_items': 'Tối đa {limit} mục.',
    'v.pattern': 'Giá trị không đúng định dạng.',
    'v.format': 'Giá trị không đúng định dạng.',
    'v.format_date': 'Ngày không hợp lệ.',
    'v.type': 'Giá trị không đúng kiểu.',
    'v.type_integer': 'Hãy nhập một số nguyên.',
    'v.type_number': 'Hãy nhập một số.',
    'v.unique_items': 'Không được chọn trùng.',
    'v.forbidden': 'Câu này không được trả lời trong trường hợp này.',
    'v.unknown_field': 'Câu hỏi không có trong biểu mẫu.',
    'v.after_survey_date': 'Ngày sinh không được sau ngày khảo sát.',
    'v.age_out_of_range': 'Tuổi phải từ {min} đến {max} vào ngày khảo sát (hiện là {age}).',
    'v.age_band_mismatch': 'Nhóm tuổi không khớp với ngày sinh (tuổi {age}).',
    'v.invalid': 'Giá trị không hợp lệ.',
    'form.required_mark': 'bắt buộc',
    'form.add_item': '+ Thêm mục',
    'form.remove': 'Xóa mục này',
    'form.withheld': 'Câu trả lời nhạy cảm đã lưu trên máy chủ; bạn không được xem nên câu này không hỏi lại và được giữ nguyên.',
    'form.open': 'Mở',
    'form.fold': 'Thu gọn',
    'form.item_errors': 'có lỗi',
    'form.item': 'Mục {n}',
    'form.choose': '— Chọn —',
    'form.none_selected': 'Chưa chọn',
  },
  en: {
    'lang.name': 'English',
    'lang.switch': 'Tiếng Việt',
    'lang.switch_label': 'Switch to Vietnamese',
    'app.title': 'Child survey',
    'net.offline': 'No network: your data is still saved on this phone.',
    'err.network': 'Cannot reach the server. Try again when you have a network.',
    'err.unknown': 'Something went wrong. Please try again.',
    'err.session_ended': 'Your session has ended. Please sign in again.',
    'err.device_revoked': 'This device may no longer connect (its access was revoked or has expired). Ask your administrator for a new enrolment code.',
    'v.required': 'This question must be answered.',
    'v.enum': 'Choose one of the options.',
    'v.minimum': 'Must be {limit} or more.',
    'v.exclusive_minimum': 'Must be more than {limit}.',
    'v.maximum': 'Must be at most {limit}.',
    'v.exclusive_maximum': 'Must be less than {limit}.',
    'v.min_length': 'At least {limit} characters.',
    'v.max_length': 'At most {limit} characters.',
    'v.min_items': 'At least {limit} items.',
    'v.max_items': 'At most {limit} items.',
    'v.pattern': 'The value is not in the expected format.',
    'v.format': 'The value is not in the expected format.',
    'v.format_date': 'Not a valid date.',
    'v.type': 'The value has the wrong type.',
    'v.type_integer': 'Enter a whole number.',
    'v.type_number': 'Enter a number.',
    'v.unique_items': 'Choices must not repeat.',
    'v.forbidden': 'This question must not be answered in this case.',
    'v.unknown_field': 'This question is not in the form.',
    'v.after_survey_date': 'The date of birth cannot be after the survey date.',
    'v.age_out_of_range': 'The age on the survey date must be {min} to {max} (it is {age}).',
    'v.age_band_mismatch': 'The age group does not match the date of birth (age {age}).',
    'v.invalid': 'The value is not valid.',
    'form.required_mark': 'required',
    'form.add_item': '+ Add an entry',
    'form.remove': 'Remove this entry',
    'form.withheld': 'A sensitive answer is stored on the server; it is withheld from you, so it is not asked again and is kept as it is.',
    'form.open': 'Open',
    'form.fold': 'Fold',
    'form.item_errors': 'has errors',
    'form.item': 'Item {n}',
    'form.choose': '— Choose —',
    'form.none_selected': 'None selected',
  },
};

export const LANGS = ['vi', 'en'];
let current = 'vi';
const listeners = new Set();

/** addMessages merges more keys into the catalogue ({vi: {...}, en: {...}}). */
export function addMessages(more) {
  for (const l of LANGS) Object.assign(catalogue[l], more[l] || {});
}

/** lang is the current language code. */
export function lang() { return current; }

/** setLang changes the language and tells every listener. */
export function setLang(l) {
  if (!LANGS.includes(l) || l === current) return;
  current = l;
  if (typeof document !== 'undefined') document.documentElement.lang = l;
  for (const f of listeners) f(l);
}

/** onLang calls f on every change; returns the function that stops it. */
export function onLang(f) { listeners.add(f); return () => listeners.delete(f); }

/** t translates a key, filling {name} placeholders from params. */
export function t(key, params) {
  let s = catalogue[current][key] ?? catalogue.vi[key] ?? key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] ?? m));
  return s;
}

/** pick chooses the current language of a {vi, en} object (a label, a title, an API message pair). */
export function pick(o) {
  if (o == null) return '';
  if (typeof o === 'string') return o;
  return o[current] || o.vi || o.en || '';
}
