package spotcheck

import (
	"context"
	"slices"

	"lianxin"
	"lianxin/coverage"
	"lianxin/privacy"
)

// The audit log's actions of the spot check.
const (
	ActionRecord   = "spotcheck_record"   // a result recorded
	ActionCorrect  = "spotcheck_correct"  // a result corrected in its round (detail: before and after)
	ActionWithdraw = "spotcheck_withdraw" // a result withdrawn in its round (detail: what it said)
)

// Store is what the spot check reads and writes; *store.Store implements it.
type Store interface {
	coverage.VillageSource
	// SpotCheckEntryTeam is the team code of the entry's writer, as the
	// caller may see the entry (another town's answers RefuseEntryUnknown).
	SpotCheckEntryTeam(ctx context.Context, scope lianxin.Scope, entry int64) (string, error)
	// RecordSpotCheck inserts r in the current round with its audit line,
	// in one transaction; a second result for the entry in the round is
	// RefuseResultExists.
	RecordSpotCheck(ctx context.Context, scope lianxin.Scope, r Request, ip string) (Result, error)
	// CorrectSpotCheck replaces result id's finding with c and writes the
	// audit line, in one transaction; WithdrawSpotCheck's refusals apply.
	CorrectSpotCheck(ctx context.Context, scope lianxin.Scope, id int64, c Correction, ip string) (Result, error)
	// WithdrawSpotCheck deletes result id and writes the audit line, in one
	// transaction, answering the result as it was. Both refuse a result the
	// caller cannot see (RefuseResultUnknown), one of a round that is over
	// (RefuseRoundClosed) and another checker's for a caller who is not an
	// admin (RefuseNotYours).
	WithdrawSpotCheck(ctx context.Context, scope lianxin.Scope, id int64, ip string) (Result, error)
	// SpotCheckResults is a page of results (newest first) and how many
	// the filter holds in all; households says whether visit ids are given.
	SpotCheckResults(ctx context.Context, scope lianxin.Scope, f Filter, w coverage.Window, leaveOut []int32, households bool) ([]Result, int64, error)
	// SpotCheckTallies counts, per member, the latest result of each entry
	// checked within w (team "" every team the caller sees).
	SpotCheckTallies(ctx context.Context, scope lianxin.Scope, w coverage.Window, team string) ([]Tally, error)
}

// Service records results and builds the list and the ranking.
type Service struct {
	st      Store
	reports *coverage.Reports
}

// NewService returns the spot check over st; reports draws the sample and
// the members report (over the same store).
func NewService(st Store, reports *coverage.Reports) *Service {
	return &Service{st: st, reports: reports}
}

// Record records a checker's result for an entry of their sample: the
// entry must be one the caller sees, and one their own sample for the
// seed and window asked draws (among the first MaxSampleN of its team).
func (s *Service) Record(ctx context.Context, scope lianxin.Scope, r Request, ip string) (Result, error) {
	if err := MayRecord(scope); err != nil {
		return Result{}, err
	}
	if err := r.check(); err != nil {
		return Result{}, err
	}
	var q coverage.DiaryQuery
	var err error
	if r.From != "" {
		if q.From, err = coverage.ParseDay("from", r.From); err != nil {
			return Result{}, err
		}
	}
	if r.To != "" {
		if q.To, err = coverage.ParseDay("to", r.To); err != nil {
			return Result{}, err
		}
	}
	if q.Team, err = s.st.SpotCheckEntryTeam(ctx, scope, r.Entry); err != nil {
		return Result{}, err
	}
	q.N, q.Seed = MaxSampleN, r.Seed
	drawn, _, err := s.reports.DiarySample(ctx, scope, q)
	if err != nil {
		return Result{}, err
	}
	if !slices.ContainsFunc(drawn, func(e coverage.DiaryEntry) bool { return e.Entry == r.Entry }) {
		return Result{}, lianxin.Refuse(lianxin.EInvalid, "entry", ReasonNotSampled, map[string]any{"entry": r.Entry, "seed": r.Seed},
			"entry %d is not in your sample for seed %d and that window", r.Entry, r.Seed)
	}
	res, err := s.st.RecordSpotCheck(ctx, scope, r, ip)
	if err != nil {
		return Result{}, err
	}
	return shown(scope, res), nil
}

// Correct puts right a result of the current round: the checker who
// recorded it, or an admin, replaces its verdict, score and note.
func (s *Service) Correct(ctx context.Context, scope lianxin.Scope, id int64, c Correction, ip string) (Result, error) {
	if err := MayRecord(scope); err != nil {
		return Result{}, err
	}
	if err := c.check(); err != nil {
		return Result{}, err
	}
	res, err := s.st.CorrectSpotCheck(ctx, scope, id, c, ip)
	if err != nil {
		return Result{}, err
	}
	return shown(scope, res), nil
}

// Withdraw takes back a result of the current round (the checker who
// recorded it, or an admin): the entry may then be recorded again in the
// round. It answers the result as it was.
func (s *Service) Withdraw(ctx context.Context, scope lianxin.Scope, id int64, ip string) (Result, error) {
	if err := MayRecord(scope); err != nil {
		return Result{}, err
	}
	res, err := s.st.WithdrawSpotCheck(ctx, scope, id, ip)
	if err != nil {
		return Result{}, err
	}
	return shown(scope, res), nil
}

// shown is res as scope may read it: no entry's own id for a role
// without household access, as in the sample.
func shown(scope lianxin.Scope, res Result) Result {
	if privacy.Applies(scope) {
		res.VisitID = ""
	}
	return res
}

// Filter narrows the list of results.
type Filter struct {
	Team  string
	Round int // 0 every round
	// CurrentRound narrows to the round the server's clock is in (Round
	// is then ignored).
	CurrentRound bool
	Verdict      string // "" every verdict
	Limit        int
	Offset       int
}

// Page is a page of results.
type Page struct {
	From   string   `json:"from"`
	To     string   `json:"to"`
	Total  int64    `json:"total"`
	Limit  int      `json:"limit"`
	Offset int      `json:"offset"`
	Rows   []Result `json:"rows"`
}

// DefaultLimit and MaxLimit bound a page of results.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// List is a page of the results recorded within q's window (the days they
// were recorded on). A role without household access reads no result of
// an entry in a village its gap report suppresses, and no entry's own id,
// as the sample shows neither.
func (s *Service) List(ctx context.Context, scope lianxin.Scope, q coverage.Query, f Filter) (Page, error) {
	if err := MayRecord(scope); err != nil {
		return Page{}, err
	}
	if f.Verdict != "" && !validVerdict(f.Verdict) {
		return Page{}, lianxin.Refuse(lianxin.EInvalid, "verdict", ReasonVerdictUnknown, map[string]any{"value": f.Verdict, "allowed": Verdicts},
			"verdict: %q is not one of %s", f.Verdict, Verdicts)
	}
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	f.Team = q.Team
	w, err := s.reports.Window(ctx, scope, q)
	if err != nil {
		return Page{}, err
	}
	households := !privacy.Applies(scope)
	var leaveOut []int32
	if !households {
		pub, err := coverage.PublishVillages(ctx, s.st, scope, w, coverage.Filter{})
		if err != nil {
			return Page{}, err
		}
		leaveOut = pub.SuppressedIDs()
	}
	rows, total, err := s.st.SpotCheckResults(ctx, scope, f, w, leaveOut, households)
	if err != nil {
		return Page{}, err
	}
	if rows == nil {
		rows = []Result{}
	}
	return Page{From: w.From.Format(coverage.DayLayout), To: w.To.Format(coverage.DayLayout), Total: total,
		Limit: f.Limit, Offset: f.Offset, Rows: rows}, nil
}

// Ranking ranks the teams the caller sees (and, with q.Team, that team's
// members) by the results recorded within q's window, beside the
// ten-household rule's attendance figure (the members report's).
func (s *Service) Ranking(ctx context.Context, scope lianxin.Scope, q coverage.Query) (Ranking, error) {
	if err := MayRank(scope); err != nil {
		return Ranking{}, err
	}
	w, err := s.reports.Window(ctx, scope, q)
	if err != nil {
		return Ranking{}, err
	}
	// The members report resolves and refuses the team (team_unknown) and
	// gives the attendance; its window may be widened to whole weeks for a
	// role without household access, which changes nothing of the rule's
	// standing count but its end.
	members, _, err := s.reports.Members(ctx, scope, coverage.Query{Team: q.Team, From: q.From, To: q.To})
	if err != nil {
		return Ranking{}, err
	}
	tallies, err := s.st.SpotCheckTallies(ctx, scope, w, q.Team)
	if err != nil {
		return Ranking{}, err
	}
	out := BuildRanking(tallies, members, q.Team != "")
	out.From, out.To, out.Team = w.From.Format(coverage.DayLayout), w.To.Format(coverage.DayLayout), q.Team
	return out, nil
}
