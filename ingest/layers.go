package ingest

import (
	"fmt"
	"slices"
	"strings"
)

// Type is how a field's text is read.
type Type int

const (
	Text Type = iota
	Int
	Bool
	Date      // 2026-03-01, 2026/3/1, 20260301
	Timestamp // 2026-03-01 09:30, RFC 3339; without a zone it is China time (UTC+8)
)

func (t Type) String() string {
	return [...]string{"text", "integer", "yes/no", "date", "date and time"}[t]
}

// GeomKind is the geometry a layer stores.
type GeomKind int

const (
	NoGeom      GeomKind = iota
	PointGeom            // lon/lat columns or a WKT POINT
	PolygonGeom          // stored as MultiPolygon
	LineGeom             // stored as MultiLineString
	AnyGeom              // point, line or polygon (projects)
)

// Field is one column of a layer's file. Name is the canonical header and the
// staging column name the store uses; Aliases are other headers people use
// (Chinese ones included). Values maps words accepted for an enum, such as
// 社区 for community, to the stored value.
type Field struct {
	Name     string
	Aliases  []string
	Type     Type
	Required bool
	Enum     []string
	Values   map[string]string
	Min      int64 // for Int: smallest allowed value
	Doc      string
	Example  string
	// Personal marks a household's personal fields, which the store writes to
	// household_personal and never to households.
	Personal bool
}

// Layer is one importable table: its fields, key and geometry.
type Layer struct {
	Name   string
	Title  string // what the layer holds, for templates and errors
	Key    string // the field that identifies a row across imports
	Fields []Field
	Geom   GeomKind
	// GeomRequired is false for visits, whose location is optional.
	GeomRequired bool
	// GeomKeptOnUpdate lets a file leave the geometry columns out: a row
	// updating a stored one keeps its stored geometry (and H3 cell), as any
	// other column left out keeps its value, and a new row is refused
	// (geometry_missing) by the store. Households: a one-field correction of
	// the register (家庭人口, 贫困户) needs no copy of the point.
	GeomKeptOnUpdate bool
	// GeomExample is the geometry of the template's example row, as WKT when
	// the layer is not a point layer.
	GeomExample string
}

// Field returns the field named name.
func (l *Layer) Field(name string) (*Field, bool) {
	for i := range l.Fields {
		if l.Fields[i].Name == name {
			return &l.Fields[i], true
		}
	}
	return nil, false
}

var (
	statusVals = map[string]string{"计划": "planned", "规划": "planned", "在建": "under_way", "推进中": "under_way",
		"已完成": "completed", "完成": "completed", "竣工": "completed", "暂停": "suspended", "停工": "suspended"}
	statusEnum = []string{"planned", "under_way", "completed", "suspended"}
)

// code is a layer's code field: its own aliases first (the first is the
// Chinese header the template writes), then the generic 代码 (a column
// named "code"). The generic 编号 and 编码 are not a code: they head the
// row numbers (1, 2, 3 …) of many a clerk's sheet, or last year's
// numbering, and read as codes they renamed existing members or moved them
// between teams. A sheet's code column names what it numbers (成员编号,
// 工号, 行政区划代码 …); a generic one beside it is ignored, and alone it
// is refused with a hint naming the layer's own header.
func code(aliases ...string) Field {
	return Field{Name: "code", Aliases: append(aliases, "代码"), Type: Text, Required: true}
}

// name is a layer's name field: its own aliases first, then 名称.
func name(aliases ...string) Field {
	return Field{Name: "name", Aliases: append(aliases, "名称"), Type: Text, Required: true}
}

func ref(fieldName, doc, example string, required bool, aliases ...string) Field {
	return Field{Name: fieldName, Aliases: aliases, Type: Text, Required: required, Doc: doc, Example: example}
}

func flag(fieldName, doc string, aliases ...string) Field {
	return Field{Name: fieldName, Aliases: aliases, Type: Bool, Doc: doc, Example: "否"}
}

// layers lists every importable layer, in the order they depend on each
// other (towns before villages before households ...).
var layers = []Layer{
	{
		Name: "towns", Title: "towns, subdistricts and parks (乡镇/街道/园区)", Key: "code", Geom: PolygonGeom, GeomRequired: true,
		GeomExample: "MULTIPOLYGON(((120.00 32.10,120.10 32.10,120.10 32.20,120.00 32.20,120.00 32.10)))",
		Fields: []Field{
			withDoc(code("乡镇代码", "乡镇编码", "镇街代码", "镇代码", "街道代码", "行政区划代码", "区划代码", "统计用区划代码", "乡镇区划代码"),
				"town code, unique (e.g. the statistical code)", "321299101"),
			withDoc(name("乡镇名称", "乡镇", "镇街名称", "镇名", "街道名称"), "town name", "东岳镇"),
			{Name: "kind", Aliases: []string{"类型", "乡镇类型", "镇街类型"}, Type: Text, Enum: []string{"town", "subdistrict", "park"},
				Values: map[string]string{"镇": "town", "乡": "town", "乡镇": "town", "街道": "subdistrict", "园区": "park"},
				Doc:    "town, subdistrict or park (镇/街道/园区); default town", Example: "镇"},
		},
	},
	{
		Name: "villages", Title: "villages and communities (村/社区)", Key: "code", Geom: PolygonGeom, GeomRequired: true,
		GeomExample: "MULTIPOLYGON(((120.04 32.16,120.06 32.16,120.06 32.18,120.04 32.18,120.04 32.16)))",
		Fields: []Field{
			withDoc(code("村居代码", "村代码", "村居编码", "村编码", "村居编号", "村编号", "社区代码", "行政区划代码", "区划代码", "统计用区划代码", "村级区划代码"),
				"village code, unique (e.g. the statistical code)", "321299101201"),
			withDoc(name("村居名称", "村名", "村名称", "社区名称", "村居"), "village or community name", "双港社区"),
			ref("town_code", "code of the village's town (must exist)", "321299101", true, "乡镇代码", "所属乡镇代码", "乡镇编码", "镇街代码", "镇代码"),
			{Name: "kind", Aliases: []string{"类型", "村居类型"}, Type: Text, Required: true, Enum: []string{"village", "community"},
				Values: map[string]string{"村": "village", "行政村": "village", "社区": "community", "居委会": "community"},
				Doc:    "village or community (村/社区)", Example: "社区"},
			{Name: "resident_population", Aliases: []string{"常住人口", "人口"}, Type: Int, Required: true,
				Doc: "resident population (常住人口), whole number ≥ 0", Example: "2350"},
			{Name: "registered_households", Aliases: []string{"户籍户数", "户数"}, Type: Int, Required: true,
				Doc: "registered households (户籍户数), whole number ≥ 0", Example: "812"},
			{Name: "rural", Aliases: []string{"农村", "是否农村"}, Type: Bool, Doc: "rural (农村): yes/no, default yes", Example: "是"},
			flag("petition_case", "a standing petition case (信访) in the village: yes/no, default no", "信访案件", "信访", "有信访案件"),
		},
	},
	{
		Name: "teams", Title: "work teams (工作队), one per town", Key: "code", Geom: PointGeom, GeomRequired: true,
		Fields: []Field{
			withDoc(code("工作队代码", "队代码", "工作队编号", "队编号"), "team code, unique", "D01"),
			withDoc(name("工作队名称", "队名", "工作队"), "team name", "东岳镇工作队"),
			ref("town_code", "code of the town the team is stationed in (must exist; one team per town)", "321299101", true, "乡镇代码", "所属乡镇代码", "乡镇编码", "镇街代码", "镇代码"),
		},
	},
	{
		Name: "members", Title: "corps members (队员)", Key: "code", Geom: NoGeom,
		Fields: []Field{
			withDoc(code("队员代码", "队员编号", "成员代码", "成员编号", "成员编码", "工号", "人员编号"), "member code, unique", "M0001"),
			withDoc(name("姓名", "队员姓名", "成员姓名"), "member's name", "贺志凤"),
			ref("team_code", "code of the member's team (must exist)", "D01", true, "工作队代码", "队代码", "工作队编号", "队编号", "所属工作队代码"),
			{Name: "role", Aliases: []string{"角色", "身份", "队内角色"}, Type: Text, Required: true,
				Enum: []string{"leader", "senior_adviser", "cadre", "village_official"},
				Values: map[string]string{"队长": "leader", "老同志": "senior_adviser", "机关后备干部": "cadre", "机关干部": "cadre",
					"干部": "cadre", "大学生村官": "village_official", "村官": "village_official"},
				Doc: "leader, senior_adviser, cadre or village_official (队长/老同志/机关后备干部/大学生村官)", Example: "队长"},
			{Name: "left_on", Aliases: []string{"离队日期", "离队时间", "离开日期", "调离日期"}, Type: Date,
				Doc: "last day in the corps (离队日期: transferred, ill); empty while serving. Diary entries after it are refused; " +
					"reports ending after it do not judge the member. Leaving the column out keeps the stored date", Example: ""},
		},
	},
	{
		Name: "households", Title: "households (农户), with location and special-group flags", Key: "external_id", Geom: PointGeom, GeomRequired: true,
		GeomKeptOnUpdate: true,
		Fields: []Field{
			{Name: "external_id", Aliases: []string{"户编号", "农户编号", "户号", "户代码"}, Type: Text, Required: true,
				Doc: "household number, unique; the key that makes re-imports update instead of duplicate", Example: "3212991012010001"},
			ref("village_code", "code of the household's village (must exist)", "321299101201", true, "村居代码", "村代码", "村居编码", "村编码", "村居编号", "村编号", "社区代码"),
			{Name: "residents", Aliases: []string{"家庭人口", "人口", "常住人口", "人数", "家庭人数"}, Type: Int, Required: true, Min: 1,
				Doc: "people living in the household, ≥ 1", Example: "3"},
			flag("poor", "in poverty (贫困户): yes/no", "贫困户", "贫困", "是否贫困户"),
			flag("seriously_ill", "a seriously ill member (大病): yes/no", "大病", "重病", "大病户"),
			flag("disabled", "a disabled member (残疾): yes/no", "残疾", "残疾人", "残疾户"),
			flag("empty_nest", "empty-nest elderly (空巢老人): yes/no", "空巢老人", "空巢"),
			flag("left_behind_children", "left-behind children (留守儿童): yes/no", "留守儿童", "留守"),
			flag("community_correction", "someone under community correction (社区矫正): yes/no", "社区矫正"),
			flag("petition_case", "a standing petition case (信访): yes/no", "信访案件", "信访", "信访户"),
			{Name: "head_name", Aliases: []string{"户主姓名", "户主"}, Type: Text, Personal: true,
				Doc: "head of household (户主); personal, stored apart", Example: "张建国"},
			{Name: "phone", Aliases: []string{"联系电话", "电话", "手机", "电话号码", "手机号", "手机号码"}, Type: Text, Personal: true,
				Doc: "phone (电话); personal, stored apart", Example: "13800000000"},
			{Name: "id_number", Aliases: []string{"身份证号", "身份证", "身份证号码", "户主身份证号"}, Type: Text, Personal: true,
				Doc: "ID card number (身份证号); personal, stored apart", Example: ""},
		},
	},
	{
		Name: "contact_points", Title: "members' contact points (联系点)", Key: "code", Geom: PointGeom, GeomRequired: true,
		Fields: []Field{
			withDoc(code("联系点代码", "联系点编号", "联系点编码"), "contact point code, unique", "CP0001"),
			ref("member_code", "code of the member who set it up (must exist; one per member)", "M0001", true, "队员代码", "队员编号", "成员代码", "成员编号", "成员编码"),
			ref("village_code", "code of its village (must exist)", "321299101201", true, "村居代码", "村代码", "村居编码", "村编码", "村居编号", "村编号", "社区代码"),
			{Name: "established_on", Aliases: []string{"建立日期", "设立日期", "建点日期", "日期"}, Type: Date, Required: true,
				Doc: "date set up, e.g. 2026-03-05", Example: "2026-03-05"},
			{Name: "cards_issued", Aliases: []string{"联系卡数", "发卡数", "发放联系卡数"}, Type: Int,
				Doc: "contact cards handed out, ≥ 0", Example: "25"},
		},
	},
	{
		Name: "visits", Title: "the people's diary (民情日记): one row per visit", Key: "external_id", Geom: PointGeom,
		Fields: []Field{
			{Name: "external_id", Aliases: []string{"日记编号", "走访编号", "记录编号", "走访记录编号", "日记号"}, Type: Text, Required: true,
				Doc: "diary entry number, unique", Example: "V00000001"},
			ref("member_code", "code of the visiting member (must exist)", "M0001", true, "队员代码", "队员编号", "走访队员编号", "走访队员代码", "走访队员", "成员代码", "成员编号", "成员编码"),
			ref("household_id", "household number visited (optional; must exist)", "3212991012010001", false, "户编号", "农户编号", "户号", "户代码"),
			ref("village_code", "village visited (optional; must exist; taken from the household when empty)", "321299101201", false, "村居代码", "村代码", "村居编码", "村编码", "村居编号", "村编号", "社区代码"),
			ref("project_code", "project visited (optional; must exist)", "", false, "项目代码", "项目编号", "项目编码"),
			{Name: "occurred_at", Aliases: []string{"走访时间", "时间", "日期", "走访日期", "日记时间"}, Type: Timestamp, Required: true,
				Doc: "when, e.g. 2026-03-05 14:30 (China time unless a zone is given)", Example: "2026-03-05 14:30"},
			{Name: "kind", Aliases: []string{"走访类型", "类型", "走访方式", "日记类型"}, Type: Text, Required: true,
				Enum: []string{"household_visit", "enterprise_visit", "project_site_visit", "village_meeting", "publicity_event", "assistance_delivery"},
				// The product's one name of each kind first (the diary form,
				// summary cards, zh CSV: 入户走访, 企业走访, 项目现场走访,
				// 村居座谈会, 宣传活动, 帮扶送达), then every other word the
				// web map has used or a clerk types.
				Values: map[string]string{"入户走访": "household_visit", "走访农户": "household_visit",
					"企业走访": "enterprise_visit", "走访企业": "enterprise_visit",
					"项目现场走访": "project_site_visit", "项目现场": "project_site_visit",
					"村居座谈会": "village_meeting", "座谈会": "village_meeting", "村民会议": "village_meeting", "会议": "village_meeting",
					"宣传活动": "publicity_event", "宣传": "publicity_event",
					"帮扶送达": "assistance_delivery", "帮扶": "assistance_delivery", "送帮扶": "assistance_delivery"},
				Doc:     "household_visit, enterprise_visit, project_site_visit, village_meeting, publicity_event or assistance_delivery (入户走访/企业走访/项目现场走访/村居座谈会/宣传活动/帮扶送达)",
				Example: "入户走访"},
			{Name: "participants", Aliases: []string{"参与人数", "人数", "参加人数"}, Type: Int, Doc: "people taking part, ≥ 0", Example: "2"},
			{Name: "notes", Aliases: []string{"情况记录", "记录", "内容", "备注", "情况", "走访记录", "走访情况", "走访内容", "了解的情况", "民情记录", "群众诉求"}, Type: Text, Doc: "what was heard and done", Example: "了解生产生活情况"},
			{Name: "problems_collected", Aliases: []string{"收集问题数", "问题数", "收集问题", "收集的问题数"}, Type: Int, Doc: "problems collected, ≥ 0", Example: "1"},
			{Name: "problems_resolved", Aliases: []string{"解决问题数", "解决问题", "解决的问题数"}, Type: Int, Doc: "problems resolved, ≥ 0", Example: "0"},
			flag("petition_resolved", "a petition backlog resolved (化解信访): yes/no", "化解信访"),
			flag("dispute_resolved", "a dispute resolved (化解纠纷): yes/no", "化解纠纷"),
		},
	},
	{
		Name: "projects", Title: "key enterprises, projects and works sites (重点企业/项目/工程)", Key: "code", Geom: AnyGeom, GeomRequired: true,
		GeomExample: "POINT(120.05 32.17)",
		Fields: []Field{
			withDoc(code("项目代码", "项目编号", "项目编码"), "project code, unique", "P0001"),
			withDoc(name("项目名称", "企业名称"), "project name", "东岳镇某科技公司"),
			{Name: "kind", Aliases: []string{"项目类型", "类型"}, Type: Text, Required: true,
				Enum: []string{"key_enterprise", "investment_project", "key_works", "bridge", "refuse_station", "other"},
				Values: map[string]string{"重点企业": "key_enterprise", "招商项目": "investment_project", "投资项目": "investment_project",
					"重点工程": "key_works", "桥梁": "bridge", "垃圾中转站": "refuse_station", "其他": "other"},
				Doc: "key_enterprise, investment_project, key_works, bridge, refuse_station or other", Example: "重点企业"},
			{Name: "status", Aliases: []string{"项目状态", "状态"}, Type: Text, Enum: statusEnum, Values: statusVals,
				Doc: "planned, under_way, completed or suspended; default planned", Example: "在建"},
			ref("town_code", "town code (optional: found from the geometry when empty)", "", false, "乡镇代码", "所属乡镇代码", "乡镇编码", "镇街代码", "镇代码"),
			ref("village_code", "village code (optional; must exist)", "", false, "村居代码", "村代码", "村居编码", "村编码", "村居编号", "村编号", "社区代码"),
			{Name: "investment_yuan", Aliases: []string{"投资额", "投资额元", "投资", "投资金额", "总投资"}, Type: Int, Doc: "investment in yuan, ≥ 0", Example: "5000000"},
			flag("dispute", "a dispute at the site (纠纷): yes/no", "纠纷", "矛盾纠纷", "有无纠纷"),
		},
	},
	{
		Name: "river_works", Title: "dredged rivers and built roads (河道疏浚/道路)", Key: "code", Geom: LineGeom, GeomRequired: true,
		GeomExample: "MULTILINESTRING((120.00 32.10,120.01 32.11,120.02 32.11))",
		Fields: []Field{
			withDoc(code("工程代码", "工程编号", "工程编码"), "works code, unique", "W0001"),
			withDoc(name("工程名称", "河道名称", "道路名称"), "river or road name", "东岳河"),
			{Name: "kind", Aliases: []string{"工程类型", "类型"}, Type: Text, Required: true, Enum: []string{"river_dredging", "road"},
				Values: map[string]string{"河道疏浚": "river_dredging", "疏浚": "river_dredging", "河道": "river_dredging", "道路": "road", "修路": "road"},
				Doc:    "river_dredging or road (河道疏浚/道路)", Example: "河道疏浚"},
			{Name: "status", Aliases: []string{"工程状态", "状态"}, Type: Text, Enum: statusEnum, Values: statusVals,
				Doc: "planned, under_way, completed or suspended; default completed", Example: "已完成"},
			ref("town_code", "town code (optional: found from the geometry when empty)", "", false, "乡镇代码", "所属乡镇代码", "乡镇编码", "镇街代码", "镇代码"),
			{Name: "completed_on", Aliases: []string{"完成日期", "竣工日期", "完工日期"}, Type: Date, Doc: "date completed", Example: "2026-06-30"},
		},
	},
}

func withDoc(f Field, doc, example string) Field {
	f.Doc, f.Example = doc, example
	return f
}

// Layers returns every importable layer in dependency order.
func Layers() []Layer { return slices.Clone(layers) }

// LayerNames lists the layer names in dependency order.
func LayerNames() []string {
	names := make([]string, len(layers))
	for i, l := range layers {
		names[i] = l.Name
	}
	return names
}

// LookupLayer returns the layer called name, or an invalid-input error
// listing the layers there are.
func LookupLayer(name string) (*Layer, error) {
	for i := range layers {
		if layers[i].Name == name {
			return &layers[i], nil
		}
	}
	return nil, OptionError("layer", OptUnknownLayer, map[string]any{"value": name, "layers": LayerNames()})
}

// lonAliases and latAliases are the headers of point coordinates; wktAliases
// of a WKT geometry column.
var (
	lonAliases = []string{"lon", "lng", "longitude", "x", "经度", "东经"}
	latAliases = []string{"lat", "latitude", "y", "纬度", "北纬"}
	wktAliases = []string{"wkt", "geometry", "geom", "the_geom", "几何", "空间信息", "边界"}
	// ignoredHeaders are columns a rejects file adds (原行号 and 拒绝原因
	// are the line and reason columns of a Chinese one), so that it can be
	// fixed and imported again as it is.
	ignoredHeaders = []string{"reject_line", "reject_field", "reject_reason", "reject_code", "reject_params", "原行号", "拒绝原因"}
	// rowNumberHeaders are the row-number columns Excel sheets open with
	// (序号 1, 2, 3 …): ignored, never read as a key. A generic 编号 or id
	// is no layer's key either (their aliases name what they number): a
	// clerk's row numbers 1, 2 … under a key would make the next week's
	// file overwrite this week's rows, or a member sheet rename members.
	rowNumberHeaders = []string{"序号", "行号", "序列号", "顺序号"}
	// genericIDHeaders are headers that number rows of any table: beside
	// the layer's own key column they are row numbers, ignored; alone they
	// are refused, the hint naming the key's own header.
	genericIDHeaders = []string{"编号", "id", "号码", "编码"}
)

// normHeader folds a header for matching: trimmed, lower case, without the
// BOM, spaces, underscores, hyphens and full-width brackets' contents such as
// units ("人口（人）" matches 人口).
func normHeader(h string) string {
	h = strings.TrimPrefix(h, "\ufeff")
	if i := strings.IndexAny(h, "(（"); i > 0 {
		h = h[:i]
	}
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		switch r {
		case ' ', '_', '-', '\t', '\u3000':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// matchField finds the layer field a header names, by canonical name, alias,
// or a shapefile's 10-character truncation of the canonical name.
func (l *Layer) matchField(header string) (int, bool) {
	n := normHeader(header)
	if n == "" {
		return -1, false
	}
	for i, f := range l.Fields {
		if normHeader(f.Name) == n {
			return i, true
		}
	}
	for i, f := range l.Fields {
		for _, a := range f.Aliases {
			if normHeader(a) == n {
				return i, true
			}
		}
	}
	lower := strings.ToLower(strings.TrimSpace(header))
	if len(lower) == 10 {
		for i, f := range l.Fields {
			if strings.HasPrefix(f.Name, lower) {
				return i, true
			}
		}
	}
	return -1, false
}

func matchAny(header string, aliases []string) bool {
	n := normHeader(header)
	for _, a := range aliases {
		if normHeader(a) == n {
			return true
		}
	}
	return false
}

// allHeaders lists every header a layer accepts, for "did you mean".
func (l *Layer) allHeaders() []string {
	var hs []string
	for _, f := range l.Fields {
		hs = append(hs, f.Name)
		hs = append(hs, f.Aliases...)
	}
	switch l.Geom {
	case PointGeom:
		hs = append(hs, lonAliases...)
		hs = append(hs, latAliases...)
		hs = append(hs, wktAliases...)
	case NoGeom:
	default:
		hs = append(hs, wktAliases...)
	}
	return hs
}

// closest returns the accepted header nearest to h by edit distance, if it
// is near enough to be a misspelling.
func (l *Layer) closest(h string) (string, bool) {
	if matchAny(h, genericIDHeaders) {
		// A generic 编号 is the layer's key only by its own name (户编号,
		// 日记编号): the nearest header by spelling (户号, a diary's
		// household) would be the wrong column.
		if k, ok := l.Field(l.Key); ok && len(k.Aliases) > 0 {
			return k.Aliases[0], true
		}
	}
	n := []rune(normHeader(h))
	best, bestD := "", 1<<30
	for _, c := range l.allHeaders() {
		d := editDistance(n, []rune(normHeader(c)))
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(1, len(n)/3)
	return best, bestD <= limit
}

func editDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func (k GeomKind) String() string {
	return [...]string{"none", "point", "polygon", "line", "point, line or polygon"}[k]
}

func (l *Layer) describe() string { return fmt.Sprintf("%s (%s)", l.Name, l.Title) }
