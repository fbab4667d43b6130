package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/coverage"
)

// teamIDByCode resolves a team code; unknown is not found.
func teamIDByCode(ctx context.Context, tx pgx.Tx, code string) (int32, error) {
	var id int32
	err := tx.QueryRow(ctx, `SELECT id FROM teams WHERE code = $1`, code).Scan(&id)
	if err == pgx.ErrNoRows {
		return 0, coverage.RefuseTeamUnknown(code)
	}
	if err != nil {
		return 0, fmt.Errorf("find team %q: %w", code, err)
	}
	return id, nil
}

// optionalTeamID resolves a team filter: nil for "" (every team).
func optionalTeamID(ctx context.Context, tx pgx.Tx, code string) (*int32, error) {
	if code == "" {
		return nil, nil
	}
	id, err := teamIDByCode(ctx, tx, code)
	if err != nil {
		return nil, err
	}
	return &id, nil
}

// Members' diary entries over the window, in the caller's towns; a
// member-only user sees their own row alone (they read only their own
// entries and contact point, so a colleague's row would read as empty).
// The counts but the last one leave out the entries in the villages $5
// names (ids; an entry is in its own village, else its household's — looked
// up only when something is left out — and one whose village cannot be told
// is left out too). The ten-household rule's count is a standing one: the
// distinct households the member has contacted in every village from the
// campaign's first day to the window's end ($3), whatever window was asked
// (the first day as an instant, in campaign time as campaign_day reads it,
// so that visits_member_idx bounds the scan: about what the whole
// campaign's window cost before). Households count only through entries that are a
// contact with the household (household_contact, migration 027): an
// enterprise visit that names its owner's household is not a household
// contacted.
//
// The last column marks the caller's own row (a member role of the signed-in
// user, whatever their other roles): its entries are their own, counted
// with nothing left out.
const memberActivitySQL = `
WITH me AS (
  SELECT coalesce(array_agg(r.member_id), '{}'::int[]) AS ids
  FROM users u JOIN user_roles r ON r.user_id = u.id
  WHERE lower(u.username) = lower(coalesce(current_setting('lianxin.user', true), ''))
    AND NOT u.disabled AND r.role = 'member' AND r.member_id IS NOT NULL)
SELECT tm.code, tm.name, tw.code, tw.name, m.code, m.name, m.role, cp.code, cv.name,
       count(v.id) FILTER (WHERE v.shown), count(DISTINCT v.household_id) FILTER (WHERE v.shown),
       coalesce(sum(v.problems_collected) FILTER (WHERE v.shown), 0)::bigint,
       coalesce(sum(v.problems_resolved) FILTER (WHERE v.shown), 0)::bigint,
       coalesce(array_agg(((campaign_day(v.occurred_at) - $1) / 7)::int) FILTER (WHERE v.shown), '{}'),
       (SELECT count(DISTINCT s.household_id) FROM visits s
        WHERE s.member_id = m.id AND household_contact(s.kind) AND s.occurred_at < $3
          AND s.occurred_at >= (SELECT c.starts_on::timestamp AT TIME ZONE 'Asia/Shanghai' FROM campaign c WHERE c.id = 1)),
       m.id = ANY ((SELECT ids FROM me)::int[]), m.left_on
FROM members m
JOIN teams tm ON tm.id = m.team_id
JOIN towns tw ON tw.id = m.town_id
LEFT JOIN contact_points cp ON cp.member_id = m.id
LEFT JOIN villages cv ON cv.id = cp.village_id
LEFT JOIN LATERAL (
  SELECT x.id, CASE WHEN household_contact(x.kind) THEN x.household_id END AS household_id, x.problems_collected, x.problems_resolved, x.occurred_at,
         cardinality($5::int[]) = 0 OR m.id = ANY ((SELECT ids FROM me)::int[])
         OR coalesce(coalesce(x.village_id,
                              CASE WHEN x.household_id IS NULL THEN 0
                                   ELSE (SELECT h.village_id FROM households h WHERE h.id = x.household_id) END)
                     <> ALL ($5::int[]), false) AS shown
  FROM visits x WHERE x.member_id = m.id AND x.occurred_at >= $2 AND x.occurred_at < $3) v ON true
WHERE ($4::int IS NULL OR m.team_id = $4)
  AND ((SELECT lianxin_members()) = '{}' OR m.id = ANY ((SELECT lianxin_members())::int[]))
  AND (current_setting('lianxin.all_towns', true) = 'true'
       OR m.town_id = ANY (string_to_array(nullif(current_setting('lianxin.towns', true), ''), ',')::int[]))
GROUP BY tm.code, tm.name, tw.code, tw.name, m.id, m.code, m.name, m.role, cp.code, cv.name, m.left_on
ORDER BY tm.code, m.code`

// MemberActivity counts each member's diary entries, households contacted,
// problems and weekly entries over w; team is a code ("" every team). The
// entries in the villages leaveOut names (ids) are left out of every count
// but TargetHouseholds (the standing count, from the campaign's start to
// w.To), except on the caller's own row (Own).
func (s *Store) MemberActivity(ctx context.Context, scope lianxin.Scope, w coverage.Window, team string, leaveOut []int32) ([]coverage.MemberActivity, error) {
	leaveOut = idList(leaveOut)
	var out []coverage.MemberActivity
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		teamID, err := optionalTeamID(ctx, tx, team)
		if err != nil {
			return err
		}
		weeks := (w.Days() + 6) / 7
		rows, err := tx.Query(ctx, memberActivitySQL, pgDay(w.From), w.From, w.To, teamID, leaveOut)
		if err != nil {
			return fmt.Errorf("member activity: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var a coverage.MemberActivity
			var week []int32
			if err := rows.Scan(&a.Team, &a.TeamName, &a.TownCode, &a.TownName, &a.MemberCode, &a.MemberName, &a.Role, &a.ContactPoint, &a.ContactPointVillage, &a.DiaryEntries,
				&a.HouseholdsContacted.N, &a.ProblemsCollected, &a.ProblemsResolved, &week, &a.TargetHouseholds, &a.Own, &a.LeftOn); err != nil {
				return fmt.Errorf("read member activity: %w", err)
			}
			if a.LeftOn != nil {
				d := fromPgDay(*a.LeftOn)
				a.LeftOn = &d
			}
			a.WeeklyVisits = make([]int64, weeks)
			for _, k := range week {
				if int(k) >= 0 && int(k) < weeks {
					a.WeeklyVisits[k]++
				}
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}

// The sample: per team, entries ordered by a hash of the seed and the entry,
// so the same seed draws the same entries while the diary is unchanged.
// Entries in the villages $6 names (ids; its own village, else its
// household's, and left out when that cannot be told) are not drawn, and
// the household's code is given only when $7 is set.
const diarySampleSQL = `
WITH pick AS (
  SELECT v.*, tm.code AS team_code,
         row_number() OVER (PARTITION BY tm.id ORDER BY md5($1::text || ':' || v.id::text)) AS k
  FROM visits v
  JOIN members m ON m.id = v.member_id
  JOIN teams tm ON tm.id = m.team_id
  WHERE v.occurred_at >= $3 AND v.occurred_at < $4
    AND ($5::int IS NULL OR tm.id = $5)
    AND (current_setting('lianxin.all_towns', true) = 'true'
         OR v.town_id = ANY (string_to_array(nullif(current_setting('lianxin.towns', true), ''), ',')::int[]))
    AND (cardinality($6::int[]) = 0
         OR coalesce(coalesce(v.village_id,
                              CASE WHEN v.household_id IS NULL THEN 0
                                   ELSE (SELECT h.village_id FROM households h WHERE h.id = v.household_id) END)
                     <> ALL ($6::int[]), false)))
SELECT p.id, p.team_code, p.external_id, m.code, m.name, coalesce(vl.code, ''), coalesce(vl.name, ''), tw.code, tw.name,
       CASE WHEN $7::bool THEN coalesce(h.external_id, '') ELSE '' END, p.kind,
       p.occurred_at, p.recorded_at, p.location IS NOT NULL,
       CASE WHEN p.location IS NOT NULL AND h.id IS NOT NULL
            THEN ST_Distance(p.location::geography, h.location::geography) END,
       char_length(btrim(p.notes)),
       CASE WHEN p.household_id IS NULL THEN 1 ELSE
         (SELECT count(*) FROM visits d WHERE d.member_id = p.member_id AND d.household_id = p.household_id
            AND campaign_day(d.occurred_at) = campaign_day(p.occurred_at)) END
FROM pick p
JOIN members m ON m.id = p.member_id
JOIN towns tw ON tw.id = p.town_id
LEFT JOIN villages vl ON vl.id = p.village_id
LEFT JOIN households h ON h.id = p.household_id
WHERE p.k <= $2
ORDER BY p.team_code, p.k`

// DiarySample draws n entries per team (team "" for every team) from the
// window, reproducibly for a seed, with what the spot check looks at. The
// entries in the villages leaveOut names (ids) are not drawn; households
// says whether the entries name their household.
func (s *Store) DiarySample(ctx context.Context, scope lianxin.Scope, w coverage.Window, team string, n int, seed int64,
	leaveOut []int32, households bool) ([]coverage.DiaryEntry, error) {
	leaveOut = idList(leaveOut)
	var out []coverage.DiaryEntry
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		teamID, err := optionalTeamID(ctx, tx, team)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, diarySampleSQL, strconv.FormatInt(seed, 10), n, w.From, w.To, teamID, leaveOut, households)
		if err != nil {
			return fmt.Errorf("diary sample: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var e coverage.DiaryEntry
			if err := rows.Scan(&e.Entry, &e.Team, &e.VisitID, &e.MemberCode, &e.MemberName, &e.VillageCode, &e.VillageName, &e.TownCode, &e.TownName, &e.Household, &e.Kind,
				&e.OccurredAt, &e.RecordedAt, &e.HasLocation, &e.MetresFromHousehold, &e.NotesChars, &e.SameDayEntries); err != nil {
				return fmt.Errorf("read diary entry: %w", err)
			}
			e.OccurredAt, e.RecordedAt = e.OccurredAt.In(coverage.Zone), e.RecordedAt.In(coverage.Zone)
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

// idList sorts ids into a new list without repeats, never nil (an int[],
// never NULL: "<> ALL (NULL)" is never true), so equal lists compare equal.
func idList(ids []int32) []int32 {
	out := slices.Clone(ids)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []int32{}
	}
	return out
}

// The summary's numbers are county-wide aggregates for any signed-in scope
// (coverage_summary, migrations 009, 019 and 029); $3 narrows them to a town and
// $6 leaves out the entries in those villages (ids).
const summarySQL = `SELECT * FROM coverage_summary($1, $2, $3, $4, $5, $6)`

// The five full coverages' lists: towns with no entry; key enterprises,
// projects and works sites with no visit linked to them; villages (and
// petition villages) with no visit; members below ten distinct households
// ($6) and members with no contact point (one member may be in both).
// Towns, villages and projects are judged on county-wide aggregates (a
// project visited by anyone is visited, whoever asks); projects and members
// are detail rows, listed only in the caller's towns (row-level security on
// projects and members); the ten-household rule is a standing one, judged
// on every entry from the campaign's start to the window's end, as the
// members report judges it (MemberActivity). A member-only user (lianxin_members() not empty)
// reads only their own visits and contact point (migration 010), so the
// member checks list only their own row: judging colleagues on rows the
// user cannot see would call every one of them short. The
// 'members_unjudged' row tells SummaryNumbers to make both member lists
// null (not judged) for such a user: their own row alone would read as the
// town's "none left". Towns and projects
// are judged without the entries in the villages $7 names (ids), as the
// summary's diary totals are (migration 022); the member checks are the
// ten-household rule's verdict over every entry (households through
// household_contact entries only, migration 027). A member who left the
// corps before the window's last day (members.left_on + 1 < $2, the day
// after the window; coverage.LeftBefore) is judged by neither check.
//
// Towns, villages and petition villages are judged over the summary's area
// (the county, or the town asked) for every role, as the planner sees them
// (Reports.Summary drops the villages its gap report suppresses). Projects
// and members are detail rows that row-level security shows a team leader
// or a member in their own towns only: they are judged over $8 (NULL: no
// narrowing), the scope's own towns, and the 'judged' rows name those of
// them in the area (Summary.Checks.Towns), so that a list of another
// town's projects or members is never an empty list that reads "none".
const fiveCoveragesSQL = `
WITH visited AS (SELECT village_id FROM coverage_village_visits($1, $2, $3))
SELECT 'town', t.code FROM towns t
WHERE ($3::int IS NULL OR t.id = $3)
  AND t.id NOT IN (SELECT coverage_active_towns($1, $2, $7))
UNION ALL
SELECT 'project', p.code FROM projects p
WHERE p.kind IN ('key_enterprise', 'investment_project', 'key_works') AND ($3::int IS NULL OR p.town_id = $3)
  AND ($8::int[] IS NULL OR p.town_id = ANY ($8))
  AND p.id NOT IN (SELECT coverage_projects_visited($4, $5, $7))
UNION ALL
SELECT CASE WHEN vl.petition_case THEN 'petition_village' ELSE 'village' END, vl.code FROM villages vl
WHERE ($3::int IS NULL OR vl.town_id = $3)
  AND vl.id NOT IN (SELECT village_id FROM visited)
UNION ALL
SELECT 'member_no_contact', m.code FROM members m
WHERE ($3::int IS NULL OR m.town_id = $3) AND ($8::int[] IS NULL OR m.town_id = ANY ($8))
  AND (m.left_on IS NULL OR m.left_on + 1 >= $2)
  AND ((SELECT lianxin_members()) = '{}' OR m.id = ANY ((SELECT lianxin_members())::int[]))
  AND NOT EXISTS (SELECT 1 FROM contact_points cp WHERE cp.member_id = m.id)
UNION ALL
SELECT 'member_below', m.code FROM members m
WHERE ($3::int IS NULL OR m.town_id = $3) AND ($8::int[] IS NULL OR m.town_id = ANY ($8))
  AND (m.left_on IS NULL OR m.left_on + 1 >= $2)
  AND ((SELECT lianxin_members()) = '{}' OR m.id = ANY ((SELECT lianxin_members())::int[]))
  AND (SELECT count(DISTINCT v.household_id) FILTER (WHERE household_contact(v.kind)) FROM visits v
       WHERE v.member_id = m.id AND v.occurred_at < $5
         AND v.occurred_at >= (SELECT c.starts_on::timestamp AT TIME ZONE 'Asia/Shanghai' FROM campaign c WHERE c.id = 1)) < $6
UNION ALL
SELECT 'judged', t.code FROM towns t
WHERE $8::int[] IS NOT NULL AND ($3::int IS NULL OR t.id = $3) AND t.id = ANY ($8)
UNION ALL
SELECT 'members_unjudged', '' WHERE (SELECT lianxin_members()) <> '{}'
ORDER BY 1, 2`

// SummaryNumbers counts the campaign's report over w for a town code ("" the
// county): entries by kind, outcomes, distinct households visited and
// assisted, and the five full coverages' failing lists. The entries and
// households in the villages leaveOut names (ids; the villages the caller's
// gap report suppresses) are left out of every count. Village figures and
// special groups come from VillageCoverage (Reports.Summary fills them).
func (s *Store) SummaryNumbers(ctx context.Context, scope lianxin.Scope, w coverage.Window, town string, leaveOut []int32) (coverage.Summary, error) {
	sum := coverage.Summary{From: w.From.Format(coverage.DayLayout), To: w.To.Format(coverage.DayLayout), Town: town}
	leaveOut = idList(leaveOut)
	key, cacheable := summaryKeyOf(scope, w, town, leaveOut)
	var versions []int64
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		if cacheable {
			var cached coverage.Summary
			var hit bool
			var err error
			if versions, cached, hit, err = s.sums.lookup(ctx, tx, key); err != nil || hit {
				sum = cached
				return err
			}
		}
		townID, err := townIDByCode(ctx, tx, town)
		if err != nil {
			return err
		}
		from, to := pgDay(w.From), pgDay(w.To)
		err = tx.QueryRow(ctx, summarySQL, from, to, townID, w.From, w.To, leaveOut).Scan(&sum.Visits, &sum.HouseholdVisits, &sum.EnterpriseVisits,
			&sum.ProjectSiteVisits, &sum.VillageMeetings, &sum.PublicityEvents, &sum.PublicityParticipants,
			&sum.AssistanceDeliveries, &sum.OpinionsCollected, &sum.ProblemsResolved, &sum.PetitionCasesResolved,
			&sum.DisputesResolved, &sum.HouseholdsVisited, &sum.HouseholdsAssisted, &sum.EnterprisesVisited,
			&sum.HouseholdVisitEntries)
		if err != nil && err != pgx.ErrNoRows { // no row: not signed in, nothing to sum
			return fmt.Errorf("summary: %w", err)
		}
		c := &sum.Checks
		c.TownsWithoutActivity, c.ProjectsWithoutVisit, c.VillagesWithoutVisit = []string{}, []string{}, []string{}
		c.PetitionVillagesWithoutVisit, c.MembersBelowTarget, c.MembersWithoutContactPoint = []string{}, []string{}, []string{}
		var judged []int32 // nil: no narrowing (see fiveCoveragesSQL)
		if !scope.AllTowns {
			judged = append([]int32{}, scope.Towns...)
			c.Towns = []string{}
		}
		rows, err := tx.Query(ctx, fiveCoveragesSQL, from, to, townID, w.From, w.To, coverage.ContactTarget, leaveOut, judged)
		if err != nil {
			return fmt.Errorf("five coverages: %w", err)
		}
		defer rows.Close()
		membersUnjudged := false // a member-only user: see the 'members_unjudged' row
		for rows.Next() {
			var kind, code string
			if err := rows.Scan(&kind, &code); err != nil {
				return fmt.Errorf("read five coverages: %w", err)
			}
			switch kind {
			case "town":
				c.TownsWithoutActivity = append(c.TownsWithoutActivity, code)
			case "project":
				c.ProjectsWithoutVisit = append(c.ProjectsWithoutVisit, code)
			case "petition_village":
				c.PetitionVillagesWithoutVisit = append(c.PetitionVillagesWithoutVisit, code)
				c.VillagesWithoutVisit = append(c.VillagesWithoutVisit, code)
			case "village":
				c.VillagesWithoutVisit = append(c.VillagesWithoutVisit, code)
			case "member_no_contact":
				c.MembersWithoutContactPoint = append(c.MembersWithoutContactPoint, code)
			case "member_below":
				c.MembersBelowTarget = append(c.MembersBelowTarget, code)
			case "judged":
				c.Towns = append(c.Towns, code)
			case "members_unjudged":
				membersUnjudged = true
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read five coverages: %w", err)
		}
		if c.Towns != nil && len(c.Towns) == 0 {
			// None of the scope's towns in the area: its projects and
			// members are not judged (null), not "none left".
			c.ProjectsWithoutVisit, c.MembersBelowTarget, c.MembersWithoutContactPoint = nil, nil, nil
		}
		if membersUnjudged {
			// A member-only user reads their own entries and contact point
			// alone (migration 010; SECURITY.md): their teammates' verdicts
			// are not theirs to see, and their own row judged alone would
			// read "none left" for the town. Not judged (null).
			c.MembersBelowTarget, c.MembersWithoutContactPoint = nil, nil
		}
		if cacheable {
			s.sums.put(versions, key, sum)
		}
		return nil
	})
	return sum, err
}

// VillageWeeklyVisits counts a village's entries per week of w (week 1
// starts on w.From); an unknown village is not found.
func (s *Store) VillageWeeklyVisits(ctx context.Context, scope lianxin.Scope, code string, w coverage.Window) ([]coverage.WeekCount, error) {
	var out []coverage.WeekCount
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		var id int32
		if err := tx.QueryRow(ctx, `SELECT id FROM villages WHERE code = $1`, code).Scan(&id); err != nil {
			if err == pgx.ErrNoRows {
				return coverage.RefuseVillageUnknown(code)
			}
			return fmt.Errorf("find village: %w", err)
		}
		weeks := (w.Days() + 6) / 7
		out = make([]coverage.WeekCount, weeks)
		for i := range out {
			out[i].WeekStart = w.From.AddDate(0, 0, 7*i).Format(coverage.DayLayout)
		}
		rows, err := tx.Query(ctx, `SELECT * FROM coverage_village_weeks($1, $2, $3)`, id, pgDay(w.From), pgDay(w.To))
		if err != nil {
			return fmt.Errorf("weekly visits: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k int
			var c coverage.WeekCount
			if err := rows.Scan(&k, &c.Visits, &c.ProblemsCollected, &c.ProblemsResolved); err != nil {
				return fmt.Errorf("read weekly visits: %w", err)
			}
			if k >= 0 && k < weeks {
				c.WeekStart = out[k].WeekStart
				out[k] = c
			}
		}
		return rows.Err()
	})
	return out, err
}

// SaveSnapshot stores a frozen report with the current layer versions and
// returns it (with its id).
func (s *Store) SaveSnapshot(ctx context.Context, scope lianxin.Scope, snap coverage.Snapshot) (coverage.Snapshot, error) {
	err := s.InScope(ctx, scope, func(tx pgx.Tx) error {
		townID, err := townIDByCode(ctx, tx, snap.Town)
		if err != nil {
			return err
		}
		// Row-level security would refuse the row (a snapshot is kept with
		// its town's rows): say why instead of failing the insert.
		if !scope.AllTowns && (townID == nil || !scope.SeesTown(*townID)) {
			place := "the whole county"
			if townID != nil {
				place = "town " + snap.Town
			}
			return lianxin.Errorf(lianxin.EForbidden, "town: a snapshot of %s is kept with its rows, which your role cannot write; take one of your own towns", place)
		}
		gaps, err := json.Marshal(snap.Gaps)
		if err != nil {
			return fmt.Errorf("encode gaps: %w", err)
		}
		sum, err := json.Marshal(snap.Summary)
		if err != nil {
			return fmt.Errorf("encode summary: %w", err)
		}
		return tx.QueryRow(ctx, `
INSERT INTO coverage_snapshots (as_of, window_from, town_id, created_by, versions, gaps, summary)
VALUES ($1, $2, $3, $4, (SELECT coalesce(jsonb_object_agg(layer, version), '{}') FROM layer_versions
                         WHERE layer IN ('households', 'visits', 'villages')), $5, $6)
RETURNING id, created_at, created_by, versions`, pgDay(snap.AsOf), pgDay(snap.From), townID, scope.User, gaps, sum).
			Scan(&snap.ID, &snap.CreatedAt, &snap.CreatedBy, &snap.Versions)
	})
	return snap, err
}

const snapshotColumns = `s.id, s.as_of, s.window_from, coalesce(t.code, ''), s.created_at, s.created_by, s.versions`

// Snapshot reads one snapshot with its report; unknown id is not found.
func (s *Store) Snapshot(ctx context.Context, scope lianxin.Scope, id int64) (coverage.Snapshot, error) {
	var snap coverage.Snapshot
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		var gaps, sum []byte
		err := tx.QueryRow(ctx, `SELECT `+snapshotColumns+`, s.gaps, s.summary
FROM coverage_snapshots s LEFT JOIN towns t ON t.id = s.town_id WHERE s.id = $1`, id).
			Scan(&snap.ID, &snap.AsOf, &snap.From, &snap.Town, &snap.CreatedAt, &snap.CreatedBy, &snap.Versions, &gaps, &sum)
		if err == pgx.ErrNoRows {
			return lianxin.Errorf(lianxin.ENotFound, "snapshot %d not found", id)
		}
		if err != nil {
			return fmt.Errorf("read snapshot: %w", err)
		}
		snap.AsOf, snap.From = fromPgDay(snap.AsOf), fromPgDay(snap.From)
		if err := json.Unmarshal(gaps, &snap.Gaps); err != nil {
			return fmt.Errorf("decode snapshot gaps: %w", err)
		}
		if err := json.Unmarshal(sum, &snap.Summary); err != nil {
			return fmt.Errorf("decode snapshot summary: %w", err)
		}
		return nil
	})
	return snap, err
}

// Snapshots lists snapshots without their reports, newest first.
func (s *Store) Snapshots(ctx context.Context, scope lianxin.Scope) ([]coverage.Snapshot, error) {
	out := []coverage.Snapshot{}
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+snapshotColumns+`
FROM coverage_snapshots s LEFT JOIN towns t ON t.id = s.town_id ORDER BY s.id DESC`)
		if err != nil {
			return fmt.Errorf("list snapshots: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var snap coverage.Snapshot
			if err := rows.Scan(&snap.ID, &snap.AsOf, &snap.From, &snap.Town, &snap.CreatedAt, &snap.CreatedBy, &snap.Versions); err != nil {
				return fmt.Errorf("read snapshot: %w", err)
			}
			snap.AsOf, snap.From = fromPgDay(snap.AsOf), fromPgDay(snap.From)
			out = append(out, snap)
		}
		return rows.Err()
	})
	return out, err
}
