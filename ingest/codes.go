package ingest

import (
	"errors"
	"fmt"
	"regexp"
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
)

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
	return "", invalidf("lang %q: want zh or en", s)
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

// storeRejects are the reasons the store's set-based checks give
// (store/ingest.go, store/ingest_towns.go), read back into codes. The
// store words them in SQL and hands them over as text (Plan.Reject);
// TestRejectCodes and TestImportsAsServerRole check each still parses.
var storeRejects = []struct {
	code   string
	re     *regexp.Regexp
	params []string
}{
	{CodeDuplicateInFile, regexp.MustCompile(`^duplicate (\S+) (.+): first on (?:line|feature) (\d+)$`), []string{"column", "value", "first_line"}},
	{CodeUnknownRef, regexp.MustCompile(`^unknown (\S+) (.+) \(no such row in (\S+)\)$`), []string{"column", "value", "table"}},
	{CodeInvalidGeometry, regexp.MustCompile(`^invalid geometry: (.*)$`), []string{"reason"}},
	{CodeDuplicateOther, regexp.MustCompile(`^.+ (\S+) already exists in another town \((\S+)\)$`), []string{"value", "town"}},
	{CodeOutsideTowns, regexp.MustCompile(`^town (\S+) is outside your towns (.*)$`), []string{"town", "your_towns"}},
	{CodeOutsideTowns, regexp.MustCompile(`^[a-z ]+ (\S+) is in town (\S+), outside your towns (.*)$`), []string{"value", "town", "your_towns"}},
	{CodeOutsideTowns, regexp.MustCompile(`^the geometry lies in town (\S+), outside your towns (.*)$`), []string{"town", "your_towns"}},
	{CodeNewTown, regexp.MustCompile(`^town (\S+) is new, and only a county-wide role`), []string{"value"}},
	{CodeNoTown, regexp.MustCompile(`^no town_code, and the geometry lies in no town$`), nil},
}

// ClassifyStoreReject gives a store reject its code and parameters.
func ClassifyStoreReject(reason string) (string, map[string]any) {
	for _, s := range storeRejects {
		m := s.re.FindStringSubmatch(reason)
		if m == nil {
			continue
		}
		var p map[string]any
		if len(s.params) > 0 {
			p = make(map[string]any, len(s.params))
			for i, name := range s.params {
				p[name] = m[i+1]
			}
		}
		if v, ok := p["first_line"].(string); ok {
			var n int64
			fmt.Sscan(v, &n)
			p["first_line"] = n
		}
		return s.code, p
	}
	return CodeOther, nil
}

// tablesZH names the tables a reference may name as the web map does
// (i18n.js imp.layer.*).
var tablesZH = map[string]string{
	"towns": "镇（街道、园区）", "villages": "村（社区）", "teams": "工作队", "members": "工作团成员",
	"households": "农户（户籍登记）", "contact_points": "联系点", "visits": "走访（民情日记）",
	"projects": "重点企业与项目", "river_works": "河道与道路工程",
}

// ReasonZH words a reject in Chinese from its code and parameters, as the
// web map does (frontend/src/i18n.js, import.reject.*), prefixed with the
// column as the file spelled it (else the field). An uncoded reject keeps
// its English reason.
func ReasonZH(e RowError) string {
	p := func(k string) string {
		switch v := e.Params[k].(type) {
		case nil:
			return ""
		case []string:
			return strings.Join(v, "、")
		case []any:
			s := make([]string, len(v))
			for i, x := range v {
				s[i] = fmt.Sprint(x)
			}
			return strings.Join(s, "、")
		case float64:
			return fmt.Sprintf("%.6f", v)
		default:
			return fmt.Sprint(v)
		}
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
	case CodeWrongGeometry:
		r = "几何类型为 " + p("got") + "，本图层要求 " + p("want")
	case CodeInvalidGeometry:
		r = "几何图形无效：" + p("reason")
	case CodeCoordsSwapped:
		r = "经纬度似乎填反了：经度应在前（约 120），纬度在后（约 32）"
	case CodeOutsideCounty:
		r = "位置（" + p("lon") + ", " + p("lat") + "）不在本县范围内"
	case CodeFieldCount:
		r = "本行有 " + p("got") + " 列，表头有 " + p("want") + " 列（文件被截断或多了分隔符？）"
	case CodeDuplicateInFile:
		r = "“" + p("value") + "”在文件中重复：首次出现在第 " + p("first_line") + " 行"
	case CodeUnknownRef:
		table := p("table")
		if zh, ok := tablesZH[table]; ok {
			table = zh
		}
		r = "找不到“" + p("value") + "”：" + table + "中没有这一条"
	case CodeDuplicateOther:
		r = "“" + p("value") + "”已属于其他镇（" + p("town") + "）"
	case CodeOutsideTowns:
		r = "属于 " + p("town") + "，不在您负责的镇（" + p("your_towns") + "）"
	case CodeNewTown:
		r = "镇 " + p("value") + " 是新的，只有县级管理员可以添加镇"
	case CodeNoTown:
		r = "没有镇代码，位置也不在任何镇内"
	default:
		r = e.Reason
	}
	label := e.Header
	if label == "" {
		label = e.Field
	}
	if label == "" {
		return r
	}
	return label + "：" + r
}
