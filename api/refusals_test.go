package api_test

import (
	"encoding/json"
	"io"
	"lianxin/frontend/wordstest"
	"net/http"
	"slices"
	"strings"
	"testing"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/export"
)

// refusalBody is an error body with its refusal.
type refusalBody struct {
	Error struct {
		Code    string          `json:"code"`
		Message string          `json:"message"`
		Details lianxin.Refusal `json:"details"`
	} `json:"error"`
}

// TestDownloadAndSnapshotRefusals asks the exports, the offline packages,
// OGC API – Features and the snapshots every wrong way a caller can, as a
// planner (every town, no household access) and as a team leader of one
// town, and checks each answer: its status, its code, the refusal's field
// and reason (which the web map words), and an English message for API
// users. Every published reason is asked at least once.
func TestDownloadAndSnapshotRefusals(t *testing.T) {
	st, _, _ := demotest.New(t)
	mine, other := twoTowns(t, st)
	planner := downloadServer(t, st, lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true})
	leader := downloadServer(t, st, lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader},
		Towns: []int32{mine.ID}, HouseholdPoints: true})

	const (
		asPlanner = iota
		asLeader
	)
	cases := []struct {
		name         string
		as           int
		method, path string
		body         string
		status       int
		field        string
		reason       string
		message      string // part of the English message
	}{
		// The exports.
		{"unknown layer", asPlanner, "GET", "/api/v1/export/roads", "", 404, "layer", export.ReasonUnknownLayer, `layer "roads": no such layer`},
		// Refused before the export by the one access rule of every layer
		// route (Scope.MayReadLayer), coded like every other refusal: a
		// 403 with only an English message could not be worded in Chinese.
		{"households without the grant", asPlanner, "GET", "/api/v1/export/households?check=true", "", 403, "layer", export.ReasonLayerNeedsGrant, "does not include household points"},
		{"households without the grant, a real export", asPlanner, "GET", "/api/v1/export/households?format=shp&encoding=gbk", "", 403, "layer", export.ReasonLayerNeedsGrant, "household_points grant"},
		{"visits without the grant", asPlanner, "GET", "/api/v1/export/visits?format=csv", "", 403, "layer", export.ReasonLayerNeedsGrant, "layer visits shows households"},
		{"unknown format", asPlanner, "GET", "/api/v1/export/villages?format=xlsx", "", 400, "format", export.ReasonBadFormat, `format "xlsx"`},
		{"unknown crs", asPlanner, "GET", "/api/v1/export/villages?crs=EPSG:3857", "", 400, "crs", export.ReasonBadCRS, `crs "EPSG:3857"`},
		{"unknown encoding", asPlanner, "GET", "/api/v1/export/villages?format=shp&encoding=big5", "", 400, "encoding", export.ReasonBadEncoding, `encoding "big5"`},
		{"encoding of a GeoJSON", asPlanner, "GET", "/api/v1/export/villages?encoding=gbk&check=true", "", 400, "encoding", export.ReasonEncodingShpOnly, "only shapefiles"},
		{"a shapefile of points and polygons", asPlanner, "GET", "/api/v1/export/projects?format=shp&check=true", "", 400, "format", export.ReasonShpMixed, "mixes points and polygons"},
		{"FlatGeobuf without geometry", asPlanner, "GET", "/api/v1/export/members?format=fgb&check=true", "", 400, "format", export.ReasonFgbNoGeometry, "FlatGeobuf"},
		{"KML without geometry", asPlanner, "GET", "/api/v1/export/members?format=kml", "", 400, "format", export.ReasonKMLNoGeometry, "no geometry to place"},
		{"KML in CGCS2000", asPlanner, "GET", "/api/v1/export/villages?format=kml&crs=EPSG:4490&check=true", "", 400, "crs", export.ReasonKMLCGCS2000, "WGS 84 only"},
		{"geometry neither point nor polygon", asPlanner, "GET", "/api/v1/export/projects?geometry=line", "", 400, "geometry", export.ReasonBadGeometry, `geometry "line"`},
		{"geometry of a layer of one kind", asPlanner, "GET", "/api/v1/export/villages?geometry=point&check=true", "", 400, "geometry", export.ReasonGeometryNotMixed, "geometry kind"},
		{"bbox of three numbers", asPlanner, "GET", "/api/v1/export/villages?bbox=1,2,3", "", 400, "bbox", export.ReasonBBoxCount, "four numbers"},
		{"bbox with a word", asPlanner, "GET", "/api/v1/export/villages?bbox=1,2,x,4", "", 400, "bbox", export.ReasonBBoxNotNumber, "is not a number"},
		{"bbox off the globe", asPlanner, "GET", "/api/v1/export/villages?bbox=100,20,200,40", "", 400, "bbox", export.ReasonBBoxRange, "-180..180"},
		{"bbox upside down", asPlanner, "GET", "/api/v1/export/villages?bbox=121,32,120,33", "", 400, "bbox", export.ReasonBBoxOrder, "min ≤ max"},
		{"from not a day", asLeader, "GET", "/api/v1/export/visits?from=May&check=true", "", 400, "from", export.ReasonBadTime, `from "May"`},
		{"window backwards", asPlanner, "GET", "/api/v1/export/gaps?from=2026-05-01&to=2026-04-01&check=true", "", 400, "from", export.ReasonWindowOrder, "must be before"},
		{"window on a layer without time", asPlanner, "GET", "/api/v1/export/towns?from=2026-05-01&check=true", "", 400, "from", export.ReasonNoTime, "has no time"},
		{"below not a boolean", asPlanner, "GET", "/api/v1/export/gaps?below=some", "", 400, "below", export.ReasonBadBelow, `below "some"`},
		{"below on towns", asPlanner, "GET", "/api/v1/export/towns?below=true&check=true", "", 400, "below", export.ReasonBelowNoCoverage, "no coverage figures"},
		{"resolution not a number", asPlanner, "GET", "/api/v1/export/h3_cells?resolution=fine", "", 400, "resolution", export.ReasonBadResolution, `resolution "fine"`},
		{"resolution off the scale", asPlanner, "GET", "/api/v1/export/h3_cells?resolution=12&check=true", "", 400, "resolution", export.ReasonResolutionRange, "from 6 to 10"},
		{"resolution of villages", asPlanner, "GET", "/api/v1/export/villages?resolution=8&check=true", "", 400, "resolution", export.ReasonNotCellLayer, "not a cell layer"},
		{"resolution finer than published", asPlanner, "GET", "/api/v1/export/h3_cells?resolution=10&check=true", "", 403, "resolution", export.ReasonResolutionFine, "is finer than 8"},
		{"unknown parameter", asPlanner, "GET", "/api/v1/export/villages?colour=red", "", 400, "colour", export.ReasonUnknownParameter, "colour: unknown parameter"},
		{"a time filtered by equality", asLeader, "GET", "/api/v1/export/visits?occurred_at=2026-05-01&check=true", "", 400, "occurred_at", export.ReasonFieldTime, "filtered with from/to"},
		{"a boolean filter of 1", asPlanner, "GET", "/api/v1/export/villages?rural=1&check=true", "", 400, "rural", export.ReasonFieldValue, `rural "1": want true or false`},
		{"Chinese headers on a GeoPackage", asPlanner, "GET", "/api/v1/export/villages?format=gpkg&lang=zh&check=true", "", 400, "lang", export.ReasonCSVOnly, "only format=csv"},
		{"check not a boolean", asPlanner, "GET", "/api/v1/export/villages?check=maybe", "", 400, "check", export.ReasonBadCheck, `check "maybe"`},
		{"no such town", asPlanner, "GET", "/api/v1/export/villages?town=nowhere&check=true", "", 400, "town", export.ReasonTownUnknown, `town "nowhere"`},
		{"a box on members", asPlanner, "GET", "/api/v1/export/members?check=true&bbox=119,32,120,33", "", 400, "bbox", export.ReasonBBoxNoGeometry, "has no geometry"},
		{"ogc bbox-crs in metres", asPlanner, "GET", "/ogc/collections/villages/items?bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3857&bbox=13348876,3764110,13360000,3770000", "", 400, "bbox-crs", export.ReasonBadCRS, "CRS84"},
		{"one town's hexagons without household access", asPlanner, "GET", "/api/v1/export/h3_cells?check=true&town=" + mine.Code, "", 403, "town", export.ReasonTownShare, "needs household access in that town"},
		{"another town's visits", asLeader, "GET", "/api/v1/export/visits?check=true&town=" + other.Code, "", 403, "town", export.ReasonTownNotYours, "outside your towns"},

		// The offline packages.
		{"package without a town", asPlanner, "GET", "/api/v1/export/pmtiles?check=true", "", 400, "town", export.ReasonTownMissing, "town: missing"},
		{"package of no town", asPlanner, "GET", "/api/v1/export/pmtiles?check=true&town=nowhere", "", 404, "town", export.ReasonTownUnknown, "no town with that code"},
		{"package of another town", asLeader, "GET", "/api/v1/export/pmtiles?check=true&town=" + other.Code, "", 403, "town", export.ReasonTownNotYours, "outside your towns"},
		{"package parameter unknown", asPlanner, "GET", "/api/v1/export/pmtiles?town=" + mine.Code + "&layers=all", "", 400, "layers", export.ReasonUnknownParameter, "unknown parameter"},
		{"package zoom too deep", asPlanner, "GET", "/api/v1/export/pmtiles?check=true&town=" + mine.Code + "&maxzoom=20", "", 400, "maxzoom", export.ReasonBadZoom, `maxzoom "20"`},
		{"package zooms backwards", asPlanner, "GET", "/api/v1/export/pmtiles?check=true&town=" + mine.Code + "&minzoom=12&maxzoom=10", "", 400, "minzoom", export.ReasonZoomOrder, "above maxzoom"},

		// OGC API – Features.
		{"ogc f=html", asPlanner, "GET", "/ogc/collections?f=html", "", 400, "f", export.ReasonBadF, "only json"},
		{"ogc limit 0", asPlanner, "GET", "/ogc/collections/villages/items?limit=0", "", 400, "limit", export.ReasonBadLimit, `limit "0"`},
		{"ogc offset -1", asPlanner, "GET", "/ogc/collections/villages/items?offset=-1", "", 400, "offset", export.ReasonBadOffset, `offset "-1"`},
		{"ogc after a word", asPlanner, "GET", "/ogc/collections/villages/items?after=x", "", 400, "after", export.ReasonBadAfter, `after "x"`},
		{"ogc after on a mixed layer", asPlanner, "GET", "/ogc/collections/projects/items?after=1", "", 400, "after", export.ReasonAfterMixed, "paged by offset"},
		{"ogc datetime open", asPlanner, "GET", "/ogc/collections/gaps/items?datetime=../..", "", 400, "datetime", export.ReasonDatetimeOpen, "both ends open"},
		{"ogc no such feature", asPlanner, "GET", "/ogc/collections/villages/items/999999999", "", 404, "featureId", export.ReasonNoFeature, "not found"},

		// The snapshots.
		{"snapshot body not an object", asPlanner, "POST", "/api/v1/snapshots", `[1]`, 400, "", coverage.SnapReasonBodyBad, "body: not a JSON object"},
		{"snapshot unknown field", asPlanner, "POST", "/api/v1/snapshots", `{"label":"week 5"}`, 400, "label", coverage.SnapReasonUnknownField, "label: unknown field"},
		{"snapshot as_of not a day", asPlanner, "POST", "/api/v1/snapshots", `{"as_of":"1 May"}`, 400, "as_of", coverage.SnapReasonBadDay, `as_of: "1 May" is not a day`},
		{"snapshot town not a code", asPlanner, "POST", "/api/v1/snapshots", `{"town":"a town"}`, 400, "town", coverage.SnapReasonBadTown, "is not a code"},
		{"snapshot of no town", asPlanner, "POST", "/api/v1/snapshots", `{"town":"nowhere"}`, 404, "town", coverage.SnapReasonTownUnknown, `town "nowhere"`},
		{"snapshot of another town", asLeader, "POST", "/api/v1/snapshots", `{"town":"` + other.Code + `"}`, 403, "town", coverage.SnapReasonTownNotYours, "take one of your own towns"},
		{"snapshot of the county", asLeader, "POST", "/api/v1/snapshots", `{}`, 403, "town", coverage.SnapReasonCountyNotYour, "the whole county"},
		{"snapshot id a word", asPlanner, "GET", "/api/v1/snapshots/x/diff/1", "", 400, "a", coverage.SnapReasonBadID, `a: "x" is not a snapshot id`},
		{"snapshot not there", asPlanner, "GET", "/api/v1/snapshots/998/diff/999", "", 404, "", coverage.SnapReasonNotFound, "snapshot 998 not found"},
		{"snapshot as of a day to come", asPlanner, "POST", "/api/v1/snapshots", `{"as_of":"2099-01-01"}`, 400, "as_of", coverage.SnapReasonAsOfFuture, "is after today"},
		{"snapshot as of a day before the campaign", asPlanner, "POST", "/api/v1/snapshots", `{"as_of":"2026-01-01"}`, 400, "as_of", coverage.SnapReasonAsOfBeforeCampaign, "before the campaign began"},
	}
	asked := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			asked[tc.reason] = true
			srv := planner
			if tc.as == asLeader {
				srv = leader
			}
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Fatalf("%s %s = %d %.300s, want %d", tc.method, tc.path, res.StatusCode, raw, tc.status)
			}
			var got refusalBody
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("%s %s: %.300s: %v", tc.method, tc.path, raw, err)
			}
			e := got.Error
			if e.Details.Reason != tc.reason || e.Details.Field != tc.field {
				t.Errorf("%s %s: details %+v, want field %q reason %q", tc.method, tc.path, e.Details, tc.field, tc.reason)
			}
			if tc.reason == export.ReasonLayerNeedsGrant && e.Details.Params["layer"] != strings.TrimPrefix(strings.Split(tc.path, "?")[0], "/api/v1/export/") {
				t.Errorf("%s %s: params %v, want the layer asked for (the words name it)", tc.method, tc.path, e.Details.Params)
			}
			if !strings.Contains(e.Message, tc.message) {
				t.Errorf("%s %s: message %q, want it to hold %q (the English sentence API users read)", tc.method, tc.path, e.Message, tc.message)
			}
			if want := map[int]string{400: lianxin.EInvalid, 403: lianxin.EForbidden, 404: lianxin.ENotFound}[tc.status]; e.Code != want {
				t.Errorf("%s %s: code %q, want %q", tc.method, tc.path, e.Code, want)
			}
		})
	}
	// The export's own refusal of a household layer, which the access rule
	// above answers first on the HTTP routes.
	svc := export.New(st, export.Options{Logger: quietLogger()})
	_, err := svc.Layer(lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}, "households")
	if r, ok := lianxin.RefusalOf(err); !ok || r.Reason != export.ReasonLayerNeedsGrant || lianxin.ErrorCode(err) != lianxin.EForbidden {
		t.Errorf("Layer(planner, households) = %v (refusal %+v), want forbidden, reason %s", err, r, export.ReasonLayerNeedsGrant)
	}
	asked[export.ReasonLayerNeedsGrant] = true
	// Asked on a village renamed with a character GBK lacks, in
	// TestGBKShapefileRefusesWhatGBKCannotHold.
	asked[export.ReasonGBKUnencodable] = true
	// Asked on snapshots taken first, in TestSnapshotAPIWholeWeeks.
	asked[coverage.SnapReasonAreasDiffer], asked[coverage.SnapReasonNotWholeWeeks] = true, true
	for _, r := range slices.Concat(export.Reasons, coverage.SnapshotReasons) {
		if !asked[r] {
			t.Errorf("no case asks for reason %s: a refusal no test provokes", r)
		}
	}
}

// TestRefusalsWordedInWebMap checks that every export and snapshot reason
// is worded in both languages of the web map (i18n.js
// export.refusal.<reason>, snap.refusal.<reason>) with the same
// placeholders in each: a reason the page cannot word would show the
// server's English on a Chinese page.
func TestRefusalsWordedInWebMap(t *testing.T) {
	wordstest.CheckWorded(t, "export.refusal.", export.Reasons)
	wordstest.CheckWorded(t, "snap.refusal.", coverage.SnapshotReasons)
}
