package msg

// Messages of internal/registry and its HTTP routes: households and
// children, duplicates and the decisions on them.
var (
	NounChild = def("noun_child",
		"trẻ em",
		"Child")
	NounHousehold = def("noun_household",
		"hộ gia đình",
		"Household")
	NounDecision = def("noun_decision",
		"quyết định",
		"Decision")
	RegistryUnknownHousehold = def("registry_unknown_household",
		"Không có hộ gia đình này trong sổ theo dõi của địa bàn bạn.",
		"There is no such household in the registry of your area.")
	RegistryUnknownChild = def("registry_unknown_child",
		"Không có trẻ em này trong sổ theo dõi của địa bàn bạn.",
		"There is no such child in the registry of your area.")
	RegistryMayNotDecide = def("registry_may_not_decide",
		"Chỉ giám sát viên của địa bàn trở lên mới xử lý được bản ghi trùng.",
		"Only a supervisor of the area or above may decide on duplicates.")
	RegistryKindInvalid = def("registry_kind_invalid",
		"Loại bản ghi không hợp lệ.",
		"Unknown record kind.")
	RegistryKindField = def("registry_kind_field",
		"Chỉ được là child hoặc household.",
		"Must be child or household.")
	RegistryActionField = def("registry_action_field",
		"Chỉ được là merge hoặc not_duplicates.",
		"Must be merge or not_duplicates.")
	RegistrySameRecord = def("registry_same_record",
		"Cần hai bản ghi khác nhau.",
		"Two different records are needed.")
	RegistrySurvivorField = def("registry_survivor_field",
		"Bản ghi giữ lại phải là một trong hai bản ghi.",
		"The survivor must be one of the two records.")
	RegistryDecisionInvalid = def("registry_decision_invalid",
		"Quyết định không hợp lệ.",
		"The decision is not valid.")
	RegistryDecidedAlready = def("registry_decided_already",
		"Cặp bản ghi này đã được quyết định, hoặc một bản ghi đã được gộp.",
		"This pair is decided already, or one of the records is merged already.")
	RegistryUndoneAlready = def("registry_undone_already",
		"Quyết định này đã được hoàn tác.",
		"This decision is undone already.")
	RegistryNone = def("registry_none",
		"Máy chủ này không giữ sổ theo dõi trẻ em.",
		"This server keeps no registry.")
	LimitInvalid = def("limit_invalid",
		"Giới hạn (limit) không hợp lệ.",
		"The limit is not valid.")
	LimitRange = def("limit_range",
		"Cần một số từ 1 đến %d.",
		"Want a number from 1 to %d.")
	RegistryCursorInvalid = def("registry_cursor_invalid",
		"Con trỏ (cursor) không hợp lệ.",
		"The cursor is not valid.")
	RegistryCursorField = def("registry_cursor_field",
		"Con trỏ không hợp lệ.",
		"Not a valid cursor.")
)

// Messages of the x-ref annotation (internal/schema/lint_fields.go).
var (
	LintRefValue = def("lint_ref_value",
		"x-ref chỉ được là %q hoặc %q.",
		"x-ref must be %q or %q.")
	LintRefKind = def("lint_ref_kind",
		"x-ref chỉ dành cho trường văn bản có format uuid.",
		"x-ref is for text fields of format uuid only.")
)
