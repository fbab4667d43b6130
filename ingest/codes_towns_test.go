package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"lianxin/ingest"
)

// TestTownRejectCodes imports, as a team leader of T01 through the
// server's role, files with rows of other towns, and checks the code and
// parameters each of the store's town checks hands over (as data, not
// read back from its English reason), the English reason as it always
// was, and the Chinese of the rejects file.
func TestTownRejectCodes(t *testing.T) {
	st, url := countyAsServerRole(t)
	ctx := context.Background()
	leader := t01Leader(t, url)
	cases := []struct {
		name, layer, body string
		want              []wantReject
	}{
		{name: "towns", layer: "towns",
			body: "code,name,wkt\nT02,西湖街道,\"POLYGON((120.10 32.10,120.20 32.10,120.20 32.20,120.10 32.20,120.10 32.10))\"\n" +
				"T09,新镇,\"POLYGON((120.30 32.30,120.31 32.30,120.31 32.31,120.30 32.30))\"\n",
			want: []wantReject{
				{2, "code", "outside_your_towns", `{"town":"T02","town_zh":"西湖街道（T02）","your_towns":"T01","your_towns_zh":"东岳镇（T01）"}`, "code",
					"code：属于 西湖街道（T02），不是您负责的镇；您负责：东岳镇（T01）", "outside your towns", "town T02 is outside your towns T01"},
				{3, "code", "new_town", `{"value":"T09"}`, "code",
					"code：镇 T09 是新的，只有县级管理员可以添加镇", "", "town T09 is new, and only a county-wide role (admin) may add towns"},
			}},
		{name: "members", layer: "members", body: "code,name,team_code,role\nM03,林海,D01,cadre\nM12,新人,D02,cadre\n",
			want: []wantReject{
				{2, "code", "duplicate_other_town", `{"town":"T02","town_zh":"西湖街道（T02）","value":"M03"}`, "code",
					"code：“M03”已属于其他镇：西湖街道（T02）", "", "member M03 already exists in another town (T02)"},
				{3, "team_code", "outside_your_towns", `{"town":"T02","town_zh":"西湖街道（T02）","value":"D02","your_towns":"T01","your_towns_zh":"东岳镇（T01）"}`, "team_code",
					"team_code：属于 西湖街道（T02），不是您负责的镇；您负责：东岳镇（T01）", "", "team D02 is in town T02, outside your towns T01"},
			}},
		{name: "projects", layer: "projects",
			body: "code,name,kind,town_code,village_code,wkt\n" +
				"P10,甲,other,T02,,POINT(120.15 32.15)\n" +
				"P11,乙,other,,T02V01,POINT(120.05 32.15)\n" +
				"P12,丙,other,,,POINT(120.15 32.15)\n" +
				"P14,戊,other,,,POINT(120.30 32.30)\n",
			want: []wantReject{
				{2, "town_code", "outside_your_towns", `{"town":"T02","town_zh":"西湖街道（T02）","your_towns":"T01","your_towns_zh":"东岳镇（T01）"}`, "town_code",
					"town_code：属于 西湖街道（T02），不是您负责的镇；您负责：东岳镇（T01）", "", "town T02 is outside your towns T01"},
				{3, "village_code", "outside_your_towns", `{"town":"T02","town_zh":"西湖街道（T02）","value":"T02V01","your_towns":"T01","your_towns_zh":"东岳镇（T01）"}`, "village_code",
					"village_code：属于 西湖街道（T02），不是您负责的镇；您负责：东岳镇（T01）", "", "village T02V01 is in town T02, outside your towns T01"},
				// The geometry came from the wkt column: named as the file spelled it.
				{4, "geometry", "outside_your_towns", `{"town":"T02","town_zh":"西湖街道（T02）","your_towns":"T01","your_towns_zh":"东岳镇（T01）"}`, "wkt",
					"wkt：属于 西湖街道（T02），不是您负责的镇；您负责：东岳镇（T01）", "", "the geometry lies in town T02, outside your towns T01"},
				{5, "town_code", "no_town", `null`, "town_code",
					"town_code：没有镇代码，位置也不在任何镇内", "", "no town_code, and the geometry lies in no town"},
			}},
	}
	dir := t.TempDir()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("%s%d.csv", tc.layer, i))
			writeFile(t, path, tc.body)
			opt := ingest.Options{Layer: tc.layer, Path: path, StartedBy: leader.User, SkipInvalid: true, DryRun: true, Lang: ingest.LangZH}
			rec, err := ingest.Run(ctx, st, leader, "api", opt)
			if err != nil {
				t.Fatalf("import %s as a leader of T01: %v", tc.name, err)
			}
			checkRejects(t, "result", rec.Rejects, tc.want)
			stored, err := st.Import(ctx, leader, rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			checkRejects(t, "record", stored.Rejects, tc.want)
			var out bytes.Buffer
			if _, err := ingest.WriteRejects(ctx, rec, opt, &out); err != nil {
				t.Fatalf("write rejects: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w.zh) {
					t.Errorf("zh rejects file lacks %q for line %d:\n%s", w.zh, w.line, out.String())
				}
				if w.notInZH != "" && strings.Contains(out.String(), w.notInZH) {
					t.Errorf("zh rejects file holds the English %q:\n%s", w.notInZH, out.String())
				}
			}
		})
	}
}
