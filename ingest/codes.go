package ingest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Reject codes: RowError.Code names the kind of a reject so that a program
// (the web map's Import tab) can word it in the clerk's language from the
// code and its parameters, while Reason keeps the English sentence the
// command line and API have always given. A code once published keeps its
// meaning and parameters.
const (
	CodeOther           = "other"             // uncoded: Reason says it
	CodeRequired        = "required"          // an empty cell a field requires
	CodeBadText         = "bad_text"          // not text in the file's encoding
	CodeTooLong         = "too_long"          // {max}
	CodeExcelScientific = "excel_scientific"  // {value}: 3.21299E+15
	CodeNotOneOf        = "not_one_of"        // {value, allowed}
	CodeBadNumber       = "bad_number"        // {value}
	CodeOutOfRange      = "out_of_range"      // {value, min, max}
	CodeBadBool         = "bad_bool"          // {value}
	CodeBadDate         = "bad_date"          // {value}
	CodeGeometryMissing = "geometry_missing"  // no or empty geometry where the layer needs one
	CodeWrongGeometry   = "wrong_geometry"    // {got, want}
	CodeInvalidGeometry = "invalid_geometry"  // {reason}
	CodeCoordsSwapped   = "coords_swapped"    // {lon, lat} as given
	CodeOutsideCounty   = "outside_county"    // {lon, lat}
	CodeFieldCount      = "field_count"       // {got, want}: a CSV row of the wrong width
	CodeDuplicateInFile = "duplicate_in_file" // {column, value, first_line}
	CodeUnknownRef      = "unknown_reference" // {column, value, table}
	CodeDuplicateOther  = "duplicate_other_town"
	CodeOutsideTowns    = "outside_your_towns" // {value, town, your_towns}
	CodeNewTown         = "new_town"           // {value}
	CodeNoTown          = "no_town"
	// A visit resolving more problems than it collected: {resolved, collected}.
	CodeResolvedOverCollected = "resolved_over_collected"
	// A diary row whose id is already another entry's (another member,
	// household or time): {value} the id, {field} the first field that
	// differs, {stored} its stored value, {given} the row's.
	CodeIDTaken = "id_taken"
	// A row whose code is already another's: the stored row of that code
	// bears another name (a contact point: belongs to another member).
	// {value} the code, {stored} the stored name (member), {given} the
	// row's. Refused unless the import allows renames
	// (Options.AllowRenames): a register numbered 1, 2, 3 (row numbers, or
	// last year's codes) would otherwise rename existing members, towns or
	// teams, or move members between teams, without a word.
	CodeOtherName = "code_other_name"
	// A diary time in the future: {value, now} (China time, to the minute).
	CodeTimeFuture = "time_future"
	// A diary time before the campaign's first day: {value, start}.
	CodeBeforeCampaign = "before_campaign"
	// A member who already has another contact point: {value} the member,
	// {existing} the contact point (one per member).
	CodeOneContactPoint = "one_contact_point"
	// A town that already has another team: {value} the town, {existing}
	// the team (one per town).
	CodeOneTeamPerTown = "one_team_per_town"
	// A GeoJSON record whose type is not Feature: {got}.
	CodeNotFeature = "not_a_feature"
	// A GeoJSON feature with a member of the wrong kind: {member} (e.g.
	// properties), {got} the JSON kind found (array, string, number, …).
	CodeBadFeature = "bad_feature"
	// A GeoJSON geometry that cannot be read: {type} as given.
	CodeBadGeoJSONGeometry = "bad_geojson_geometry"
	// A property holding an object or array, or no value: {value}, its
	// start.
	CodeNotAValue = "not_a_value"
	// WKT nested deeper than a stored geometry: {max} brackets.
	CodeWKTTooDeep = "wkt_too_deep"
	// Text in the WKT column that is not WKT: {value}, its start.
	CodeBadWKT = "bad_wkt"
	// A diary row of the same member, household and minute as a stored
	// entry of another id: {value} the row's id, {existing} the stored
	// entry's, {time} (China time, to the minute). One visit is one entry:
	// a week's file renumbered, or Excel's 0001 turned 1, would count it twice.
	CodeSameEntry = "same_entry"
	// The same within the file: {value}, {existing} the first row's id,
	// {first_line}, {time}.
	CodeSameEntryInFile = "same_entry_in_file"
	// A diary row whose village is not its household's: {value} the row's
	// village code, {village} its name, {household}, {household_village}
	// and {household_village_name}.
	CodeVillageNotHouseholds = "village_not_households"
	// A household visit (入户走访) naming neither a household nor a village:
	// it would count for no village, only the town's totals.
	CodeVisitNoPlace = "household_visit_no_place"
	// A household whose point lies outside its village beyond the
	// tolerance (store, householdOutsideVillageCheck: worded, not yet
	// among the households' checks): {value} the
	// row's village code, {village} its name, {lies_in} and {lies_in_name}
	// the village the point lies in (empty: none), {distance_m} metres
	// from the row's village.
	CodeOutsideVillage = "outside_village"
	// A diary row dated after its member's last day in the corps
	// (members.left_on): {value} the member, {name}, {left_on}, {time}
	// (China time, to the minute).
	CodeMemberLeft = "member_left"
	// A member's last day in the corps (left_on) before their own diary's
	// latest entry: {value} the row's day, {member}, {name}, {latest} the
	// latest entry's day and {after} how many entries are dated after
	// value (China time). Those entries would stand for a member who had
	// left, which the diary import refuses (CodeMemberLeft).
	CodeLeftBeforeEntries = "left_before_entries"
)

// Codes lists every reject code but CodeOther. The store's checks give
// only these (a test there checks), and ReasonZH and the web map's
// i18n.js word each (a test here checks).
var Codes = []string{
	CodeRequired, CodeBadText, CodeTooLong, CodeExcelScientific, CodeNotOneOf, CodeBadNumber, CodeOutOfRange,
	CodeBadBool, CodeBadDate, CodeGeometryMissing, CodeWrongGeometry, CodeInvalidGeometry, CodeCoordsSwapped,
	CodeOutsideCounty, CodeFieldCount, CodeDuplicateInFile, CodeUnknownRef, CodeDuplicateOther, CodeOutsideTowns,
	CodeNewTown, CodeNoTown, CodeResolvedOverCollected, CodeOneContactPoint, CodeOneTeamPerTown, CodeNotFeature,
	CodeBadFeature, CodeBadGeoJSONGeometry, CodeNotAValue, CodeWKTTooDeep, CodeBadWKT, CodeIDTaken, CodeTimeFuture,
	CodeBeforeCampaign, CodeOtherName, CodeSameEntry, CodeSameEntryInFile, CodeVillageNotHouseholds, CodeVisitNoPlace,
	CodeOutsideVillage, CodeMemberLeft, CodeLeftBeforeEntries,
}

// KnownCode reports whether code is one of Codes.
func KnownCode(code string) bool { return slices.Contains(Codes, code) }

// valueStart is the start of a value typed, for a reject's parameters: at
// most 40 characters, whole runes.
func valueStart(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// Languages of Options.Lang.
const (
	LangEN = "en"
	LangZH = "zh"
)

// ParseLang reads a lang option: "" and "en" are LangEN, "zh" (or zh-CN)
// LangZH.
func ParseLang(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "en", "en-us", "en-gb":
		return LangEN, nil
	case "zh", "zh-cn", "zh-hans":
		return LangZH, nil
	}
	return "", OptionError("lang", OptBadLang, map[string]any{"value": s, "allowed": []string{LangZH, LangEN}})
}

// codedError is an error with a reject code and its parameters.
type codedError struct {
	code   string
	params map[string]any
	msg    string
}

func (e *codedError) Error() string { return e.msg }

func coded(code string, params map[string]any, format string, args ...any) error {
	return &codedError{code: code, params: params, msg: fmt.Sprintf(format, args...)}
}

// codeOf is the code and parameters err carries, or CodeOther.
func codeOf(err error) (string, map[string]any) {
	var ce *codedError
	if errors.As(err, &ce) {
		return ce.code, ce.params
	}
	return CodeOther, nil
}

// tablesZH names the tables a reference may name as the web map does
// (i18n.js imp.layer.*).
var tablesZH = map[string]string{
	"towns": "镇（街道、园区）", "villages": "村（社区）", "teams": "工作队", "members": "队员",
	"households": "农户（户籍登记）", "contact_points": "联系点", "visits": "走访（民情日记）",
	"projects": "重点企业与项目", "river_works": "河道与道路工程",
}

// jsonKindZH names a JSON value's kind (CodeBadFeature's got).
var jsonKindZH = map[string]string{
	"array": "数组", "object": "对象", "string": "文字", "number": "数字", "bool": "是/否值", "null": "空值",
}

// geometryZH names a geometry type (GeoJSON's, or a layer's GeomKind) in
// Chinese; an unknown one stays as it is.
func geometryZH(s string) string {
	if zh, ok := map[string]string{
		"Point": "点", "MultiPoint": "多点", "LineString": "线", "MultiLineString": "多线", "Polygon": "面",
		"MultiPolygon": "多面", "GeometryCollection": "几何集合", "point": "点", "line": "线", "polygon": "面",
		"geometry": "点、线或面",
	}[s]; ok {
		return zh
	}
	return s
}

// geosReasons words PostGIS's validity reasons (GEOS's fixed list, as
// ST_IsValidReason gives them) in Chinese.
var geosReasons = []struct{ en, zh string }{
	{"Ring Self-intersection", "环自相交"},
	{"Self-intersection", "自相交"},
	{"Too few points in geometry component", "组成部分的点太少"},
	{"Hole lies outside shell", "内洞在外环之外"},
	{"Holes are nested", "内洞相互嵌套"},
	{"Interior is disconnected", "内部不连通"},
	{"Nested shells", "外环相互嵌套"},
	{"Duplicate Rings", "环重复"},
	{"Invalid Coordinate", "坐标无效"},
	{"Ring is not closed", "环没有闭合"},
	{"Repeated Point", "点重复"},
	{"Topology Validation Error", "拓扑错误"},
}

// geosReasonZH words a reason of invalid geometry in Chinese, with the
// place PostGIS gives ("Self-intersection[120.1 32.1]" is 自相交，位于
// 120.1 32.1); an unknown one stays as it is.
func geosReasonZH(reason string) string {
	for _, g := range geosReasons {
		rest, ok := strings.CutPrefix(reason, g.en)
		if !ok {
			continue
		}
		if at, ok := strings.CutPrefix(rest, "["); ok {
			return g.zh + "，位于 " + strings.TrimSuffix(at, "]")
		}
		if rest == "" {
			return g.zh
		}
	}
	return reason
}

// ReasonZH words a reject in Chinese from its code and parameters, as the
// web map does (frontend/src/i18n.js, import.reject.*), prefixed with the
// column as the file spelled it (else the field). An uncoded reject keeps
// its English reason.
func ReasonZH(e RowError) string {
	p := func(k string) string { return paramText(e.Params[k]) }
	// A parameter's Chinese, where the server gave one (town names,
	// geometry types, PostGIS's reasons), else the parameter.
	pz := func(k string) string {
		if v, ok := e.Params[k+"_zh"]; ok && v != nil {
			return paramText(v)
		}
		return p(k)
	}
	var r string
	switch e.Code {
	case CodeRequired:
		r = "必填，但为空"
	case CodeBadText:
		r = "不是文件编码下的有效文字"
	case CodeTooLong:
		r = "超过 " + p("max") + " 字节"
	case CodeExcelScientific:
		r = "“" + p("value") + "”是被 Excel 改成科学计数法的长数字：请把该列设为文本（设置单元格格式 → 文本），重新输入后保存"
	case CodeNotOneOf:
		allowed := p("allowed_zh")
		if allowed == "" {
			allowed = p("allowed")
		}
		r = "“" + p("value") + "”不是可选值之一（" + allowed + "）"
	case CodeBadNumber:
		r = "“" + p("value") + "”不是有效的数字"
	case CodeOutOfRange:
		r = p("value") + " 超出范围 " + p("min") + "–" + p("max")
	case CodeBadBool:
		r = "“" + p("value") + "”不是“是”或“否”（是/否、1/0）"
	case CodeBadDate:
		r = "“" + p("value") + "”不是日期，应如 2026-03-05 或 2026-03-05 14:30"
	case CodeGeometryMissing:
		r = "缺少位置：请填写经度、纬度或 WKT"
		if e.Params["new"] == true {
			// A register without lon/lat columns, on a household it does not hold yet.
			r = "缺少位置：户编号 " + p("value") + " 尚未登记，新增农户须填写经度、纬度"
		}
	case CodeWrongGeometry:
		r = "几何类型为 " + geometryZH(pz("got")) + "，本图层要求 " + geometryZH(pz("want"))
	case CodeInvalidGeometry:
		r = "几何图形无效：" + geosReasonZH(pz("reason"))
	case CodeCoordsSwapped:
		r = "经纬度似乎填反了：经度应在前（约 120），纬度在后（约 32）"
	case CodeOutsideCounty:
		r = outsideCountyZH(p) // placegiven.go
	case CodeFieldCount:
		r = "本行有 " + p("got") + " 列，表头有 " + p("want") + " 列（文件被截断或多了分隔符？）"
	case CodeDuplicateInFile:
		if e.Unit == "feature" {
			r = "“" + p("value") + "”在文件中重复：首次出现在第 " + p("first_line") + " 个要素"
		} else {
			r = "“" + p("value") + "”在文件中重复：首次出现在第 " + p("first_line") + " 行"
		}
	case CodeUnknownRef:
		table := p("table")
		if zh, ok := tablesZH[table]; ok {
			table = zh
		}
		r = "找不到“" + p("value") + "”：" + table + "中没有这一条"
	case CodeDuplicateOther:
		r = "“" + p("value") + "”已属于其他镇：" + pz("town")
	case CodeOutsideTowns:
		r = "属于 " + pz("town") + "，不是您负责的镇；您负责：" + pz("your_towns")
	case CodeNewTown:
		r = "镇 " + p("value") + " 是新的，只有县级管理员可以添加镇"
	case CodeNoTown:
		r = "没有镇代码，位置也不在任何镇内"
	case CodeResolvedOverCollected:
		r = "解决的问题数（" + p("resolved") + "）多于收集的问题数（" + p("collected") + "）"
	case CodeIDTaken:
		orNone := func(s string) string { return cmp.Or(s, "（空）") }
		r = "编号“" + p("value") + "”已是另一条日记的编号（那条记的是 " + orNone(p("stored")) + "，本行是 " + orNone(p("given")) +
			"）：新的日记要用新的编号；已有的那条没有改动。如确是改正那一条，导入时选“按编号更正”（correct，命令行 --correct），或在网页“写日记”的日记列表中点“更正”"
	case CodeOtherName:
		r = "代码“" + p("value") + "”已是“" + p("stored") + "”的代码，本行写的是“" + p("given") +
			"”：这一行没有导入，“" + p("stored") + "”没有改动。新的一条请用新的代码（用本表自己的代码列，不要用序号）；如确是改名，导入时选“允许改名”（allow_renames）"
	case CodeSameEntry:
		r = "与已有的日记“" + p("existing") + "”是同一次走访（同一队员、同一农户、同一时间 " + p("time") +
			"）：同一次走访只记一条，这一行没有导入；如确是另一次走访，请改正走访时间"
	case CodeSameEntryInFile:
		r = "与第 " + p("first_line") + " 行（日记编号“" + p("existing") + "”）是同一次走访（同一队员、同一农户、同一时间 " + p("time") +
			"）：同一次走访只记一条"
	case CodeVillageNotHouseholds:
		r = "村居代码“" + p("value") + "”（" + p("village") + "）不是农户 " + p("household") + " 所在的村居“" +
			p("household_village") + "”（" + p("household_village_name") + "）：请改正村居代码，或留空（按农户所在村居记）"
	case CodeVisitNoPlace:
		r = "入户走访既没有户编号，也没有村居代码：请填写走访的农户（户编号），至少填写村居代码"
	case CodeOutsideVillage:
		in := "不在任何村居内"
		if p("lies_in") != "" {
			in = "在“" + p("lies_in") + "”（" + p("lies_in_name") + "）内"
		}
		r = "位置" + in + "，离本行的村居“" + p("value") + "”（" + p("village") + "）" + p("distance_m") +
			" 米：请核对村居代码或经纬度"
	case CodeTimeFuture:
		r = p("value") + " 是将来的时间（服务器时间 " + p("now") + "）"
	case CodeBeforeCampaign:
		r = p("value") + " 早于活动开始日（" + p("start") + "）"
	case CodeMemberLeft:
		r = "队员 " + p("value") + "（" + p("name") + "）已于 " + p("left_on") + " 离队，这条日记的时间是 " + p("time") +
			"：请核对队员代码或走访时间"
	case CodeLeftBeforeEntries:
		r = "离队日期 " + p("value") + " 早于队员 " + p("member") + "（" + p("name") + "）最近一条日记的日期 " + p("latest") +
			"：这一天之后还有 " + p("after") + " 条日记。请填 " + p("latest") + " 或之后的日期，或先更正这些日记"
	case CodeOneContactPoint:
		r = "队员 " + p("value") + " 已有联系点 " + p("existing") + "（每名队员只设一个联系点）"
	case CodeOneTeamPerTown:
		r = "镇 " + p("value") + " 已有工作队 " + p("existing") + "（每个镇只设一个工作队）"
	case CodeNotFeature:
		r = "不是 GeoJSON 要素：类型为“" + p("got") + "”，应为 Feature"
	case CodeBadFeature:
		r = "不是有效的 GeoJSON 要素：“" + p("member") + "”的写法不对"
		if kind, ok := jsonKindZH[p("got")]; ok {
			r += "（不应是" + kind + "）"
		}
	case CodeBadGeoJSONGeometry:
		r = "不是有效的 GeoJSON 几何（类型“" + p("type") + "”，或缺少坐标）"
	case CodeNotAValue:
		r = "“" + p("value") + "”不是一个值：属性里不能放对象或数组"
	case CodeWKTTooDeep:
		r = "WKT 的括号嵌套超过 " + p("max") + " 层（MULTIPOLYGON 为 3 层）"
	case CodeBadWKT:
		r = "“" + p("value") + "”不是有效的 WKT：请检查几何类型名、括号是否成对、坐标是否为“经度 纬度”"
	default:
		r = e.Reason
	}
	label := e.Header
	if label == "" {
		label = fieldLabelZH(e.Field)
	}
	if label == "" {
		return r
	}
	return label + "：" + r
}

// geomFieldsZH names in Chinese the fields a reject gives a geometry, or
// a GeoJSON feature's type, when no column of the file spelled it (a
// GeoJSON feature's geometry, a missing location), in the words the
// reasons use: 几何 for the shape, 经度/纬度 for a point's columns.
var geomFieldsZH = map[string]string{"geometry": "几何", "lon/lat": "经度/纬度", "wkt": "几何（WKT）", "type": "要素类型"}

// fieldLabelZH is the label of a reject's field without a header: a
// geometry field in Chinese, any other as it is.
func fieldLabelZH(field string) string {
	if zh, ok := geomFieldsZH[field]; ok {
		return zh
	}
	return field
}
