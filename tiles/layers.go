package tiles

import (
	"slices"
	"strings"

	"lianxin"
)

// Field is one attribute of a layer's features, as the GDAL metadata of
// TileJSON (its "json" member) and the offline package's vector_layers list
// it: "Integer", "Number" (a real), "String" or "Boolean". "Integer" is
// GDAL's extension of tippecanoe's types, which GDAL's MVT driver (and so
// QGIS) reads as an Integer field (checked with GDAL 3.6,
// TestTileJSONTypesInGDAL); with "Number" it reads a Real. Other clients
// ignore the types.
type Field struct {
	Name, Type, Description string
}

// Layer describes one tile layer.
type Layer struct {
	Name        string
	Description string
	MinZoom     int
	MaxZoom     int
	// DetailMinZoom is the first zoom with one feature per row; below it the
	// layer is served as clusters with ClusterFields. Zero: always detail.
	DetailMinZoom int
	Fields        []Field
	ClusterFields []Field
	// Tables are the layer_versions rows whose change changes the layer.
	Tables []string
	// Windowed layers read the from/to filter.
	Windowed bool
	// Geometry is the type of every feature ("Point", "LineString" or
	// "Polygon", as tippecanoe's tilestats name them); empty when mixed.
	Geometry string
}

// Clustered reports whether tiles at zoom z are clusters.
func (l *Layer) Clustered(z int) bool { return l.DetailMinZoom > 0 && z < l.DetailMinZoom }

// H3 is the name of the hexagon layer.
const H3 = "h3"

// Households is the households layer's name.
const Households = "households"

const (
	integer = "Integer"
	num     = "Number"
	str     = "String"
	flag    = "Boolean"
)

// DataMinZoom and DataMaxZoom bound what TileJSON advertises: below 5 a tile
// is continent-sized; past 16 the 4096 grid is finer than a household's
// position, and clients overzoom.
const (
	DataMinZoom = 5
	DataMaxZoom = 16
)

var specialFields = []Field{
	{"poor", flag, "poor household (贫)"},
	{"seriously_ill", flag, "seriously ill member (病)"},
	{"disabled", flag, "disabled member (残)"},
	{"empty_nest", flag, "empty-nest elderly (空巢老人)"},
	{"left_behind_children", flag, "left-behind children (留守儿童)"},
	{"community_correction", flag, "person under community correction (社区矫正)"},
	{"petition_case", flag, "standing petition case (信访)"},
}

// registry lists every layer. Field lists are exactly what the store's tile
// SQL writes; a test compares them with decoded tiles.
var registry = []*Layer{
	{
		Name: "towns", Geometry: "Polygon", Description: "Towns, subdistricts and parks (乡镇/街道/园区), each with its work team",
		MinZoom: DataMinZoom, MaxZoom: DataMaxZoom, Tables: []string{"towns"},
		Fields: []Field{{"id", integer, "town id"}, {"code", str, "town code"}, {"name", str, "town name"}, {"kind", str, "town, subdistrict or park"}},
	},
	{
		Name: "villages", Geometry: "Polygon", Description: "Villages and communities with their coverage in the window; reached means the village meets its rule: a rural village when 3 × visited residents ≥ resident population (one-third), an urban community (rural false) when it has any visit in the window (not judged by one-third)",
		MinZoom: DataMinZoom, MaxZoom: DataMaxZoom, Windowed: true,
		Tables: []string{"villages", "households", "visits", "towns"},
		Fields: []Field{
			{"id", integer, "village id"}, {"code", str, "village code"}, {"name", str, "village name"},
			{"town_id", integer, "town id"}, {"kind", str, "village or community"},
			{"resident_population", integer, "resident population (常住人口)"},
			{"registered_households", integer, "registered households"},
			{"rural", flag, "rural village"}, {"petition_case", flag, "a standing petition case"},
			{"visited_residents", integer, "residents of households visited in the window"},
			{"coverage", num, "visited residents / resident population (absent when the population is 0)"},
			{"reached", flag, "meets its rule: a rural village 3 × visited residents ≥ resident population (one-third), an urban community any visit in the window"},
			{"residents_needed", integer, "residents still to visit to reach one-third (rural villages; 0 for an urban community)"},
			{"special_waiting", integer, "unvisited special-group households summed over the groups: a household in two groups counts twice (not a count of distinct households)"},
			{"special_waiting_households", integer, "special-group households not visited in the window, each household once (absent when hidden)"},
		},
	},
	{
		Name: Households, Geometry: "Point", Description: "Households (no personal field); clusters per H3 cell below the detail zoom",
		MinZoom: DataMinZoom, MaxZoom: DataMaxZoom, DetailMinZoom: 14, Windowed: true,
		Tables: []string{"households", "visits"},
		Fields: append([]Field{
			{"id", integer, "household id"}, {"village_id", integer, "village id"}, {"town_id", integer, "town id"},
			{"residents", integer, "residents"},
			{"visits", integer, "visits in the window"},
			{"last_visit", str, "day of the last visit in the window (YYYY-MM-DD, UTC+8)"},
		}, specialFields...),
		ClusterFields: []Field{
			{"cell", str, "H3 cell of the cluster (hex)"}, {"households", integer, "households"},
			{"residents", integer, "residents"}, {"visited_households", integer, "households visited in the window"},
			{"special_waiting", integer, "special-group households not visited in the window (distinct households)"},
		},
	},
	{
		Name: "contact_points", Geometry: "Point", Description: "Members' contact points (联系点)",
		MinZoom: DataMinZoom, MaxZoom: DataMaxZoom, Tables: []string{"contact_points", "members"},
		Fields: []Field{
			{"id", integer, "contact point id"}, {"code", str, "contact point code"}, {"member_id", integer, "member id"},
			{"member_role", str, "leader, senior_adviser, cadre or village_official"},
			{"village_id", integer, "village id"}, {"town_id", integer, "town id"},
			{"established_on", str, "day established (YYYY-MM-DD)"}, {"cards_issued", integer, "contact cards issued"},
		},
	},
	{
		Name: "visits", Geometry: "Point", Description: "The people's diary (民情日记), located visits; clusters per H3 cell below the detail zoom",
		MinZoom: DataMinZoom, MaxZoom: DataMaxZoom, DetailMinZoom: 13, Windowed: true,
		Tables: []string{"visits"},
		Fields: []Field{
			{"id", integer, "visit id"}, {"kind", str, "household_visit, enterprise_visit, project_site_visit, village_meeting, publicity_event or assistance_delivery"},
			{"occurred_on", str, "day of the visit (YYYY-MM-DD, UTC+8)"}, {"member_id", integer, "member id"},
			{"household_id", integer, "household id (absent for visits to no household)"},
			{"village_id", integer, "village id (absent outside every village)"}, {"town_id", integer, "the member's town id"},
			{"participants", integer, "participants"},
			{"problems_collected", integer, "problems collected"}, {"problems_resolved", integer, "problems resolved"},
		},
		ClusterFields: []Field{
			{"cell", str, "H3 cell of the cluster (hex)"}, {"visits", integer, "visits in the window"},
			{"visited_households", integer, "households visited in the window"},
			{"open_problems", integer, "problems collected minus resolved in the window"},
		},
	},
	{
		Name: "projects", Description: "Key enterprises, projects, works sites, bridges and refuse stations",
		MinZoom: DataMinZoom, MaxZoom: DataMaxZoom, Tables: []string{"projects"},
		Fields: []Field{
			{"id", integer, "project id"}, {"code", str, "project code"}, {"name", str, "project name"},
			{"kind", str, "key_enterprise, investment_project, key_works, bridge, refuse_station or other"},
			{"status", str, "planned, under_way, completed or suspended"},
			{"town_id", integer, "town id"}, {"village_id", integer, "village id (absent when none)"},
			{"investment_yuan", num, "investment in yuan"}, {"dispute", flag, "a dispute at the site"},
		},
	},
	{
		Name: "river_works", Geometry: "LineString", Description: "Dredged rivers and built roads",
		MinZoom: DataMinZoom, MaxZoom: DataMaxZoom, Tables: []string{"river_works"},
		Fields: []Field{
			{"id", integer, "work id"}, {"code", str, "work code"}, {"name", str, "work name"},
			{"kind", str, "river_dredging or road"}, {"status", str, "planned, under_way, completed or suspended"},
			{"town_id", integer, "town id"}, {"length_metres", num, "length in metres (geodesic)"},
			{"completed_on", str, "day completed (YYYY-MM-DD; absent when not completed)"},
		},
	},
	{
		Name: H3, Geometry: "Polygon", Description: "H3 hexagons with the coverage aggregates of the window; resolution follows the zoom",
		MinZoom: DataMinZoom, MaxZoom: DataMaxZoom, Windowed: true,
		Tables: []string{"households", "visits", "villages"},
		Fields: []Field{
			{"cell", str, "H3 cell (hex)"}, {"resolution", integer, "H3 resolution"},
			{"households", integer, "households"}, {"residents", integer, "residents"},
			{"visited_households", integer, "households visited in the window"},
			{"visited_residents", integer, "residents of visited households"},
			{"visited_share", num, "visited residents / residents"},
			{"visits", integer, "visits in the window"},
			{"special_waiting", integer, "special-group households not visited in the window (distinct households)"},
			{"open_problems", integer, "problems collected minus resolved in the window"},
		},
	},
}

// Layers returns the registry in a stable order.
func Layers() []*Layer { return slices.Clone(registry) }

// LookupLayer returns the layer named name.
func LookupLayer(name string) (*Layer, bool) {
	for _, l := range registry {
		if l.Name == name {
			return l, true
		}
	}
	return nil, false
}

// MaxLayersPerTile bounds a multi-layer request.
const MaxLayersPerTile = 8

// ParseLayers reads a comma-separated layer list ("villages,households"):
// every name from the registry, repeats collapsed (first position kept). The
// slice it returns may be shared: callers must not modify it.
func ParseLayers(list string) ([]*Layer, error) {
	if !strings.Contains(list, ",") { // one layer, most requests: no allocation
		for i, l := range registry {
			if l.Name == list {
				return registry[i : i+1 : i+1], nil
			}
		}
	}
	parts := strings.Split(list, ",")
	if len(parts) > 2*MaxLayersPerTile {
		return nil, lianxin.Errorf(lianxin.EInvalid, "layers: at most %d layers in one tile", MaxLayersPerTile)
	}
	var out []*Layer
	for _, p := range parts {
		l, ok := LookupLayer(p)
		if !ok {
			return nil, lianxin.Errorf(lianxin.EInvalid, "layer %q: no such layer (have %s)", p, layerNames())
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	if len(out) > MaxLayersPerTile {
		return nil, lianxin.Errorf(lianxin.EInvalid, "layers: at most %d layers in one tile", MaxLayersPerTile)
	}
	return out, nil
}

func layerNames() string {
	names := make([]string, len(registry))
	for i, l := range registry {
		names[i] = l.Name
	}
	return strings.Join(names, ", ")
}
