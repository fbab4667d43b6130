package export

import (
	"slices"
	"strings"

	"lianxin"
)

// FieldType is the type of an attribute, in GDAL's vocabulary so that the
// same name means the same thing in every format.
type FieldType string

const (
	String    FieldType = "String"
	Integer   FieldType = "Integer"
	Integer64 FieldType = "Integer64"
	Real      FieldType = "Real"
	Boolean   FieldType = "Boolean"
	Date      FieldType = "Date"     // YYYY-MM-DD, campaign calendar
	DateTime  FieldType = "DateTime" // RFC 3339 in campaign time, UTC+8
)

// GeometryType is a layer's geometry type as ogr2ogr's -nlt names it.
type GeometryType string

const (
	Point           GeometryType = "POINT"
	Polygon         GeometryType = "POLYGON"
	MultiPolygon    GeometryType = "MULTIPOLYGON"
	MultiLineString GeometryType = "MULTILINESTRING"
	AnyGeometry     GeometryType = "GEOMETRY" // points and polygons mixed
	NoGeometry      GeometryType = "NONE"
)

// Field is one attribute of a layer.
type Field struct {
	Name        string
	Type        FieldType
	Description string
}

// Kind says where a layer's rows come from.
type Kind int

const (
	// Stored layers are tables, read row by row.
	Stored Kind = iota
	// Aggregate layers are computed for a window by the coverage engine.
	Aggregate
)

// Layer describes one exportable layer. Fields are exactly the columns the
// store's export SQL returns, in order; a test compares them.
type Layer struct {
	Name        string
	Title       string
	Description string
	Kind        Kind
	Geometry    GeometryType
	Fields      []Field
	// Temporal names the field that from/to and OGC datetime filter on;
	// empty: the layer has no time. For aggregates from/to is the window.
	Temporal string
	// Resolution marks the H3 layer, which takes a resolution parameter.
	Resolution bool
	// Coverage marks layers with the coverage figures, which take below=true.
	Coverage bool
	// Importable marks the layers the import (package ingest) takes: their
	// CSV holds exactly the import's columns, under its names, and their
	// GeoJSON the id as the feature id only, so a downloaded file imports
	// again as it is. NotImported names the fields the import does not take
	// (internal ids and derived figures): they stay in the GIS formats
	// (GeoJSON, GeoPackage, Shapefile, KML, FlatGeobuf), whose importer
	// ignores properties it does not know, and are left out of the CSV,
	// whose importer refuses unknown columns.
	Importable  bool
	NotImported []string
}

// importColumns says which fields the layer's CSV writes: nil (all) unless
// the layer is importable.
func (l *Layer) importColumns() []bool {
	if !l.Importable {
		return nil
	}
	keep := make([]bool, len(l.Fields))
	for i, f := range l.Fields {
		keep[i] = !slices.Contains(l.NotImported, f.Name)
	}
	return keep
}

// Field returns the field named name.
func (l *Layer) Field(name string) (Field, bool) {
	for _, f := range l.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// FieldNames lists the layer's field names in order.
func (l *Layer) FieldNames() []string {
	out := make([]string, len(l.Fields))
	for i, f := range l.Fields {
		out[i] = f.Name
	}
	return out
}

// Allowed reports whether scope may read the layer, by lianxin's one rule
// of which layer needs which grant (households and the diary, whose
// entries stand where households were visited, need household points).
func (l *Layer) Allowed(scope lianxin.Scope) bool {
	return scope.MayReadLayer(l.Name) == nil
}

var specialGroupFields = []Field{
	{"poor", Boolean, "poor household (贫)"},
	{"seriously_ill", Boolean, "seriously ill member (病)"},
	{"disabled", Boolean, "disabled member (残)"},
	{"empty_nest", Boolean, "empty-nest elderly (空巢老人)"},
	{"left_behind_children", Boolean, "left-behind children (留守儿童)"},
	{"community_correction", Boolean, "person under community correction (社区矫正)"},
}

var catalogue = []*Layer{
	{
		Name: "towns", Title: "Towns 乡镇/街道/园区", Kind: Stored, Geometry: MultiPolygon,
		Importable: true, NotImported: []string{"id"},
		Description: "Towns, subdistricts and parks, each with one work team",
		Fields: []Field{
			{"id", Integer, "town id"}, {"code", String, "town code"}, {"name", String, "town name"},
			{"kind", String, "town, subdistrict or park"},
		},
	},
	{
		Name: "villages", Title: "Villages 村/社区", Kind: Stored, Geometry: MultiPolygon,
		Importable: true, NotImported: []string{"id"},
		Description: "Villages and communities with their resident population",
		Fields: []Field{
			{"id", Integer, "village id"}, {"code", String, "village code"}, {"name", String, "village name"},
			{"town_code", String, "town code"}, {"kind", String, "village or community"},
			{"resident_population", Integer, "resident population (常住人口)"},
			{"registered_households", Integer, "registered households"},
			{"rural", Boolean, "rural village"}, {"petition_case", Boolean, "a standing petition case (信访)"},
		},
	},
	{
		Name: "teams", Title: "Work teams 工作队", Kind: Stored, Geometry: Point,
		Importable: true, NotImported: []string{"id", "members"},
		Description: "Work teams at their base, one per town",
		Fields: []Field{
			{"id", Integer, "team id"}, {"code", String, "team code"}, {"name", String, "team name"},
			{"town_code", String, "town code"}, {"members", Integer, "members in the team"},
		},
	},
	{
		Name: "members", Title: "Members 队员", Kind: Stored, Geometry: NoGeometry,
		Importable: true, NotImported: []string{"id", "town_code"},
		Description: "Corps members (no geometry: a member's place is the team base or the contact point)",
		Fields: []Field{
			{"id", Integer, "member id"}, {"code", String, "member code"}, {"name", String, "member name"},
			{"team_code", String, "team code"}, {"town_code", String, "town code"},
			{"role", String, "leader, senior_adviser, cadre or village_official"},
			{"left_on", Date, "last day in the corps (离队日期), empty while serving"},
		},
	},
	{
		Name: "households", Title: "Households 农户", Kind: Stored, Geometry: Point,
		Importable: true, NotImported: []string{"id", "town_code"},
		Description: "Households with their special groups; never a name, phone or ID number",
		Fields: append([]Field{
			{"id", Integer64, "household id"}, {"external_id", String, "household number in the source register"},
			{"village_code", String, "village code"}, {"town_code", String, "town code"},
			{"residents", Integer, "residents"},
		}, append(slices.Clone(specialGroupFields), Field{"petition_case", Boolean, "standing petition case (信访)"})...),
	},
	{
		Name: "contact_points", Title: "Contact points 联系点", Kind: Stored, Geometry: Point, Temporal: "established_on",
		Importable: true, NotImported: []string{"id", "town_code"},
		Description: "Members' contact points",
		Fields: []Field{
			{"id", Integer, "contact point id"}, {"code", String, "contact point code"},
			{"member_code", String, "member code"}, {"village_code", String, "village code"},
			{"town_code", String, "town code"}, {"established_on", Date, "day established"},
			{"cards_issued", Integer, "contact cards issued (联系卡)"},
		},
	},
	{
		Name: "visits", Title: "Visits 民情日记", Kind: Stored, Geometry: Point, Temporal: "occurred_at",
		Importable: true, NotImported: []string{"id", "town_code"},
		Description: "The people's diary: one row per visit, at its recorded location (empty when none was recorded)",
		Fields: []Field{
			{"id", Integer64, "visit id"}, {"external_id", String, "diary entry number"},
			{"member_code", String, "visiting member"},
			{"household_id", String, "household number visited (its external id, as on the contact card), if any"},
			{"village_code", String, "village, if any"}, {"project_code", String, "project visited, if any"},
			{"town_code", String, "the member's town"}, {"occurred_at", DateTime, "when (UTC+8)"},
			{"kind", String, "household_visit, enterprise_visit, project_site_visit, village_meeting, publicity_event or assistance_delivery"},
			{"participants", Integer, "participants"},
			{"notes", String, "what was heard and done (the diary's text; the layer needs the household grant)"},
			{"problems_collected", Integer, "problems collected"},
			{"problems_resolved", Integer, "problems resolved"}, {"petition_resolved", Boolean, "a petition case resolved"},
			{"dispute_resolved", Boolean, "a dispute resolved"},
		},
	},
	{
		Name: "projects", Title: "Projects 重点项目", Kind: Stored, Geometry: AnyGeometry,
		Importable: true, NotImported: []string{"id"},
		Description: "Key enterprises, projects and works sites (points and polygons)",
		Fields: []Field{
			{"id", Integer, "project id"}, {"code", String, "project code"}, {"name", String, "project name"},
			{"kind", String, "key_enterprise, investment_project, key_works, bridge, refuse_station or other"},
			{"status", String, "planned, under_way, completed or suspended"},
			{"town_code", String, "town code"}, {"village_code", String, "village code, if any"},
			{"investment_yuan", Integer64, "investment in yuan"}, {"dispute", Boolean, "a dispute at the site"},
		},
	},
	{
		Name: "river_works", Title: "River and road works 河道/道路", Kind: Stored, Geometry: MultiLineString, Temporal: "completed_on",
		Importable: true, NotImported: []string{"id", "length_metres"},
		Description: "Dredged rivers and built roads",
		Fields: []Field{
			{"id", Integer, "work id"}, {"code", String, "work code"}, {"name", String, "work name"},
			{"kind", String, "river_dredging or road"}, {"status", String, "planned, under_way, completed or suspended"},
			{"town_code", String, "town code"}, {"length_metres", Real, "length in metres (geodesic)"},
			{"completed_on", Date, "day completed, if completed"},
		},
	},
	{
		Name: "village_coverage", Title: "Village coverage 走访覆盖", Kind: Aggregate, Geometry: MultiPolygon, Coverage: true,
		Description: "Villages with their coverage over the window from/to (default: campaign start to today); reached means the village meets its rule: a rural village one-third (3 × visited residents ≥ resident population), an urban community any visit in the window (not judged by one-third); gap_reason names the rule a village fails",
		Fields: append(coverageFields(), ruralField, gapReasonField,
			Field{"window_from", Date, "first day of the window"}, Field{"window_to", Date, "day after the window"}),
	},
	{
		Name: "gaps", Title: "Gap report 走访缺口", Kind: Aggregate, Geometry: MultiPolygon, Coverage: true,
		Description: "The gap report's villages (those in gap by the coverage engine's rule: a rural village below one-third or without a population, an urban community with no visit in the window) ranked by its priority over the window; village_coverage has every village",
		Fields: append(append([]Field{{"rank", Integer, "rank by priority (1 first)"}}, coverageFields()...),
			ruralField, gapReasonField,
			Field{"households_needed", Integer64, "at least this many unvisited households (largest first) to reach one-third"},
			Field{"households_needed_typical", Integer64, "households of the village's average size that reach one-third"},
			Field{"coverage_if_visited", Real, "coverage once those households are visited"},
			Field{"days_since_last_visit", Integer, "days from the last visit to the report day"},
			Field{"distance_km", Real, "from the town's team base"},
			Field{"priority", Real, "the gap report's priority (higher first)"},
			Field{"window_from", Date, "first day of the window"}, Field{"window_to", Date, "day after the window"}),
	},
	{
		Name: "h3_cells", Title: "H3 cells 六边形网格", Kind: Aggregate, Geometry: Polygon, Resolution: true,
		Description: "H3 hexagons at resolution 6 to 10 (parameter resolution, default 8) with the coverage aggregates of the window",
		Fields: []Field{
			{"id", Integer64, "H3 cell (integer)"}, {"cell", String, "H3 cell (hex)"}, {"resolution", Integer, "H3 resolution"},
			{"households", Integer64, "households"}, {"residents", Integer64, "residents"},
			{"visited_households", Integer64, "households visited in the window"},
			{"visited_residents", Integer64, "residents of visited households"},
			{"visited_share", Real, "visited residents / residents (at most 1)"},
			{"visits", Integer64, "visits in the window"},
			{"special_households", Integer64, "households in at least one special group"},
			{"special_unvisited", Integer64, "of them, not visited in the window"},
			{"open_problems", Integer64, "problems collected minus resolved in the window (at least 0)"},
			{"window_from", Date, "first day of the window"}, {"window_to", Date, "day after the window"},
		},
	},
}

// ruralField and gapReasonField say which rule a village of the coverage
// layers is judged by and which one it fails (coverage.VillageCoverage.GapReason).
var (
	ruralField     = Field{"rural", Boolean, "a rural village (false: an urban community, held to one visit in the window, not to one-third)"}
	gapReasonField = Field{"gap_reason", String, "the rule it fails: below_one_third or no_population (rural), no_visit (urban community); null when it meets its rule"}
)

// DefaultResolution is the H3 resolution of h3_cells when none is asked.
const DefaultResolution = 8

func coverageFields() []Field {
	return []Field{
		{"id", Integer, "village id"}, {"code", String, "village code"}, {"name", String, "village name"},
		{"town_code", String, "town code"}, {"town_name", String, "town name"},
		{"resident_population", Integer64, "resident population (常住人口)"},
		{"households", Integer64, "households registered in lianxin"},
		{"visited_households", Integer64, "households visited in the window"},
		{"visited_residents", Integer64, "residents of households visited in the window"},
		{"coverage", Real, "visited residents / resident population (empty when the population is 0)"},
		{"reached", Boolean, "meets its rule: a rural village 3 × visited residents ≥ resident population, an urban community any visit"},
		{"residents_needed", Integer64, "residents still to visit to reach one-third"},
		{"visits", Integer64, "visits in the window"},
		{"problems_collected", Integer64, "problems collected"}, {"problems_resolved", Integer64, "problems resolved"},
		{"special_unvisited", Integer64, "unvisited special-group households summed over the groups: a household in two groups counts twice (not distinct households)"},
		{"special_waiting_households", Integer64, "unvisited special-group households, each counted once (the gap report's special_waiting_households)"},
		{"last_visit_on", Date, "last day with a visit in the window"},
	}
}

// Layers returns the catalogue, stable order, aggregates included.
func Layers() []*Layer { return slices.Clone(catalogue) }

// LookupLayer returns the layer named name or an invalid-parameter error
// listing the names there are.
func LookupLayer(name string) (*Layer, error) {
	for _, l := range catalogue {
		if l.Name == name {
			return l, nil
		}
	}
	names := make([]string, len(catalogue))
	for i, l := range catalogue {
		names[i] = l.Name
	}
	return nil, lianxin.Refuse(lianxin.ENotFound, "layer", ReasonUnknownLayer, map[string]any{"value": name, "layers": names},
		"layer %q: no such layer (have %s)", name, strings.Join(names, ", "))
}
