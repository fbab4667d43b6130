package store

import (
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"lianxin/ingest"
)

// A column absent from a file leaves the stored value alone (README,
// "Importing your data"): next week's diary with only 日记编号, 队员代码,
// 户编号 and 走访时间 erases no notes or counts, a register without 贫困户
// clears no flag, a contact point sheet without 联系卡数 zeroes no cards.
//
// It is done before the checks, by filling the staging table's columns the
// file did not carry with the stored row's values (keepStoredSQL): the
// upsert then writes back what was there, and its "unchanged" comparison
// sees the same value, so the upserts of ingest_sql.go need no variant per
// set of columns. New rows keep NULL there, which the upserts turn into
// the column's default as before. A column the file has but a cell left
// empty still means empty (a present 户主 column with a blank cell clears
// the name).

// keptColumn is a staging field filled from the stored row when the file
// lacks it.
type keptColumn struct {
	field  string // staging column (an ingest field name, or geom/cell)
	stored string // the stored value, over the target row t and keepSpec's joins
	// carriedBy, when the file carries it, means the field is not filled:
	// its value derives from that one (a visit's village from its household).
	carriedBy string
	// onlyWhere limits the filling to staging rows matching it (over s).
	onlyWhere string
	// personal fields are filled only for files with personal columns (the
	// only ones that write household_personal).
	personal bool
}

// keepSpec is a layer's stored rows as the staging table names them.
type keepSpec struct {
	key  string // staging key field
	from string // the stored rows, t, with their joins; keyed by "t_key"
	cols []keptColumn
}

// keepSpecs lists, per layer, the optional fields a file may leave out.
// Required fields are always carried (a file without them is refused).
// Every identifier here is a constant: nothing comes from the file.
var keepSpecs = map[string]keepSpec{
	"towns": {key: "code", from: `SELECT t.code AS t_key, t.kind AS kind FROM towns t`,
		cols: []keptColumn{{field: "kind"}}},
	"villages": {key: "code", from: `SELECT t.code AS t_key, t.rural AS rural, t.petition_case AS petition_case FROM villages t`,
		cols: []keptColumn{{field: "rural"}, {field: "petition_case"}}},
	"members": {key: "code", from: `SELECT t.code AS t_key, t.left_on AS left_on FROM members t`,
		cols: []keptColumn{{field: "left_on"}}},
	"households": {key: "external_id", from: `SELECT t.external_id AS t_key, t.poor AS poor, t.seriously_ill AS seriously_ill,
  t.disabled AS disabled, t.empty_nest AS empty_nest, t.left_behind_children AS left_behind_children,
  t.community_correction AS community_correction, t.petition_case AS petition_case,
  p.head_name AS head_name, p.phone AS phone, p.id_number AS id_number, t.location AS geom, t.cell AS cell
FROM households t LEFT JOIN household_personal p ON p.household_id = t.id`,
		cols: []keptColumn{{field: "poor"}, {field: "seriously_ill"}, {field: "disabled"}, {field: "empty_nest"},
			{field: "left_behind_children"}, {field: "community_correction"}, {field: "petition_case"},
			{field: "head_name", personal: true}, {field: "phone", personal: true}, {field: "id_number", personal: true},
			// A file without lon/lat (ingest.Layer.GeomKeptOnUpdate) keeps
			// the stored point and its cell, already in WGS84: the checks
			// after this (outside_village) judge the stored point, and no
			// datum conversion touches it. A new household stays without
			// one and is refused (householdNeedsPointCheck).
			{field: "geom"}, {field: "cell"}}},
	"contact_points": {key: "code", from: `SELECT t.code AS t_key, t.cards_issued AS cards_issued FROM contact_points t`,
		cols: []keptColumn{{field: "cards_issued"}}},
	"visits": {key: "external_id", from: `SELECT t.external_id AS t_key, h.external_id AS household_id, v.code AS village_code,
  p.code AS project_code, t.participants AS participants, t.notes AS notes, t.problems_collected AS problems_collected,
  t.problems_resolved AS problems_resolved, t.petition_resolved AS petition_resolved, t.dispute_resolved AS dispute_resolved,
  t.location AS geom, t.cell AS cell
FROM visits t LEFT JOIN households h ON h.id = t.household_id LEFT JOIN villages v ON v.id = t.village_id
LEFT JOIN projects p ON p.id = t.project_id`,
		cols: []keptColumn{{field: "household_id"},
			// A row naming a household takes its village from it (as the
			// upsert does); one without keeps the stored village. (s is
			// the row before this update: a household filled in the same
			// statement counts as none, and the stored village goes with it.)
			{field: "village_code", onlyWhere: "s.household_id IS NULL"},
			{field: "project_code"}, {field: "participants"}, {field: "notes"}, {field: "problems_collected"},
			{field: "problems_resolved"}, {field: "petition_resolved"}, {field: "dispute_resolved"},
			{field: "geom", carriedBy: ingest.FieldGeometry}, {field: "cell", carriedBy: ingest.FieldGeometry}}},
	"projects": {key: "code", from: `SELECT t.code AS t_key, t.status AS status, t.investment_yuan AS investment_yuan,
  t.dispute AS dispute, v.code AS village_code, tw.code AS town_code
FROM projects t LEFT JOIN villages v ON v.id = t.village_id JOIN towns tw ON tw.id = t.town_id`,
		cols: []keptColumn{{field: "status"}, {field: "investment_yuan"}, {field: "dispute"}, {field: "village_code"},
			// The town follows a village the file names.
			{field: "town_code", carriedBy: "village_code"}}},
	"river_works": {key: "code", from: `SELECT t.code AS t_key, t.status AS status, t.completed_on AS completed_on, tw.code AS town_code
FROM river_works t JOIN towns tw ON tw.id = t.town_id`,
		cols: []keptColumn{{field: "status"}, {field: "completed_on"}, {field: "town_code"}}},
}

// keepStoredSQL is the UPDATE of the staging table that fills the fields
// of layer the file does not carry (carried, as ingest.Rows.Carried names
// them; nil is every field) from the stored rows of the same key, or ""
// when there is nothing to fill. personal says the file has personal
// columns.
func keepStoredSQL(layer string, carried []string, personal bool) string {
	spec, ok := keepSpecs[layer]
	if !ok || carried == nil {
		return ""
	}
	var sets []string
	for _, c := range spec.cols {
		switch {
		case c.personal && !personal:
			continue
		case c.carriedBy != "" && slices.Contains(carried, c.carriedBy):
			continue
		}
		carriedName := c.field
		if c.field == "geom" || c.field == "cell" {
			carriedName = ingest.FieldGeometry
		}
		if c.carriedBy == "" && slices.Contains(carried, carriedName) {
			continue
		}
		f := pgx.Identifier{c.field}.Sanitize()
		if c.onlyWhere != "" {
			sets = append(sets, fmt.Sprintf("%s = CASE WHEN %s THEN k.%s ELSE s.%s END", f, c.onlyWhere, f, f))
			continue
		}
		sets = append(sets, fmt.Sprintf("%s = k.%s", f, f))
	}
	if len(sets) == 0 {
		return ""
	}
	return fmt.Sprintf("UPDATE %s s SET %s\nFROM (%s) k\nWHERE k.t_key = s.%s", stagingTable, strings.Join(sets, ", "),
		spec.from, pgx.Identifier{spec.key}.Sanitize())
}
