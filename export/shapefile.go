package export

// A shapefile's field names are at most 10 bytes. GDAL cuts longer ones
// and numbers the clashes (households_needed became househol_1), which no
// reader can tell apart, so every field has an explicit short name here,
// and each zip carries a field dictionary (fields.csv) from short name to
// full name and meaning.
//
// A column the import takes keeps the 10-character cut of its name
// (resident_p, problems_c) when that is unique in its layer: the import
// reads a shapefile's field by that cut, so a downloaded shapefile
// imports again as it is. The others get readable names (hh_needed).

// shapefileName is a field's short name and its description in Chinese.
type shapefileName struct {
	Short string
	ZH    string
}

var shapefileNames = map[string]shapefileName{
	"id":                         {"id", "编号（lianxin 内部编号）"},
	"code":                       {"code", "代码"},
	"name":                       {"name", "名称"},
	"kind":                       {"kind", "类型"},
	"town_code":                  {"town_code", "乡镇代码"},
	"town_name":                  {"town_name", "乡镇名称"},
	"resident_population":        {"resident_p", "常住人口"},
	"registered_households":      {"registered", "户籍户数"},
	"rural":                      {"rural", "是否农村"},
	"petition_case":              {"petition_c", "有信访案件"},
	"members":                    {"members", "队员人数"},
	"team_code":                  {"team_code", "工作队代码"},
	"role":                       {"role", "角色"},
	"left_on":                    {"left_on", "离队日期（在队时为空）"},
	"external_id":                {"external_i", "外部编号（户编号/日记编号）"},
	"village_code":               {"village_co", "村（社区）代码"},
	"residents":                  {"residents", "家庭人口"},
	"poor":                       {"poor", "贫困户"},
	"seriously_ill":              {"seriously_", "大病"},
	"disabled":                   {"disabled", "残疾"},
	"empty_nest":                 {"empty_nest", "空巢老人"},
	"left_behind_children":       {"left_behin", "留守儿童"},
	"community_correction":       {"community_", "社区矫正"},
	"member_code":                {"member_cod", "队员代码"},
	"established_on":             {"establishe", "建立日期"},
	"cards_issued":               {"cards_issu", "发放联系卡数"},
	"household_id":               {"household_", "户编号（联系卡上的编号）"},
	"project_code":               {"project_co", "项目代码"},
	"occurred_at":                {"occurred_a", "走访时间（北京时间）"},
	"participants":               {"participan", "参与人数"},
	"notes":                      {"notes", "民情日记记录"},
	"problems_collected":         {"problems_c", "收集问题数"},
	"problems_resolved":          {"problems_r", "解决问题数"},
	"petition_resolved":          {"petition_r", "化解信访"},
	"dispute_resolved":           {"dispute_re", "化解纠纷"},
	"status":                     {"status", "状态"},
	"investment_yuan":            {"investment", "投资额（元）"},
	"dispute":                    {"dispute", "存在纠纷"},
	"length_metres":              {"length_m", "长度（米）"},
	"completed_on":               {"completed_", "完成日期"},
	"households":                 {"households", "户数"},
	"visited_households":         {"visited_hh", "已走访户数"},
	"visited_residents":          {"visited_rs", "已走访户的人口"},
	"coverage":                   {"coverage", "走访覆盖率"},
	"reached":                    {"reached", "达标（农村：达到三分之一；城镇社区：已走访）"},
	"residents_needed":           {"res_needed", "达到三分之一尚需走访人数"},
	"visits":                     {"visits", "走访次数"},
	"special_unvisited":          {"spec_unvis", "未走访的特殊群体户数（村居图层为各类户数之和，一户属多类时重复计入；网格图层为户数）"},
	"special_waiting_households": {"spec_wt_hh", "待走访特殊群体户数（每户计一次）"},
	"last_visit_on":              {"last_visit", "最近走访日期"},
	"window_from":                {"win_from", "统计起始日"},
	"window_to":                  {"win_to", "统计截止日（不含）"},
	"rank":                       {"rank", "排名"},
	"households_needed":          {"hh_needed", "达到三分之一至少还需走访户数"},
	"households_needed_typical":  {"hh_typical", "按平均户规模还需走访户数"},
	"gap_reason":                 {"gap_reason", "缺口原因（below_one_third 未达三分之一，no_population 无人口，no_visit 社区未走访）"},
	"coverage_if_visited":        {"cov_if_vis", "走访这些户后的覆盖率"},
	"days_since_last_visit":      {"days_since", "距最近走访天数"},
	"distance_km":                {"dist_km", "距工作队驻地（公里）"},
	"priority":                   {"priority", "优先级（高者先）"},
	"cell":                       {"cell", "H3 网格（十六进制）"},
	"resolution":                 {"resolution", "H3 分辨率"},
	"visited_share":              {"vis_share", "已走访人口占比"},
	"special_households":         {"special_hh", "特殊群体户数"},
	"open_problems":              {"open_probs", "未解决问题数"},
}

// ShapefileNames returns the short name of each of l's fields, in order.
func (l *Layer) ShapefileNames() []string {
	out := make([]string, len(l.Fields))
	for i, f := range l.Fields {
		out[i] = shapefileNames[f.Name].Short
	}
	return out
}

// shapefileText marks the fields a shapefile holds as text, whatever their
// type, because a .dbf has no type that keeps them:
//
//   - a date-time (DateTime): a .dbf Date keeps the day and drops the time
//     of day, so a visit exported at 12:44 imported again as 00:00 and was
//     refused as a different diary entry. As text it is RFC 3339 in
//     campaign time (2026-06-15T12:44:00+08:00), which the import reads
//     back exactly;
//   - the H3 cell id (the integer id of an H3 layer): 64 bits as N(18,0),
//     which ArcGIS reads as a double, losing its last digits. As text it
//     keeps every digit, beside the hex cell field.
//
// Nil when no field needs it.
func (l *Layer) shapefileText() []bool {
	var out []bool
	for i, f := range l.Fields {
		if f.Type == DateTime || (l.Resolution && f.Name == "id") {
			if out == nil {
				out = make([]bool, len(l.Fields))
			}
			out[i] = true
		}
	}
	return out
}

// fieldDictionaryName is the dictionary's name inside a shapefile zip.
const fieldDictionaryName = "fields.csv"

// The dictionary itself (fields.csv, UTF-8 with a byte-order mark for
// Excel: each short name's full name, type as the .dbf holds it, and
// meaning) is written by shapefileDictionary (fields_dict.go).
