// Package coverage holds the campaign's coverage rules and the reports built
// on them: the one-third rule, the households a village still needs, the
// priority of gaps, a team's next-village route, the forecast at the recent
// pace and the diary spot-check flags.
//
// It is a package of its own so the rules live in one place, in plain Go over
// domain types, testable without a database: the store computes the numbers
// (coverage imports nothing of the store; the store imports coverage for
// its types), the HTTP layer and the command line only format what this
// package decides.
//
// Every figure a role without household access sees goes through
// PublishVillages or PublishCells (publish.go), which apply the privacy
// package's disclosure rules in one place for reports, exports and tiles.
//
// Assumptions: days are calendar days in campaign time (UTC+8); a window is
// [From, To) in whole days; a household counts as visited in a window when
// at least one diary entry that is a contact with it (a household visit or
// an assistance delivery: SQL household_contact, migration 027) names it
// inside the window, and its residents then count towards its village. Which
// villages are in gap is decided once, by VillageCoverage.GapReason: rural
// villages by the one-third rule, urban communities by a visit.
package coverage
