package api

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"lianxin"
	"lianxin/coverage"
)

// The report CSVs (gaps, next villages, members, diary sample, forecast,
// summary) are for Excel, which reads a cell of digits as a number: a
// 12-digit village code shows as 3.21299E+11, a 16-digit household number
// loses its last digit (Excel keeps 15), and quoting the cell changes
// nothing. So a code cell that Excel would take for a number is written as
// the formula ="321299101201", which Excel and WPS show as the text
// 321299101201 and keep whole. Other readers (pandas, R, a database's COPY)
// see the formula text instead; excel=false writes plain values for them.
// Only cells made of digits in code columns are written so: no text a user
// typed ever becomes a formula.
//
// lang=zh writes the header and the enumerated values (kinds, roles,
// statuses, flags, true/false) in Chinese; the default is English, the
// names the JSON uses.

// csvReportParams are the parameters every report with format=csv takes.
var csvReportParams = []string{"lang", "excel"}

// reportCSVOptions say how a report CSV is written.
type reportCSVOptions struct {
	excel bool // code cells as ="…"
	zh    bool // Chinese header and values
}

func parseReportCSVOptions(c echo.Context) (reportCSVOptions, error) {
	return parseCSVOptions(c.QueryParams(), true)
}

// parseCSVOptions reads lang and excel; excel defaults to excelDefault (the
// reports are for Excel, a layer export's CSV for GIS and the import).
func parseCSVOptions(q url.Values, excelDefault bool) (reportCSVOptions, error) {
	o := reportCSVOptions{excel: excelDefault}
	switch l := q.Get("lang"); l {
	case "", "en":
	case "zh":
		o.zh = true
	default:
		return o, lianxin.Errorf(lianxin.EInvalid, "lang %q: want en or zh", l)
	}
	if s := q.Get("excel"); s != "" {
		v, err := strconv.ParseBool(s)
		if err != nil {
			return o, lianxin.Errorf(lianxin.EInvalid, "excel %q: want true or false", s)
		}
		o.excel = v
	}
	return o, nil
}

// writeReportCSV sends rows as the report CSV name.csv.
func writeReportCSV(c echo.Context, name string, rows any) error {
	o, err := parseReportCSVOptions(c)
	if err != nil {
		return err
	}
	var raw bytes.Buffer
	if err := coverage.WriteCSV(&raw, rows); err != nil {
		return err
	}
	out, err := reportCSV(raw.Bytes(), o)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", out)
}

const utf8BOM = "\ufeff"

// reportCSV rewrites the coverage package's CSV (UTF-8 with a BOM) for o.
func reportCSV(in []byte, o reportCSVOptions) ([]byte, error) {
	var out bytes.Buffer
	if err := rewriteCSV(bytes.NewReader(in), &out, o, isCodeColumn, zhHeader); err != nil {
		return nil, err
	}
	if out.Len() == 0 { // no header: the BOM alone, as before
		out.WriteString(utf8BOM)
	}
	return out.Bytes(), nil
}

// rewriteCSV copies the CSV in (UTF-8, a BOM or none) to out for o, record
// by record, so a layer of any size streams through: the header in Chinese
// (o.zh, each name as zh names it), each digits-only cell of a column code
// names as ="…" (o.excel), other cells' enumerated values in Chinese
// (o.zh). Nothing is written before the first record is read, so a source
// that fails at once leaves out untouched (a response not yet committed).
func rewriteCSV(in io.Reader, out io.Writer, o reportCSVOptions, code func(string) bool, zh func(string) string) error {
	br := bufio.NewReader(in)
	if b, err := br.Peek(len(utf8BOM)); err == nil && string(b) == utf8BOM {
		br.Discard(len(utf8BOM))
	}
	r := csv.NewReader(br)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	isCode := make([]bool, len(header))
	for i, h := range header {
		isCode[i] = code(h)
	}
	if _, err := io.WriteString(out, utf8BOM); err != nil {
		return err
	}
	w := csv.NewWriter(out)
	w.UseCRLF = true
	if o.zh {
		names := make([]string, len(header))
		for i, h := range header {
			names[i] = zh(h)
		}
		header = names
	}
	if err := w.Write(header); err != nil {
		return err
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		for i, v := range rec {
			switch {
			case i < len(isCode) && isCode[i] && o.excel && excelNumber.MatchString(v):
				rec[i] = `="` + v + `"`
			case o.zh:
				rec[i] = zhValue(v)
			}
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// excelNumber matches what Excel would read as a number and so spoil as a
// code: digits, or digits with an exponent (an H3 cell such as 8830900001e5).
var excelNumber = regexp.MustCompile(`^[0-9]+([eE][0-9]+)?$`)

// isCodeColumn: codes and identifiers, never counts or figures.
func isCodeColumn(h string) bool {
	switch h {
	case "code", "team", "household", "contact_point", "visit_id", "cell", "h3", "town", "village":
		return true
	}
	return strings.HasSuffix(h, "_code") || strings.HasSuffix(h, "_id")
}

// zhHeaders names the report columns in Chinese; a nested column
// (special_unvisited.poor) is named part by part.
var zhHeaders = map[string]string{
	"rank": "排名", "order": "顺序", "village_code": "村代码", "village_name": "村（社区）", "village_kind": "村/社区",
	"town_code": "乡镇代码", "town_name": "乡镇", "town": "乡镇", "team": "工作队", "team_name": "工作队名称",
	"resident_population": "常住人口", "visited_residents": "已走访户人口", "coverage": "覆盖率（比例 0–1）", "coverage_percent": "覆盖率（%）", "reached": "达到考核要求（农村：达三分之一；社区：已走访）",
	"no_population": "无人口", "residents_needed": "尚需走访人数", "households_needed": "至少还需走访户数",
	"households_needed_typical": "还需走访户数（按平均户规模）",
	"special_unvisited":         "未走访特殊群体户", "special_waiting": "待走访特殊群体（各类户数之和，一户可计多次）", "special_households": "特殊群体户",
	"special_waiting_households": "待走访特殊群体户（每户计一次）", "total": "合计",
	"poor": "贫困户", "seriously_ill": "大病", "disabled": "残疾", "empty_nest": "空巢老人",
	"left_behind_children": "留守儿童", "community_correction": "社区矫正",
	"households": "户数", "visited_households": "已走访户数", "households_visited": "已走访户数", "visits": "走访次数",
	"problems_collected": "收集问题数", "problems_resolved": "解决问题数", "last_visit_on": "最近走访日期",
	"days_since_last_visit": "距最近走访天数", "distance_km": "距驻地（公里）", "priority": "优先级",
	"coverage_if_visited": "走访后覆盖率（比例 0–1）", "coverage_if_visited_percent": "走访后覆盖率（%）", "lon": "经度", "lat": "纬度", "suppressed": "隐藏（样本过小）",
	"leg_km": "本段（公里）", "score": "得分", "gap_reason": "缺口原因",
	"member_code": "队员代码", "member_name": "队员", "role": "角色", "contact_point": "联系点",
	"diary_entries": "民情日记条数", "households_contacted": "本期联系户数", "weekly_visits": "每周走访",
	"households_to_date": "累计联系户数（活动开始至截止日）", "no_entry_this_week": "本周无记录（所选最后一周）",
	"target": "目标", "meets_target": "达到目标（累计联系满10户）", "has_contact_point": "有联系点", "needs_attention": "需关注",
	"left_on": "离队日期", "left": "已离队（不考核）",
	"entry": "抽查条目号", "visit_id": "日记编号", "household": "户编号", "kind": "类型", "occurred_at": "走访时间", "recorded_at": "记录时间",
	"has_location": "有位置", "metres_from_household": "距农户（米）", "notes_chars": "记录字数",
	"same_day_entries": "同日条数", "flags": "提示", "residents_per_week": "每周走访人数", "status": "状态",
	"reaches_on": "预计达到日期", "on_track": "活动结束前可达三分之一", "residents_per_week_needed": "每周需走访人数（按期达到）",
	"stalled": "停滞（近四周无日记）", "from": "起始日", "to": "截止日（不含）", "villages": "村居数",
	"villages_reached": "达到考核要求村居数", "members": "队员数", "code": "代码", "name": "名称", "rural": "农村",
	"groups": "特殊群体", "residents": "人口", "last_visit": "上次走访", "head_name": "户主",
	"petition_households_unvisited": "未走访的信访户",
	// The summary's columns (coverage.Summary, its five_coverages nested).
	"villages_suppressed": "按隐私规则不计入的村居数", "villages_visited": "已走访村居数",
	"villages_no_population": "无常住人口村居数", "rural_villages": "农村村数",
	"rural_villages_reached": "达到三分之一的农村村数", "rural_resident_population": "农村常住人口",
	"rural_visited_residents": "农村已走访户人口",
	"household_visits":        "入户联系（含帮扶送达，次）", "household_visit_entries": "入户走访条目数",
	"enterprise_visits": "企业走访（次）", "enterprises_visited": "走访企业（家）", "project_site_visits": "项目现场走访（次）",
	"village_meetings": "村居座谈会（次）", "opinions_collected": "收集问题数", "petition_cases_resolved": "化解信访积案数",
	"disputes_resolved": "排除矛盾隐患数", "publicity_events": "宣传活动（次）", "publicity_participants": "宣传活动参与人次",
	"assistance_deliveries": "帮扶送达（次）", "households_assisted": "帮扶困难户数",
	"five_coverages": "五个全覆盖", "towns": "判定的乡镇", "towns_without_activity": "无走访的乡镇",
	"projects_without_visit": "未走访的重点企业、项目", "villages_without_visit": "未走访的村居数",
	"petition_villages_without_visit": "未走访的信访村居", "members_below_target": "联系不足10户的队员（人）",
	"members_without_contact_point": "未设联系点的队员（人）",
	// The morning check's columns (coverage.TownRow).
	"rural_reached_share": "达到三分之一的农村村占比（比例 0–1）", "rural_coverage": "农村覆盖率（比例 0–1）",
	"roads_completed_metres": "建成道路里程（米）", "rivers_dredged": "疏浚河道（条）", "bridges_completed": "建成桥梁（座）",
	"refuse_stations_completed": "建成垃圾中转站（座）", "projects_landed": "落地项目（在建及已完工，个）",
	// The spot check's ranking (spotcheck.TeamRank, MemberRank).
	"entries_checked": "抽查条数", "ok": "合格", "incomplete": "需补充", "failed": "不合格",
	"ok_share": "合格率（比例 0–1）", "ok_share_percent": "合格率（%）", "mean_score": "平均得分",
	"members_meeting_target": "联系满10户的队员（人）",
}

func zhHeader(h string) string {
	parts := strings.Split(h, ".")
	for i, p := range parts {
		if z, ok := zhHeaders[p]; ok {
			parts[i] = z
		}
	}
	return strings.Join(parts, ".")
}

// zhValues are the enumerated values of the reports in Chinese (the
// import's words where it has them).
var zhValues = map[string]string{
	"true": "是", "false": "否",
	"household_visit": "入户走访", "enterprise_visit": "企业走访", "project_site_visit": "项目现场走访",
	"village_meeting": "村居座谈会", "publicity_event": "宣传活动", "assistance_delivery": "帮扶送达",
	"leader": "队长", "senior_adviser": "老同志", "cadre": "机关后备干部", "village_official": "大学生村官",
	"village": "村", "community": "社区",
	"below_one_third": "未达三分之一",
	"on_pace":         "按期达到", "not_at_this_pace": "按此进度达不到", "no_visit": "未走访", "reached": "已达要求",
	"not_judged":  "不按三分之一考核",
	"not_reached": "活动结束时未达要求", "no_population": "无人口", "suppressed": "隐藏（样本过小）", "hidden": "已隐藏",
	"no_location": "无位置", "far_from_household": "距农户较远", "no_notes": "无记录",
	"late_write_up": "补记较晚", "duplicate": "疑似重复",
	"poor": "贫困户", "seriously_ill": "大病", "disabled": "残疾", "empty_nest": "空巢老人",
	"left_behind_children": "留守儿童", "community_correction": "社区矫正", "petition": "信访户",
}

// zhValue translates an enumerated value, or each of a ;-list (flags);
// anything else is left as it is.
func zhValue(v string) string {
	if z, ok := zhValues[v]; ok {
		return z
	}
	if !strings.ContainsAny(v, ";,") {
		return v
	}
	sep := ";"
	if !strings.Contains(v, sep) {
		sep = ","
	}
	parts := strings.Split(v, sep)
	for i, p := range parts {
		z, ok := zhValues[p]
		if !ok {
			return v
		}
		parts[i] = z
	}
	return strings.Join(parts, sep)
}
