package export_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/export"
)

// A team leader's village_coverage and gaps exports for a window that is
// not whole weeks give their own town's villages the village panel's and
// gap report's figures, exact over the window asked, each row naming that
// window, and every other town's the published figures over whole weeks,
// naming those: the download agrees with the map and the panel.
func TestAggregateExportOwnTownAsPanel(t *testing.T) {
	ctx := context.Background()
	st, _, county := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	own := county.Towns[0]
	leader := lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{own.ID}, HouseholdPoints: true}
	planner := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	from, to := time.Date(2026, 4, 3, 0, 0, 0, 0, coverage.Zone), time.Date(2026, 6, 17, 0, 0, 0, 0, coverage.Zone)
	w := coverage.Window{From: from, To: to}
	now := time.Now()
	reports := coverage.NewReports(st, func() time.Time { return now })

	published, err := coverage.PublishVillages(ctx, st, planner, w, coverage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	pw := published.Window
	if pw == w {
		t.Fatalf("window %v is published as it is: the test needs one that is not whole weeks", w)
	}
	pubVR := map[string]any{}
	for _, v := range published.Villages {
		if v.Suppressed {
			pubVR[v.VillageCode] = nil
		} else {
			pubVR[v.VillageCode] = float64(v.VisitedResidents)
		}
	}
	// The leader's gap report of their own town: exact over w.
	gapRows, gw, err := reports.Gaps(ctx, leader, coverage.GapQuery{Query: coverage.Query{Town: own.Code, From: from, To: to}, All: true})
	if err != nil {
		t.Fatal(err)
	}
	if gw != w {
		t.Fatalf("the leader's gap report of town %s covers %v, want %v as asked", own.Code, gw, w)
	}
	gapOf := map[string]coverage.GapRow{}
	for _, g := range gapRows {
		gapOf[g.VillageCode] = g
	}

	day := func(v any) string { s, _ := v.(string); return s }
	for _, layer := range []string{"village_coverage", "gaps"} {
		t.Run(layer, func(t *testing.T) {
			var buf bytes.Buffer
			req := export.Request{Layer: layer, Format: export.GeoJSON, CRS: export.WGS84, Filter: export.Filter{From: &from, To: &to}}
			if _, err := svc.Export(ctx, leader, req, &buf, func(export.Meta) error { return nil }); err != nil {
				t.Fatalf("export %s as the leader: %v", layer, err)
			}
			var fc struct {
				Features []struct {
					Properties map[string]any `json:"properties"`
				} `json:"features"`
			}
			if err := json.Unmarshal(buf.Bytes(), &fc); err != nil {
				t.Fatalf("export %s: %v", layer, err)
			}
			ownSeen, ownDiffer, otherSeen := 0, 0, 0
			for _, f := range fc.Features {
				p := f.Properties
				code, _ := p["code"].(string)
				if p["town_code"] == own.Code {
					ownSeen++
					d, err := reports.Village(ctx, leader, code, coverage.Query{From: from, To: to})
					if err != nil {
						t.Fatalf("panel of village %s: %v", code, err)
					}
					if p["visited_residents"] != float64(d.VisitedResidents) || p["residents_needed"] != float64(d.ResidentsNeeded) || p["reached"] != d.Reached {
						t.Errorf("own village %s: visited_residents %v, residents_needed %v, reached %v; the panel says %d, %d, %v",
							code, p["visited_residents"], p["residents_needed"], p["reached"], d.VisitedResidents, d.ResidentsNeeded, d.Reached)
					}
					if wf, wt := day(p["window_from"]), day(p["window_to"]); wf != "2026-04-03" || wt != "2026-06-17" {
						t.Errorf("own village %s: window %s..%s, want 2026-04-03..2026-06-17 as asked", code, wf, wt)
					}
					if p["visited_residents"] != pubVR[code] {
						ownDiffer++
					}
					if layer == "gaps" {
						g := gapOf[code]
						if p["priority"] != g.Priority || fmt.Sprint(p["days_since_last_visit"]) != fmt.Sprint(deref(g.DaysSinceLastVisit)) {
							t.Errorf("own village %s: priority %v, days since last visit %v; the leader's gap report says %v, %v",
								code, p["priority"], p["days_since_last_visit"], g.Priority, deref(g.DaysSinceLastVisit))
						}
					}
					continue
				}
				otherSeen++
				if p["visited_residents"] != pubVR[code] {
					t.Errorf("another town's village %s: visited_residents %v, want the published %v (whole weeks)", code, p["visited_residents"], pubVR[code])
				}
				if wf, wt := day(p["window_from"]), day(p["window_to"]); wf != pw.From.Format(coverage.DayLayout) || wt != pw.To.Format(coverage.DayLayout) {
					t.Errorf("another town's village %s: window %s..%s, want the whole weeks %v", code, wf, wt, pw)
				}
			}
			if ownSeen == 0 || otherSeen == 0 || ownDiffer == 0 {
				t.Fatalf("%d own villages (%d differ from the published), %d others: the test cannot tell the windows apart", ownSeen, ownDiffer, otherSeen)
			}
		})
	}
}

// deref reads an optional day count (nil when never visited).
func deref(p *int) any {
	if p == nil {
		return nil
	}
	return float64(*p)
}
