package ingest

import (
	"testing"
)

// TestHeadersPeopleType maps the Chinese headers clerks type — the web
// map's own words (i18n.js: 队员编号, 走访队员编号, 农户编号, 收集问题数)
// and the README's — to their fields, layer by layer.
func TestHeadersPeopleType(t *testing.T) {
	cases := []struct {
		layer, header, want string
	}{
		{"visits", "队员代码", "member_code"},
		{"visits", "队员编号", "member_code"},
		{"visits", "走访队员编号", "member_code"}, // the diary form's label
		{"visits", "走访队员", "member_code"},
		{"visits", "走访编号", "external_id"}, // the README's example
		{"visits", "日记编号", "external_id"},
		{"visits", "收集问题", "problems_collected"},
		{"visits", "收集问题数", "problems_collected"},
		{"visits", "解决问题", "problems_resolved"},
		{"visits", "农户编号", "household_id"}, // the diary form's label
		{"visits", "情况记录", "notes"},
		{"visits", "参加人数", "participants"},
		{"visits", "村居代码", "village_code"},
		{"members", "队员代码", "code"},
		{"members", "队员编号", "code"}, // the user admin's label
		{"members", "队员姓名", "name"},
		{"members", "工作队编号", "team_code"},
		{"contact_points", "队员代码", "member_code"},
		{"contact_points", "队员编号", "member_code"},
		{"contact_points", "村居代码", "village_code"},
		{"households", "农户编号", "external_id"},
		{"households", "村居代码", "village_code"},
		{"households", "家庭人口", "residents"},
		{"households", "手机号码", "phone"},
		{"villages", "村居代码", "code"},
		{"villages", "村居名称", "name"},
		{"villages", "乡镇编码", "town_code"},
		{"villages", "是否农村", "rural"},
		{"towns", "镇街代码", "code"},
		{"teams", "工作队名称", "name"},
		{"teams", "工作队编号", "code"},
		{"projects", "项目类型", "kind"},
		{"projects", "村居代码", "village_code"},
		{"river_works", "工程名称", "name"},
		{"river_works", "完工日期", "completed_on"},
		// As they always were.
		{"visits", "成员代码", "member_code"},
		{"households", "户编号", "external_id"},
		{"villages", "村代码", "code"},
	}
	for _, tc := range cases {
		t.Run(tc.layer+"/"+tc.header, func(t *testing.T) {
			l, err := LookupLayer(tc.layer)
			if err != nil {
				t.Fatal(err)
			}
			i, ok := l.matchField(tc.header)
			got := "(no field)"
			if ok {
				got = l.Fields[i].Name
			}
			if got != tc.want {
				t.Errorf("layer %s, header %q: got field %s, want %s", tc.layer, tc.header, got, tc.want)
			}
		})
	}
}

// TestHeadersUnambiguous checks every layer's headers — canonical names,
// aliases, the geometry columns' names and a rejects file's columns —
// as the importer folds them (normHeader): no two columns share one, so
// a header never means two things, and the Chinese header a template
// writes for a field reads back as that field.
func TestHeadersUnambiguous(t *testing.T) {
	for _, l := range Layers() {
		t.Run(l.Name, func(t *testing.T) {
			owner := map[string]string{} // folded header → column
			claim := func(header, column string) {
				n := normHeader(header)
				if n == "" {
					t.Errorf("layer %s: header %q of %s folds to nothing", l.Name, header, column)
					return
				}
				if prev, ok := owner[n]; ok && prev != column {
					t.Errorf("layer %s: header %q names both %s and %s", l.Name, header, prev, column)
				}
				owner[n] = column
			}
			for _, f := range l.Fields {
				claim(f.Name, f.Name)
				for _, a := range f.Aliases {
					claim(a, f.Name)
				}
			}
			geom := map[string][]string{}
			switch l.Geom {
			case PointGeom:
				geom = map[string][]string{"(lon)": lonAliases, "(lat)": latAliases, "(wkt)": wktAliases}
			case NoGeom:
			default:
				geom = map[string][]string{"(wkt)": wktAliases}
			}
			for column, aliases := range geom {
				for _, a := range aliases {
					claim(a, column)
				}
			}
			for _, h := range ignoredHeaders {
				claim(h, "(ignored)")
			}
			for i := range l.Fields {
				f := &l.Fields[i]
				zh := templateHeader(f, LangZH)
				j, ok := l.matchField(zh)
				if !ok || l.Fields[j].Name != f.Name {
					t.Errorf("layer %s: the template's Chinese header %q of %s does not read back as it", l.Name, zh, f.Name)
				}
				if !hasHanText(zh) {
					t.Errorf("layer %s: field %s has no Chinese header (got %q)", l.Name, f.Name, zh)
				}
			}
		})
	}
}

func hasHanText(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}
