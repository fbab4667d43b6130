package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"lianxin/geo"
	"lianxin/store"
)

// Stats says what a load wrote and how long it took.
type Stats struct {
	Rows      map[string]int64
	TotalRows int64
	Generate  time.Duration
	Load      time.Duration
}

// RowsPerSecond is the load's throughput over every table.
func (s Stats) RowsPerSecond() float64 {
	return float64(s.TotalRows) / s.Load.Seconds()
}

// Write loads the county into an empty database in one transaction through
// the bulk path the importers share (binary COPY).
func Write(ctx context.Context, st *store.Store, c *County) (Stats, error) {
	stats := Stats{Rows: map[string]int64{}, Generate: c.GeneratedIn}
	start := time.Now()
	err := st.Load(ctx, func(ctx context.Context, l *store.Loader) error {
		if err := l.Exec(ctx, `INSERT INTO campaign (name, starts_on, ends_on, synthetic) VALUES ($1, $2, $3, true)`,
			"群众工作团“三解三促”示范县（合成数据）", CampaignStart, CampaignEnd); err != nil {
			return err
		}
		for _, t := range c.tables() {
			n, err := l.Copy(ctx, t.name, t.columns, t.n, t.row)
			if err != nil {
				return err
			}
			stats.Rows[t.name] = n
			stats.TotalRows += n
		}
		// A town is exactly the union of its villages, so every village lies
		// inside its town despite the rounding of separate clips.
		if err := l.Exec(ctx, townFromVillagesSQL); err != nil {
			return err
		}
		return l.SyncSequences(ctx, "towns", "villages", "teams", "members", "households",
			"contact_points", "projects", "river_works", "visits")
	})
	if err != nil {
		return stats, fmt.Errorf("load demo county: %w", err)
	}
	stats.Load = time.Since(start)
	return stats, nil
}

const townFromVillagesSQL = `
UPDATE towns t SET boundary = u.boundary
FROM (SELECT town_id, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(boundary)), 3)) AS boundary
      FROM villages GROUP BY town_id) u
WHERE u.town_id = t.id`

type table struct {
	name    string
	columns []string
	n       int
	row     store.RowFunc
}

func cellOf(p orb.Point) (int64, error) { return geo.CellIDOf(p, geo.FineResolution) }

func nullable[T comparable](v T) any {
	var zero T
	if v == zero {
		return nil
	}
	return v
}

func (c *County) tables() []table {
	return []table{
		{"towns", []string{"id", "code", "name", "kind", "boundary"}, len(c.Towns), func(i int) ([]any, error) {
			t := c.Towns[i]
			return []any{t.ID, t.Code, t.Name, t.Kind, t.Boundary}, nil
		}},
		{"villages", []string{"id", "code", "name", "town_id", "kind", "boundary", "resident_population",
			"registered_households", "rural", "petition_case"}, len(c.Villages), func(i int) ([]any, error) {
			v := c.Villages[i]
			return []any{v.ID, v.Code, v.Name, v.TownID, v.Kind, v.Boundary, int32(v.Population),
				int32(v.Registered), v.Rural, v.Petition}, nil
		}},
		{"teams", []string{"id", "code", "name", "town_id", "base"}, len(c.Teams), func(i int) ([]any, error) {
			t := c.Teams[i]
			return []any{t.ID, t.Code, t.Name, t.TownID, t.Base}, nil
		}},
		{"members", []string{"id", "code", "name", "team_id", "town_id", "role"}, len(c.Members), func(i int) ([]any, error) {
			m := c.Members[i]
			return []any{m.ID, m.Code, m.Name, m.TeamID, m.TownID, m.Role}, nil
		}},
		{"households", []string{"id", "external_id", "village_id", "town_id", "location", "cell", "residents",
			"poor", "seriously_ill", "disabled", "empty_nest", "left_behind_children", "community_correction",
			"petition_case"}, len(c.Households), func(i int) ([]any, error) {
			h := &c.Households[i]
			cell, err := cellOf(h.Location)
			if err != nil {
				return nil, err
			}
			f := h.Flags
			return []any{h.ID, h.ExternalID, h.VillageID, h.TownID, h.Location, cell, int32(h.Residents),
				f[0], f[1], f[2], f[3], f[4], f[5], f[6]}, nil
		}},
		{"household_personal", []string{"household_id", "town_id", "head_name", "phone", "id_number"}, len(c.Households), func(i int) ([]any, error) {
			h := &c.Households[i]
			return []any{h.ID, h.TownID, h.HeadName, h.Phone, h.IDNumber}, nil
		}},
		{"contact_points", []string{"id", "code", "member_id", "village_id", "town_id", "location", "cell",
			"established_on", "cards_issued"}, len(c.Contacts), func(i int) ([]any, error) {
			p := c.Contacts[i]
			cell, err := cellOf(p.Location)
			if err != nil {
				return nil, err
			}
			return []any{p.ID, p.Code, p.MemberID, p.VillageID, p.TownID, p.Location, cell, p.EstablishedOn, int32(p.CardsIssued)}, nil
		}},
		{"projects", []string{"id", "code", "name", "kind", "status", "town_id", "village_id", "geom", "cell",
			"investment_yuan", "dispute"}, len(c.Projects), func(i int) ([]any, error) {
			p := c.Projects[i]
			cell, err := cellOf(representative(p.Geom))
			if err != nil {
				return nil, err
			}
			return []any{p.ID, p.Code, p.Name, p.Kind, p.Status, p.TownID, nullable(p.VillageID), p.Geom, cell, p.InvestmentYuan, p.Dispute}, nil
		}},
		{"river_works", []string{"id", "code", "name", "kind", "status", "town_id", "geom", "completed_on"}, len(c.Works), func(i int) ([]any, error) {
			w := c.Works[i]
			return []any{w.ID, w.Code, w.Name, w.Kind, w.Status, w.TownID, w.Geom, w.CompletedOn}, nil
		}},
		{"visits", []string{"id", "external_id", "member_id", "household_id", "village_id", "project_id", "town_id",
			"occurred_at", "recorded_at", "location", "cell", "kind", "participants", "notes",
			"problems_collected", "problems_resolved", "petition_resolved", "dispute_resolved"}, len(c.Visits), func(i int) ([]any, error) {
			v := &c.Visits[i]
			var loc, cell any
			if v.HasLocation {
				id, err := cellOf(v.Location)
				if err != nil {
					return nil, err
				}
				loc, cell = v.Location, id
			}
			return []any{v.ID, v.ExternalID, v.MemberID, nullable(v.HouseholdID), nullable(v.VillageID), nullable(v.ProjectID),
				v.TownID, v.OccurredAt, v.RecordedAt, loc, cell, v.Kind, int32(v.Participants), v.Notes,
				int32(v.ProblemsCollected), int32(v.ProblemsResolved), v.PetitionResolved, v.DisputeResolved}, nil
		}},
	}
}
