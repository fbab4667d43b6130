package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"lianxin/store/storetest"
)

const fixtureSQL = `
INSERT INTO towns (id, code, name, boundary) VALUES
  (1, 'T1', '甲镇', ST_Multi(ST_MakeEnvelope(120.0, 32.0, 120.1, 32.1, 4326)));
INSERT INTO villages (id, code, name, town_id, kind, boundary, resident_population, registered_households) VALUES
  (1, 'V1', '甲村', 1, 'village', ST_Multi(ST_MakeEnvelope(120.0, 32.0, 120.05, 32.05, 4326)), 10, 3);
INSERT INTO teams (id, code, name, town_id, base) VALUES (1, 'D1', '甲队', 1, ST_SetSRID(ST_MakePoint(120.01, 32.01), 4326));
INSERT INTO members (id, code, name, team_id, town_id, role) VALUES (1, 'M1', '张三', 1, 1, 'cadre');
INSERT INTO households (id, external_id, village_id, town_id, location, cell, residents)
  VALUES (1, 'H1', 1, 1, ST_SetSRID(ST_MakePoint(120.01, 32.01), 4326), 0, 3);`

// Each bad row must be refused by the schema itself, whatever writes it.
func TestConstraintsRejectBadRows(t *testing.T) {
	ctx := context.Background()
	_, dbURL := storetest.New(t)
	if _, err := exec(ctx, dbURL, fixtureSQL); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	cases := []struct {
		name, sql, wantCode string
	}{
		{"household with no residents", `INSERT INTO households (external_id, village_id, town_id, location, cell, residents)
			VALUES ('H2', 1, 1, ST_SetSRID(ST_MakePoint(120.01, 32.01), 4326), 0, 0)`, "23514"},
		{"household outside lon range", `INSERT INTO households (external_id, village_id, town_id, location, cell, residents)
			VALUES ('H3', 1, 1, ST_SetSRID(ST_MakePoint(200, 32.01), 4326), 0, 1)`, "23514"},
		{"household in unknown village", `INSERT INTO households (external_id, village_id, town_id, location, cell, residents)
			VALUES ('H4', 99, 1, ST_SetSRID(ST_MakePoint(120.01, 32.01), 4326), 0, 1)`, "23503"},
		{"duplicate household id", `INSERT INTO households (external_id, village_id, town_id, location, cell, residents)
			VALUES ('H1', 1, 1, ST_SetSRID(ST_MakePoint(120.01, 32.01), 4326), 0, 1)`, "23505"},
		{"self-intersecting village", `INSERT INTO villages (code, name, town_id, kind, boundary, resident_population, registered_households)
			VALUES ('V2', '乙村', 1, 'village', ST_Multi(ST_GeomFromText('POLYGON((120 32,120.01 32.01,120.01 32,120 32.01,120 32))', 4326)), 1, 1)`, "23514"},
		{"village with negative population", `INSERT INTO villages (code, name, town_id, kind, boundary, resident_population, registered_households)
			VALUES ('V3', '丙村', 1, 'village', ST_Multi(ST_MakeEnvelope(120.05, 32.0, 120.1, 32.05, 4326)), -1, 0)`, "23514"},
		{"village of unknown kind", `INSERT INTO villages (code, name, town_id, kind, boundary, resident_population, registered_households)
			VALUES ('V4', '丁村', 1, 'hamlet', ST_Multi(ST_MakeEnvelope(120.05, 32.0, 120.1, 32.05, 4326)), 1, 1)`, "23514"},
		{"village with point boundary", `INSERT INTO villages (code, name, town_id, kind, boundary, resident_population, registered_households)
			VALUES ('V5', '戊村', 1, 'village', ST_SetSRID(ST_MakePoint(120.05, 32.0), 4326), 1, 1)`, "22023"},
		{"member of unknown role", `INSERT INTO members (code, name, team_id, town_id, role) VALUES ('M2', '李四', 1, 1, 'mayor')`, "23514"},
		{"second team in a town", `INSERT INTO teams (code, name, town_id, base) VALUES ('D2', '乙队', 1, ST_SetSRID(ST_MakePoint(120.01, 32.01), 4326))`, "23505"},
		{"visit of unknown kind", `INSERT INTO visits (external_id, member_id, town_id, occurred_at, kind) VALUES ('X1', 1, 1, now(), 'party')`, "23514"},
		{"visit with negative problems", `INSERT INTO visits (external_id, member_id, town_id, occurred_at, kind, problems_collected)
			VALUES ('X2', 1, 1, now(), 'household_visit', -1)`, "23514"},
		{"visit with location but no cell", `INSERT INTO visits (external_id, member_id, town_id, occurred_at, kind, location)
			VALUES ('X3', 1, 1, now(), 'household_visit', ST_SetSRID(ST_MakePoint(120.01, 32.01), 4326))`, "23514"},
		{"deleting a village that has households", `DELETE FROM villages WHERE id = 1`, "23503"},
		{"deleting a household that has a personal row", `INSERT INTO household_personal (household_id, town_id, head_name) VALUES (1, 1, '王五');
			DELETE FROM households WHERE id = 1`, "23503"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := exec(ctx, dbURL, tc.sql)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) {
				t.Fatalf("%s: error = %v, want PostgreSQL error %s", tc.name, err, tc.wantCode)
			}
			if pgErr.Code != tc.wantCode {
				t.Fatalf("%s: SQLSTATE %s (%s), want %s", tc.name, pgErr.Code, pgErr.Message, tc.wantCode)
			}
		})
	}
}

// Every write bumps its layer's version, which is what keeps caches fresh.
func TestWritesBumpLayerVersion(t *testing.T) {
	ctx := context.Background()
	_, dbURL := storetest.New(t)
	var before, after int64
	if err := queryRow(ctx, dbURL, `SELECT version FROM layer_versions WHERE layer = 'households'`, nil, &before); err != nil {
		t.Fatal(err)
	}
	if _, err := exec(ctx, dbURL, fixtureSQL); err != nil {
		t.Fatal(err)
	}
	if err := queryRow(ctx, dbURL, `SELECT version FROM layer_versions WHERE layer = 'households'`, nil, &after); err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Fatalf("households version %d after insert, was %d: want it to grow", after, before)
	}
}
