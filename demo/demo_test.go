package demo_test

import (
	"context"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo"
	"lianxin/demo/demotest"
	"lianxin/store/storetest"
)

func TestSameSeedSameCounty(t *testing.T) {
	ctx := context.Background()
	s, _ := storetest.New(t)
	a, err := demo.Generate(ctx, s, demo.Options{Seed: 5, Scale: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := demo.Generate(ctx, s, demo.Options{Seed: 5, Scale: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if fa, fb := demotest.Fingerprint(a), demotest.Fingerprint(b); fa != fb {
		t.Fatalf("seed 5 twice gave fingerprints %s and %s, want equal", fa, fb)
	}
	c, err := demo.Generate(ctx, s, demo.Options{Seed: 6, Scale: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if demotest.Fingerprint(a) == demotest.Fingerprint(c) {
		t.Fatal("seeds 5 and 6 gave the same county, want different")
	}
}

// The loaded county is what the story describes, scaled, and geometrically sound.
func TestLoadedCounty(t *testing.T) {
	ctx := context.Background()
	_, url, county := demotest.New(t)
	counts := map[string]int64{}
	for _, table := range []string{"towns", "villages", "teams", "members", "households", "household_personal",
		"contact_points", "visits", "projects", "river_works"} {
		var n int64
		if err := queryRow(ctx, url, "SELECT count(*) FROM "+table, &n); err != nil {
			t.Fatal(err)
		}
		counts[table] = n
	}
	want := map[string]int64{
		"towns": 16, "teams": 16, "villages": int64(len(county.Villages)), "members": int64(len(county.Members)),
		"households": int64(len(county.Households)), "household_personal": int64(len(county.Households)),
		"contact_points": int64(len(county.Contacts)), "visits": int64(len(county.Visits)),
		"projects": int64(len(county.Projects)), "river_works": int64(len(county.Works)),
	}
	for table, n := range want {
		if counts[table] != n {
			t.Errorf("%s: %d rows loaded, want %d", table, counts[table], n)
		}
	}
	checks := []struct {
		name string
		sql  string
	}{
		{"households outside their village", `SELECT count(*) FROM households h JOIN villages v ON v.id = h.village_id WHERE NOT ST_Contains(v.boundary, h.location)`},
		{"villages outside their town", `SELECT count(*) FROM villages v JOIN towns t ON t.id = v.town_id WHERE NOT ST_CoveredBy(v.boundary, t.boundary)`},
		{"households whose town differs from their village's", `SELECT count(*) FROM households h JOIN villages v ON v.id = h.village_id WHERE h.town_id <> v.town_id`},
		{"villages whose population is not the sum of their households", `SELECT count(*) FROM villages v WHERE resident_population <> (SELECT coalesce(sum(residents), 0) FROM households WHERE village_id = v.id)`},
		{"towns outside the county box", `SELECT count(*) FROM towns WHERE NOT ST_CoveredBy(boundary, ST_MakeEnvelope(119.90, 31.95, 120.35, 32.40, 4326))`},
		{"household cells that are not the cell of the location at resolution 11", `SELECT count(*) FROM households WHERE (cell >> 52) & 15 <> 11`},
		{"visits outside the campaign's seven months", `SELECT count(*) FROM visits WHERE occurred_at < '2026-03-01+08' OR occurred_at >= '2026-10-01+08'`},
	}
	for _, c := range checks {
		var n int64
		if err := queryRow(ctx, url, c.sql, &n); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if n != 0 {
			t.Errorf("%s: %d, want 0", c.name, n)
		}
	}
	// The diary leaves some villages far above one-third, many below and a few untouched.
	var reached, below, never int64
	if err := queryRow(ctx, url, `
		WITH visited AS (
		  SELECT h.village_id, sum(h.residents) AS r FROM households h
		  WHERE EXISTS (SELECT 1 FROM visits v WHERE v.household_id = h.id) GROUP BY 1)
		SELECT count(*) FILTER (WHERE 3 * coalesce(r, 0) >= resident_population),
		       count(*) FILTER (WHERE 3 * coalesce(r, 0) < resident_population),
		       count(*) FILTER (WHERE r IS NULL)
		FROM villages LEFT JOIN visited ON visited.village_id = villages.id`, &reached, &below, &never); err != nil {
		t.Fatal(err)
	}
	if reached == 0 || below <= reached {
		t.Errorf("villages reached %d, below %d: want some reached and more below", reached, below)
	}
}

// Special-group flags fit the household: an empty-nest elder lives alone or
// as a couple, a left-behind child with a carer; and each group keeps its
// share of the county (the five-coverage reports count them).
func TestSpecialGroupsFitHouseholdSize(t *testing.T) {
	_, _, county := demotest.New(t)
	groups := []struct {
		name           string
		flag           int
		share          float64
		minRes, maxRes int
	}{
		{"poor", demo.FlagPoor, 0.03, 1, 7},
		{"seriously ill", demo.FlagSeriouslyIll, 0.02, 1, 7},
		{"disabled", demo.FlagDisabled, 0.025, 1, 7},
		{"empty nest", demo.FlagEmptyNest, 0.05, 1, 2},
		{"left-behind children", demo.FlagLeftBehindChildren, 0.02, 2, 7},
		{"community correction", demo.FlagCommunityCorrection, 0.003, 1, 7},
	}
	n := float64(len(county.Households))
	for _, gr := range groups {
		t.Run(gr.name, func(t *testing.T) {
			flagged, misfit := 0, 0
			for i := range county.Households {
				h := &county.Households[i]
				if !h.Flags[gr.flag] {
					continue
				}
				flagged++
				if h.Residents < gr.minRes || h.Residents > gr.maxRes {
					misfit++
					if misfit <= 3 {
						t.Errorf("household %s (%s) has %d residents, want %d to %d", h.ExternalID, h.HeadName, h.Residents, gr.minRes, gr.maxRes)
					}
				}
				if gr.flag == demo.FlagLeftBehindChildren && h.Flags[demo.FlagEmptyNest] {
					t.Errorf("household %s is both empty-nest and left-behind-child, want one or the other", h.ExternalID)
				}
			}
			if misfit > 0 {
				t.Errorf("%d of %d %s households do not fit their size", misfit, flagged, gr.name)
			}
			// Binomial spread on ~70,000 households is well under a third
			// of the share for these rates.
			if got := float64(flagged) / n; got < gr.share*2/3 || got > gr.share*4/3 {
				t.Errorf("%d %s households of %d (%.4f), want a share near %.4f", flagged, gr.name, len(county.Households), got, gr.share)
			}
		})
	}
}

// A few members joined late: the attendance report shows them below the
// ten-household rule, one without a contact point, while the rest of the
// corps meets it.
func TestSomeMembersBelowTenHouseholds(t *testing.T) {
	ctx := context.Background()
	s, _, county := demotest.New(t)
	reports := coverage.NewReports(s, func() time.Time { return demo.CampaignEnd.AddDate(0, 0, 1) })
	rows, _, err := reports.Members(ctx, lianxin.SystemScope(), coverage.Query{})
	if err != nil {
		t.Fatalf("members report: %v", err)
	}
	if len(rows) != len(county.Members) {
		t.Fatalf("members report: %d rows, want %d", len(rows), len(county.Members))
	}
	below, noContact := 0, 0
	for _, r := range rows {
		if !r.MeetsTarget {
			below++
			if !r.NeedsAttention {
				t.Errorf("member %s below ten households (%s) not flagged as needing attention", r.MemberCode, r.HouseholdsToDate)
			}
		}
		if !r.HasContact {
			noContact++
		}
	}
	if below < 2 || below > 4 {
		t.Errorf("%d members below ten households, want 2 to 4 (the demo's late joiners)", below)
	}
	if noContact != 1 {
		t.Errorf("%d members without a contact point, want 1", noContact)
	}
}
