package api

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"strconv"
	"strings"

	"lianxin/coverage"
	"lianxin/privacy"
)

// The summary's CSV is a report, not a table: one line per figure under
// section, item, value and code (类别, 项目, 数量, 代码 in Chinese), as the
// campaign's own report reads (MISSION: development, disputes, publicity,
// livelihoods), then the five full coverages' checks, then each list the
// checks name, one line per village, project, member or town with its
// name and where it is, and its code in the code column. It opens in Excel
// as a printable sheet; a figure the privacy rules hide reads as its label
// ("hidden", "≥n"; 已隐藏 in Chinese), one not judged for the caller as
// "not judged" (未判定).

// summaryLine is one line of the summary CSV: the section and item are
// keys of summaryWords.
type summaryLine struct {
	section, item string
	label         string // the item as written (a listed name), instead of item's words
	value         string
	code          string
}

// summaryWords are the sections' and items' words: English, Chinese.
var summaryWords = map[string][2]string{
	"header.section": {"section", "类别"}, "header.item": {"item", "项目"}, "header.value": {"value", "数量"}, "header.code": {"code", "代码"},
	"report": {"report", "报表"}, "area": {"area", "范围"}, "county": {"whole county", "全县"},
	"from": {"first day", "起始日"}, "to": {"day after the last", "截止日（不含）"},
	"coverage": {"coverage", "走访覆盖"},
	"villages": {"villages and communities", "村居数"}, "villages_visited": {"villages and communities visited", "已走访村居数"},
	"villages_reached":          {"villages and communities meeting their rule", "达到考核要求村居数"},
	"rural_villages":            {"rural villages", "农村村数"},
	"rural_villages_reached":    {"rural villages at one-third", "达到三分之一的农村村数"},
	"resident_population":       {"resident population", "常住人口"},
	"visited_residents":         {"residents of households visited", "已走访户人口"},
	"rural_resident_population": {"rural resident population", "农村常住人口"},
	"rural_visited_residents":   {"rural residents of households visited", "农村已走访户人口"},
	"households_visited":        {"households visited", "已走访户数"},
	"villages_suppressed":       {"villages left out by the privacy rules", "按隐私规则不计入的村居数"},
	"development":               {"development", "助推发展"},
	"enterprise_visits":         {"enterprise visits", "企业走访（次）"}, "enterprises_visited": {"enterprises visited", "走访企业（家）"},
	"project_site_visits":     {"project site visits", "项目现场走访（次）"},
	"projects_landed":         {"projects landed (under way or completed)", "落地项目（在建及已完工，个）"},
	"investment_yuan_landed":  {"investment of projects landed (yuan)", "落地项目投资（元）"},
	"disputes":                {"problems and disputes", "化解矛盾"},
	"visits":                  {"diary entries", "民情日记（条）"},
	"household_visit_entries": {"household visits", "入户走访（条）"},
	"village_meetings":        {"village meetings", "村居座谈会（次）"},
	"opinions_collected":      {"problems collected", "收集问题数"}, "problems_resolved": {"problems resolved", "解决问题数"},
	"petition_cases_resolved": {"petition cases resolved", "化解信访积案数"},
	"disputes_resolved":       {"dispute risks removed", "排除矛盾隐患数"},
	"publicity":               {"publicity", "宣传活动"},
	"publicity_events":        {"publicity events", "宣传活动（次）"}, "publicity_participants": {"publicity participants", "宣传活动参与人次"},
	"livelihoods":     {"livelihoods", "民生实事"},
	"roads_completed": {"roads built", "建成道路（条）"}, "roads_km": {"roads built (km)", "建成道路里程（公里）"},
	"roads_window":     {"roads finished in the window", "其中本期建成道路（条）"},
	"roads_window_km":  {"roads finished in the window (km)", "其中本期建成道路里程（公里）"},
	"roads_under_way":  {"roads under way", "在建道路（条）"},
	"rivers_completed": {"rivers dredged", "疏浚河道（条）"}, "rivers_km": {"rivers dredged (km)", "疏浚河道长度（公里）"},
	"rivers_window":    {"rivers dredged in the window", "其中本期疏浚河道（条）"},
	"rivers_under_way": {"river dredging under way", "在疏浚河道（条）"},
	"bridges":          {"bridges built", "建成桥梁（座）"}, "refuse_stations": {"refuse stations built", "建成垃圾中转站（座）"},
	"assistance_deliveries": {"assistance deliveries", "帮扶送达（次）"}, "households_assisted": {"households assisted", "帮扶困难户数"},
	"works_towns": {"works counted in the towns", "民生实事统计的乡镇"},
	"projects":    {"projects by kind", "项目（按类型）"},
	"completed":   {"completed", "已完工"}, "under_way": {"under way", "在建"}, "planned": {"planned", "计划"},
	"suspended": {"suspended", "暂停"}, "investment_yuan": {"investment (yuan)", "投资（元）"},
	"bridge": {"bridges", "桥梁"}, "refuse_station": {"refuse stations", "垃圾中转站"},
	"key_enterprise": {"key enterprises", "重点企业"}, "investment_project": {"investment projects", "招商项目"},
	"key_works": {"key works", "重点工程"}, "other": {"other projects", "其他项目"},
	"five":                            {"five full coverages", "五个全覆盖"},
	"towns_without_activity":          {"towns without a diary entry", "无走访的乡镇"},
	"projects_without_visit":          {"key enterprises and projects not visited", "未走访的重点企业、项目"},
	"villages_without_visit":          {"villages and communities not visited", "未走访的村居"},
	"petition_villages_without_visit": {"petition villages not visited", "未走访的信访村居"},
	"petition_households_unvisited":   {"petition households not visited", "未走访的信访户"},
	"special_waiting_households":      {"special-group households not visited (each once)", "待走访特殊群体户（每户计一次）"},
	"special_waiting_sum":             {"special-group households not visited (sum over groups, a household in two groups counts twice)", "待走访特殊群体（各类户数之和，一户可计多次）"},
	"members_below_target":            {"members with fewer than 10 households", "联系不足10户的队员"},
	"members_without_contact_point":   {"members without a contact point", "未设联系点的队员"},
	"judged_towns":                    {"projects and members judged in the towns", "重点企业、项目和队员判定的乡镇"},
	"list":                            {"list", "名单"},
	"not_judged":                      {"not judged", "未判定"},
	"poor":                            {"poor households", "贫困户"}, "seriously_ill": {"seriously ill", "大病"}, "disabled": {"disabled", "残疾"},
	"empty_nest": {"empty-nest elderly", "空巢老人"}, "left_behind_children": {"left-behind children", "留守儿童"},
	"community_correction": {"community correction", "社区矫正"},
}

// word is key's words in the language asked (the key itself if none).
func word(key string, zh bool) string {
	w, ok := summaryWords[key]
	if !ok {
		return key
	}
	if zh {
		return w[1]
	}
	return w[0]
}

// SummaryCSV writes the summary report as its CSV (UTF-8 with a BOM, CRLF):
// in Chinese with zh, codes as ="…" for Excel with excel. `lianxin report
// summary --format csv` writes it through this, so the command line's file
// and the API's format=csv are the same bytes.
func SummaryCSV(s coverage.SummaryReport, zh, excel bool) ([]byte, error) {
	var out bytes.Buffer
	out.WriteString(utf8BOM)
	w := csv.NewWriter(&out)
	w.UseCRLF = true
	if err := w.Write([]string{word("header.section", zh), word("header.item", zh), word("header.value", zh), word("header.code", zh)}); err != nil {
		return nil, err
	}
	for _, l := range summaryLines(s, zh) {
		item := l.label
		if item == "" {
			item = word(l.item, zh)
		}
		code := l.code
		if excel && excelNumber.MatchString(code) {
			code = `="` + code + `"`
		}
		if err := w.Write([]string{word(l.section, zh), item, l.value, code}); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return out.Bytes(), w.Error()
}

func summaryLines(s coverage.SummaryReport, zh bool) []summaryLine {
	var ls []summaryLine
	n := func(section, item string, v int64) {
		ls = append(ls, summaryLine{section: section, item: item, value: strconv.FormatInt(v, 10)})
	}
	count := func(section, item string, c privacy.Count) {
		v := c.String()
		if c.Hidden && zh {
			v = strings.Replace(v, privacy.HiddenLabel, "已隐藏", 1)
		}
		ls = append(ls, summaryLine{section: section, item: item, value: v})
	}
	km := func(section, item string, metres int64) {
		ls = append(ls, summaryLine{section: section, item: item, value: strconv.FormatFloat(coverage.Km(metres), 'f', 1, 64)})
	}
	text := func(section, item, v string) { ls = append(ls, summaryLine{section: section, item: item, value: v}) }
	area := word("county", zh)
	if s.Town != "" {
		area = cmp.Or(s.TownName, s.Town)
	}
	text("report", "area", area)
	ls[len(ls)-1].code = s.Town
	text("report", "from", s.From)
	text("report", "to", s.To)

	n("coverage", "villages", s.Villages)
	n("coverage", "villages_visited", s.VillagesVisited)
	n("coverage", "villages_reached", s.VillagesReached)
	n("coverage", "rural_villages", s.RuralVillages)
	n("coverage", "rural_villages_reached", s.RuralVillagesReached)
	n("coverage", "resident_population", s.ResidentPopulation)
	n("coverage", "visited_residents", s.VisitedResidents)
	n("coverage", "rural_resident_population", s.RuralResidentPopulation)
	n("coverage", "rural_visited_residents", s.RuralVisitedResidents)
	n("coverage", "households_visited", s.HouseholdsVisited)
	n("coverage", "villages_suppressed", s.VillagesSuppressed)

	n("development", "enterprise_visits", s.EnterpriseVisits)
	n("development", "enterprises_visited", s.EnterprisesVisited)
	n("development", "project_site_visits", s.ProjectSiteVisits)
	if s.Works != nil {
		n("development", "projects_landed", s.Works.ProjectsLanded)
		n("development", "investment_yuan_landed", s.Works.InvestmentYuanLanded)
	} else {
		text("development", "projects_landed", word("not_judged", zh))
		text("development", "investment_yuan_landed", word("not_judged", zh))
	}

	n("disputes", "visits", s.Visits)
	n("disputes", "household_visit_entries", s.HouseholdVisitEntries)
	n("disputes", "village_meetings", s.VillageMeetings)
	n("disputes", "opinions_collected", s.OpinionsCollected)
	n("disputes", "problems_resolved", s.ProblemsResolved)
	n("disputes", "petition_cases_resolved", s.PetitionCasesResolved)
	n("disputes", "disputes_resolved", s.DisputesResolved)

	n("publicity", "publicity_events", s.PublicityEvents)
	n("publicity", "publicity_participants", s.PublicityParticipants)

	if wk := s.Works; wk != nil {
		n("livelihoods", "roads_completed", wk.Roads.Completed)
		km("livelihoods", "roads_km", wk.Roads.CompletedMetres)
		n("livelihoods", "roads_window", wk.Roads.CompletedInWindow)
		km("livelihoods", "roads_window_km", wk.Roads.CompletedInWindowMetres)
		n("livelihoods", "roads_under_way", wk.Roads.UnderWay)
		n("livelihoods", "rivers_completed", wk.RiversDredged.Completed)
		km("livelihoods", "rivers_km", wk.RiversDredged.CompletedMetres)
		n("livelihoods", "rivers_window", wk.RiversDredged.CompletedInWindow)
		n("livelihoods", "rivers_under_way", wk.RiversDredged.UnderWay)
		n("livelihoods", "bridges", wk.Project(coverage.ProjectBridge).Completed)
		n("livelihoods", "refuse_stations", wk.Project(coverage.ProjectRefuseStation).Completed)
	} else {
		for _, k := range []string{"roads_completed", "roads_km", "rivers_completed", "rivers_km", "bridges", "refuse_stations"} {
			text("livelihoods", k, word("not_judged", zh))
		}
	}
	n("livelihoods", "assistance_deliveries", s.AssistanceDeliveries)
	n("livelihoods", "households_assisted", s.HouseholdsAssisted)
	if s.Works != nil && s.Works.Towns != nil {
		text("livelihoods", "works_towns", strings.Join(s.Works.Towns, ";"))
	}

	if wk := s.Works; wk != nil {
		for _, p := range wk.Projects {
			kind := word(p.Kind, zh)
			for _, f := range []struct {
				key string
				v   int64
			}{{"completed", p.Completed}, {"under_way", p.UnderWay}, {"planned", p.Planned}, {"suspended", p.Suspended}, {"investment_yuan", p.InvestmentYuan}} {
				sep := " · "
				if zh {
					sep = "·"
				}
				ls = append(ls, summaryLine{section: "projects", label: kind + sep + word(f.key, zh), value: strconv.FormatInt(f.v, 10)})
			}
		}
	}

	c := s.Checks
	list := func(key string, l []string) {
		if l == nil {
			text("five", key, word("not_judged", zh))
			return
		}
		n("five", key, int64(len(l)))
	}
	list("towns_without_activity", c.TownsWithoutActivity)
	list("projects_without_visit", c.ProjectsWithoutVisit)
	list("villages_without_visit", c.VillagesWithoutVisit)
	list("petition_villages_without_visit", c.PetitionVillagesWithoutVisit)
	if c.PetitionHouseholdsUnvisited != nil {
		count("five", "petition_households_unvisited", *c.PetitionHouseholdsUnvisited)
	} else {
		text("five", "petition_households_unvisited", word("not_judged", zh))
	}
	count("five", "special_waiting_households", s.SpecialWaitingHouseholds)
	var sum, shownSum int64
	anyHidden := false
	for _, g := range coverage.Groups {
		p := c.SpecialUnvisited.Published(g)
		if p.Hidden {
			anyHidden = true
			shownSum += p.Bound()
		} else {
			sum += p.N
		}
	}
	if anyHidden {
		// A sum with a hidden part says what is known: at least the shown.
		text("five", "special_waiting_sum", "≥"+strconv.FormatInt(sum+shownSum, 10))
	} else {
		n("five", "special_waiting_sum", sum)
	}
	for _, g := range coverage.Groups {
		count("five", string(g), c.SpecialUnvisited.Published(g))
	}
	list("members_below_target", c.MembersBelowTarget)
	list("members_without_contact_point", c.MembersWithoutContactPoint)
	if c.Towns != nil {
		text("five", "judged_towns", strings.Join(c.Towns, ";"))
	}

	// The lists, one line per thing named.
	named := func(key string, codes []string, name func(string) (string, string)) {
		for _, code := range codes {
			nm, in := name(code)
			label := nm
			if in != "" {
				if zh {
					label = nm + "（" + in + "）"
				} else {
					label = nm + " (" + in + ")"
				}
			}
			if label == "" {
				label = code
			}
			ls = append(ls, summaryLine{section: key, label: label, code: code})
		}
	}
	nm := s.Names
	village := func(code string) (string, string) { v := nm.Villages[code]; return v.Name, v.In }
	named("towns_without_activity", c.TownsWithoutActivity, func(code string) (string, string) { return nm.Towns[code], "" })
	named("projects_without_visit", c.ProjectsWithoutVisit, func(code string) (string, string) { p := nm.Projects[code]; return p.Name, p.In })
	named("villages_without_visit", c.VillagesWithoutVisit, village)
	named("petition_villages_without_visit", c.PetitionVillagesWithoutVisit, village)
	member := func(code string) (string, string) { m := nm.Members[code]; return m.Name, m.In }
	named("members_below_target", c.MembersBelowTarget, member)
	named("members_without_contact_point", c.MembersWithoutContactPoint, member)
	return ls
}
