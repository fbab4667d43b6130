package coverage

import (
	"context"

	"lianxin"
)

// Works are the livelihood works and projects of the register in the
// summary's area: what the campaign reports as kilometres of roads built,
// bridges, refuse stations, rivers dredged and projects landed. They are
// the register's state today (river_works, projects), not the window's
// activity: projects carry no dates. Roads and rivers carry the day they
// were finished (completed_on), so those finished within the window are
// counted beside.
//
// "Built" and "dredged" count finished works only (status completed); works
// under way, planned or suspended are counted apart. A project has "landed"
// once it is under way or completed (项目落地: signed and started), and its
// investment_yuan counts as landed then.
type Works struct {
	// Towns names the towns counted, as FiveCoverages.Towns: nil for every
	// town of the area; a team leader or member reads the works and
	// projects of their own towns only (row-level security), so theirs.
	Towns         []string  `json:"towns"`
	Roads         LineWorks `json:"roads"`
	RiversDredged LineWorks `json:"rivers_dredged"`
	// Projects has one entry per kind of ProjectKinds, in that order.
	Projects             []ProjectTotals `json:"projects"`
	ProjectsLanded       int64           `json:"projects_landed"`
	InvestmentYuanLanded int64           `json:"investment_yuan_landed"`
}

// LineWorks counts the river_works of one kind (a road, a river dredged) by
// status, with the length of the finished ones in metres (rounded once
// summed).
type LineWorks struct {
	Completed       int64 `json:"completed"`
	CompletedMetres int64 `json:"completed_metres"`
	// CompletedInWindow: finished on a day of the window (completed_on);
	// one finished without a day counts in Completed alone.
	CompletedInWindow       int64 `json:"completed_in_window"`
	CompletedInWindowMetres int64 `json:"completed_in_window_metres"`
	UnderWay                int64 `json:"under_way"`
	Planned                 int64 `json:"planned"`
	Suspended               int64 `json:"suspended"`
}

// ProjectTotals counts the projects of one kind by status, with their
// investment (yuan): every status's, and that of those landed.
type ProjectTotals struct {
	Kind                 string `json:"kind"`
	Completed            int64  `json:"completed"`
	UnderWay             int64  `json:"under_way"`
	Planned              int64  `json:"planned"`
	Suspended            int64  `json:"suspended"`
	InvestmentYuan       int64  `json:"investment_yuan"`
	InvestmentYuanLanded int64  `json:"investment_yuan_landed"`
}

// Project kinds (projects.kind, migration 002) in the order reports list them.
const (
	ProjectBridge                = "bridge"
	ProjectRefuseStation         = "refuse_station"
	ProjectKeyEnterprise         = "key_enterprise"
	ProjectInvestment            = "investment_project"
	ProjectKeyWorks              = "key_works"
	ProjectOther                 = "other"
	WorksRoad                    = "road"           // river_works.kind
	WorksRiverDredging           = "river_dredging" // river_works.kind
	StatusCompleted              = "completed"
	StatusUnderWay               = "under_way"
	StatusPlanned                = "planned"
	StatusSuspended              = "suspended"
	metresPerKm          float64 = 1000
)

// ProjectKinds are the kinds of projects.kind.
var ProjectKinds = []string{ProjectBridge, ProjectRefuseStation, ProjectKeyEnterprise, ProjectInvestment, ProjectKeyWorks, ProjectOther}

// WorksRow is one group of the register's works as the store counts them:
// river_works or projects (Table) of a kind and status.
type WorksRow struct {
	Table    string // "river_works" or "projects"
	Kind     string
	Status   string
	Count    int64
	Metres   float64 // river_works: length of the group
	InWindow int64   // river_works: finished on a day of the window
	// InWindowMetres: their length.
	InWindowMetres float64
	InvestmentYuan int64 // projects
}

// WorksSource counts the register's works and projects of a town ("" the
// county) that scope's row-level security shows; *store.Store implements it.
type WorksSource interface {
	WorksTotals(ctx context.Context, scope lianxin.Scope, w Window, town string) ([]WorksRow, error)
}

// Project returns the totals of a kind (zero when the area has none).
func (w Works) Project(kind string) ProjectTotals {
	for _, p := range w.Projects {
		if p.Kind == kind {
			return p
		}
	}
	return ProjectTotals{Kind: kind}
}

// Km is metres in kilometres.
func Km(metres int64) float64 { return float64(metres) / metresPerKm }

// BuildWorks totals the store's rows.
func BuildWorks(rows []WorksRow, towns []string) Works {
	w := Works{Towns: towns, Projects: make([]ProjectTotals, len(ProjectKinds))}
	for i, k := range ProjectKinds {
		w.Projects[i].Kind = k
	}
	var roadM, riverM, roadWinM, riverWinM float64
	for _, r := range rows {
		switch r.Table {
		case "river_works":
			lw, m, wm := &w.Roads, &roadM, &roadWinM
			if r.Kind == WorksRiverDredging {
				lw, m, wm = &w.RiversDredged, &riverM, &riverWinM
			}
			switch r.Status {
			case StatusCompleted:
				lw.Completed += r.Count
				lw.CompletedInWindow += r.InWindow
				*m += r.Metres
				*wm += r.InWindowMetres
			case StatusUnderWay:
				lw.UnderWay += r.Count
			case StatusPlanned:
				lw.Planned += r.Count
			case StatusSuspended:
				lw.Suspended += r.Count
			}
		case "projects":
			i := 0
			for i < len(w.Projects)-1 && w.Projects[i].Kind != r.Kind {
				i++
			}
			p := &w.Projects[i] // an unknown kind counts as other (the last)
			p.InvestmentYuan += r.InvestmentYuan
			switch r.Status {
			case StatusCompleted:
				p.Completed += r.Count
			case StatusUnderWay:
				p.UnderWay += r.Count
			case StatusPlanned:
				p.Planned += r.Count
			case StatusSuspended:
				p.Suspended += r.Count
			}
			if r.Status == StatusCompleted || r.Status == StatusUnderWay {
				p.InvestmentYuanLanded += r.InvestmentYuan
				w.ProjectsLanded += r.Count
				w.InvestmentYuanLanded += r.InvestmentYuan
			}
		}
	}
	w.Roads.CompletedMetres, w.Roads.CompletedInWindowMetres = roundMetres(roadM), roundMetres(roadWinM)
	w.RiversDredged.CompletedMetres, w.RiversDredged.CompletedInWindowMetres = roundMetres(riverM), roundMetres(riverWinM)
	return w
}

func roundMetres(m float64) int64 { return int64(m + 0.5) }

// summaryWorks is the summary's Works: over the towns the five full
// coverages' projects check judges (towns, nil for every town of the
// area), nil when that is none (a team leader asking about another town:
// not counted, never a zero that reads "none built") or when the store
// cannot count them.
func (r *Reports) summaryWorks(ctx context.Context, scope lianxin.Scope, w Window, town string, towns []string) (*Works, error) {
	src, ok := r.src.(WorksSource)
	if !ok || (towns != nil && len(towns) == 0) {
		return nil, nil
	}
	rows, err := src.WorksTotals(ctx, scope, w, town)
	if err != nil {
		return nil, err
	}
	out := BuildWorks(rows, towns)
	return &out, nil
}
