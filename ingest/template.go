package ingest

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// WriteTemplate writes an example CSV of a layer in lang (LangZH, else
// English): a header with every column, one example row and what each
// column means, as comment lines starting with #, which the importer skips.
// The Chinese template heads its columns with the Chinese names the
// importer accepts (户编号, 经度, 几何) and explains them in Chinese; the
// English one uses the canonical names. The example row is a # note for
// every layer (template_example.go): a template uploaded unchanged holds
// no rows and changes nothing. It is UTF-8 with a BOM, so Excel shows the
// Chinese text.
func WriteTemplate(w io.Writer, layerName, lang string) error {
	l, err := LookupLayer(layerName)
	if err != nil {
		return err
	}
	header, example := templateRow(l, lang)
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := writeExample(w, cw, example, lang); err != nil { // template_example.go
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	doc := TemplateDoc(l)
	if lang == LangZH {
		doc = templateDocZH(l)
	}
	_, err = io.WriteString(w, doc)
	return err
}

// Chinese headers of the geometry columns: each is one of lonAliases,
// latAliases and wktAliases.
const (
	lonZH = "经度"
	latZH = "纬度"
	wktZH = "几何"
)

// templateHeader is the header a template gives field f in lang: the
// first Chinese alias in Chinese (layers list the common one first), the
// canonical name otherwise.
func templateHeader(f *Field, lang string) string {
	if lang == LangZH {
		zh, _ := zhName(f)
		return zh
	}
	return f.Name
}

func templateRow(l *Layer, lang string) (header, example []string) {
	for i := range l.Fields {
		header = append(header, templateHeader(&l.Fields[i], lang))
		example = append(example, l.Fields[i].Example)
	}
	lon, lat, wkt := "lon", "lat", "wkt"
	if lang == LangZH {
		lon, lat, wkt = lonZH, latZH, wktZH
	}
	switch l.Geom {
	case PointGeom:
		header = append(header, lon, lat)
		example = append(example, "120.05", "32.17")
	case NoGeom:
	default:
		header = append(header, wkt)
		example = append(example, l.GeomExample)
	}
	return header, example
}

// TemplateDoc explains every column of a layer, one "# name: …" line each.
func TemplateDoc(l *Layer) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: %s. Lines starting with # are ignored on import.\n", l.Name, l.Title)
	fmt.Fprintf(&b, "# Headers may also be given in Chinese; accepted names are listed in brackets. * = required.\n")
	fmt.Fprintf(&b, "# %s identifies a row: importing it again updates the row instead of adding one.\n", l.Key)
	for _, f := range l.Fields {
		req := ""
		if f.Required {
			req = "*"
		}
		fmt.Fprintf(&b, "# %s%s: %s [%s]\n", f.Name, req, f.Doc, strings.Join(f.Aliases, ", "))
	}
	switch l.Geom {
	case PointGeom:
		req := "*"
		if !l.GeomRequired {
			req = " (optional)"
		}
		fmt.Fprintf(&b, "# lon, lat%s: longitude and latitude in degrees, longitude first [%s / %s]; or one wkt column with POINT(lon lat)\n",
			req, strings.Join(lonAliases, ", "), strings.Join(latAliases, ", "))
		if l.GeomKeptOnUpdate {
			b.WriteString("# A file without lon and lat columns corrects stored households and keeps their points; a new household needs its point.\n")
		}
	case NoGeom:
	default:
		fmt.Fprintf(&b, "# wkt*: the %v as WKT, lon/lat degrees [%s]\n", l.Geom, strings.Join(wktAliases, ", "))
	}
	b.WriteString("# Coordinates: WGS84 or CGCS2000 as they are; from phone map apps (GCJ-02) import with --crs gcj02.\n")
	b.WriteString("# Yes/no columns take 是/否, 1/0 or true/false. Files may be UTF-8 or GBK.\n")
	return b.String()
}

// templateDocZH is TemplateDoc in Chinese: one "# 列名: …" line a column,
// led by the header the Chinese template writes, with the other names the
// importer accepts (the English one first) in brackets.
func templateDocZH(l *Layer) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s：%s。以 # 开头的行导入时忽略，可以保留。\n", tablesZH[l.Name], titlesZH[l.Name])
	b.WriteString("# 列名也可以用英文或方括号中的其他写法；带 * 的列必须填写。\n")
	key, _ := l.Field(l.Key)
	keyZH := templateHeader(key, LangZH)
	fmt.Fprintf(&b, "# %s 标识一行：再次导入相同的%s会更新这一行，不会重复添加。\n", keyZH, keyZH)
	for i := range l.Fields {
		f := &l.Fields[i]
		zh, others := zhName(f)
		req := ""
		if f.Required {
			req = "*"
		}
		fmt.Fprintf(&b, "# %s%s：%s [%s]\n", zh, req, docsZH[l.Name+"."+f.Name], strings.Join(others, "、"))
	}
	names := func(aliases []string, zh string) string {
		var rest []string
		for _, a := range aliases {
			if a != zh {
				rest = append(rest, a)
			}
		}
		return strings.Join(rest, "、")
	}
	switch l.Geom {
	case PointGeom:
		req := "*"
		if !l.GeomRequired {
			req = "（可不填）"
		}
		fmt.Fprintf(&b, "# %s、%s%s：经度和纬度（度），经度在前（约 120），纬度在后（约 32）[%s / %s]；也可以只用一列 %s，填 POINT(经度 纬度)\n",
			lonZH, latZH, req, names(lonAliases, lonZH), names(latAliases, latZH), wktZH)
		if l.GeomKeptOnUpdate {
			fmt.Fprintf(&b, "# 只更正已登记的农户（如家庭人口、贫困户）时可以不要%s、%s两列，位置保持不变；新增农户必须填写位置。\n", lonZH, latZH)
		}
	case NoGeom:
	default:
		kind := geometryZH(l.Geom.String())
		if l.Geom == AnyGeom {
			kind = geometryZH("geometry")
		}
		fmt.Fprintf(&b, "# %s*：%s的 WKT 文本，坐标为“经度 纬度”（度）[%s]\n", wktZH, kind, names(wktAliases, wktZH))
	}
	b.WriteString("# 坐标：WGS84（GPS）或 CGCS2000（国家 2000）坐标照原样填写；从高德、腾讯等手机地图取的坐标（GCJ-02）导入时请把坐标系选为 GCJ-02（命令行 --crs gcj02）。\n")
	b.WriteString("# 是/否列可填 是/否、1/0 或 true/false。文件可以是 UTF-8 或 GBK 编码（中文版 Excel 另存的 CSV 即可）。\n")
	return b.String()
}

// titlesZH says in Chinese what each layer holds (Layer.Title).
var titlesZH = map[string]string{
	"towns":          "乡镇、街道和园区",
	"villages":       "村和社区",
	"teams":          "工作队，每个乡镇一个",
	"members":        "队员",
	"households":     "农户，含位置和特殊群体标记",
	"contact_points": "队员的联系点",
	"visits":         "民情日记：每次走访一行",
	"projects":       "重点企业、项目和工程",
	"river_works":    "疏浚的河道和修建的道路",
}

// docsZH explains each field in Chinese (Field.Doc), keyed layer.field.
var docsZH = map[string]string{
	"towns.code": "乡镇代码，不能重复（如统计用区划代码）；已有的代码换了名称会被拒绝，确是改名时导入选“允许改名”",
	"towns.name": "乡镇名称",
	"towns.kind": "类型：镇、街道或园区；不填为镇",

	"villages.code":                  "村（社区）代码，不能重复（如统计用区划代码）；已有的代码换了名称会被拒绝",
	"villages.name":                  "村或社区的名称",
	"villages.town_code":             "所属乡镇的代码（须已导入）",
	"villages.kind":                  "村或社区",
	"villages.resident_population":   "常住人口，不小于 0 的整数",
	"villages.registered_households": "户籍户数，不小于 0 的整数",
	"villages.rural":                 "是否农村：是/否；不填为是",
	"villages.petition_case":         "村里有无未了结的信访案件：是/否；不填为否",

	"teams.code":      "工作队代码，不能重复",
	"teams.name":      "工作队名称",
	"teams.town_code": "工作队驻地乡镇的代码（须已导入；每个乡镇只设一个工作队）",

	"members.code":      "队员代码（成员编号、工号），不能重复；不要用序号。已有的代码换了姓名会被拒绝，确是改名时导入选“允许改名”",
	"members.name":      "队员姓名",
	"members.team_code": "所在工作队的代码（须已导入）",
	"members.role":      "队内角色：队长、老同志、机关后备干部或大学生村官",
	"members.left_on":   "离队日期（调离、病休等）：在队期间的最后一天，在队时留空，不能早于该队员最近一条日记的日期。晚于这一天的日记不予导入；此后的报表不再考核该队员。不带这一列导入时保留已存的日期",

	"households.external_id":          "户编号，不能重复；再次导入同一户编号会更新该户，不会重复添加",
	"households.village_code":         "所在村（社区）的代码（须已导入）",
	"households.residents":            "家庭常住人数，不小于 1",
	"households.poor":                 "是否贫困户：是/否",
	"households.seriously_ill":        "家中有无大病患者：是/否",
	"households.disabled":             "家中有无残疾人：是/否",
	"households.empty_nest":           "是否空巢老人户：是/否",
	"households.left_behind_children": "有无留守儿童：是/否",
	"households.community_correction": "有无社区矫正对象：是/否",
	"households.petition_case":        "有无未了结的信访案件：是/否",
	"households.head_name":            "户主姓名；属个人信息，单独存放",
	"households.phone":                "联系电话；属个人信息，单独存放",
	"households.id_number":            "身份证号；属个人信息，单独存放",

	"contact_points.code":           "联系点代码，不能重复",
	"contact_points.member_code":    "设立联系点的队员代码（须已导入；每名队员一个联系点）",
	"contact_points.village_code":   "联系点所在村（社区）的代码（须已导入）",
	"contact_points.established_on": "设立日期，如 2026-03-05",
	"contact_points.cards_issued":   "已发放的联系卡数，不小于 0",

	"visits.external_id":        "日记编号，不能重复",
	"visits.member_code":        "走访队员的代码（须已导入）",
	"visits.household_id":       "走访农户的户编号（可不填；填写的须已导入）",
	"visits.village_code":       "走访的村（社区）代码（可不填，不填时取农户所在的村；填写的须已导入）",
	"visits.project_code":       "走访的项目代码（可不填；填写的须已导入）",
	"visits.occurred_at":        "走访时间，如 2026-03-05 14:30（不写时区即为北京时间）",
	"visits.kind":               "走访类型：入户走访、企业走访、项目现场走访、村居座谈会、宣传活动或帮扶送达（地图上的写法；旧写法如走访农户、项目现场、村民会议、帮扶也认）",
	"visits.participants":       "参与人数，不小于 0",
	"visits.notes":              "了解的情况、群众诉求和所做的事",
	"visits.problems_collected": "收集问题数，不小于 0",
	"visits.problems_resolved":  "解决问题数，不小于 0，且不多于收集问题数",
	"visits.petition_resolved":  "是否化解了信访积案：是/否",
	"visits.dispute_resolved":   "是否化解了纠纷：是/否",

	"projects.code":            "项目代码，不能重复",
	"projects.name":            "企业或项目的名称",
	"projects.kind":            "类型：重点企业、招商项目、重点工程、桥梁、垃圾中转站或其他",
	"projects.status":          "状态：计划、在建、已完成或暂停；不填为计划",
	"projects.town_code":       "所在乡镇的代码（可不填，不填时按位置确定）",
	"projects.village_code":    "所在村（社区）的代码（可不填；填写的须已导入）",
	"projects.investment_yuan": "投资额（元），不小于 0 的整数",
	"projects.dispute":         "现场有无纠纷：是/否",

	"river_works.code":         "工程代码，不能重复",
	"river_works.name":         "河道或道路的名称",
	"river_works.kind":         "类型：河道疏浚或道路",
	"river_works.status":       "状态：计划、在建、已完成或暂停；不填为已完成",
	"river_works.town_code":    "所在乡镇的代码（可不填，不填时按位置确定）",
	"river_works.completed_on": "完成日期，如 2026-06-30",
}
