package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"lianxin"
	"lianxin/api"
	"lianxin/coverage"
	"lianxin/ingest"
	"lianxin/spotcheck"
)

var reportNames = []string{"gaps", "next", "members", "summary", "towns", "diary-sample", "forecast", "spot-check-ranking"}

// runReport prints one coverage report to stdout:
// `lianxin report gaps|next|members|summary|towns|diary-sample|forecast|spot-check-ranking [flags]`.
func runReport(ctx context.Context, args []string, env *env, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: lianxin report %s [flags]\n", strings.Join(reportNames, "|"))
		fs.PrintDefaults()
	}
	cfg.bindCommon(fs, env)
	town := fs.String("town", "", "town code")
	team := fs.String("team", "", "team code (selects its town)")
	from := fs.String("from", "", "first day YYYY-MM-DD (default: campaign start)")
	to := fs.String("to", "", "day after the last YYYY-MM-DD (default: tomorrow)")
	format := fs.String("format", "json", "json, csv (UTF-8 with BOM) or geojson (gaps and next)")
	all := fs.Bool("all", false, "gaps: every village, not only those in gap")
	sortBy := fs.String("sort", "", "gaps: column to sort by, '-' prefix for descending (default: priority)")
	n := fs.Int("n", 0, "next: villages in the plan (default 8); diary-sample: entries per team (default 10)")
	seed := fs.Int64("seed", 1, "diary-sample: the same seed draws the same sample")
	endsOn := fs.String("ends-on", "", "forecast: the campaign's last day YYYY-MM-DD to judge against (default: the campaign's end, else a year after the start)")
	asOf := fs.String("as-of", "", "forecast: the day the figures stand at YYYY-MM-DD, instead of --to (the window ends after it; default: today, or the campaign's last day once it has passed)")
	lang := fs.String("lang", env.str("LIANXIN_LANG", localeLang(env)),
		"language of a CSV: zh writes the Chinese header and values of the API's format=csv&lang=zh, codes kept as text for Excel (=\"…\"); en the English names the JSON uses (env LIANXIN_LANG; default zh when LC_ALL, LC_MESSAGES or LANG starts with zh, else en)")
	pos, err := parseInterleaved(fs, args, env)
	if err != nil {
		return err
	}
	say, err := ingest.ParseLang(*lang)
	if err != nil {
		fallback, _ := ingest.ParseLang(localeLang(env))
		return ingest.Worded(fallback, "", err)
	}
	if len(pos) != 1 {
		fs.Usage()
		return fmt.Errorf("report: name one report of %s", strings.Join(reportNames, ", "))
	}
	q := coverage.Query{Town: *town, Team: *team}
	if *from != "" {
		if q.From, err = coverage.ParseDay("from", *from); err != nil {
			return err
		}
	}
	if *to != "" {
		if q.To, err = coverage.ParseDay("to", *to); err != nil {
			return err
		}
	}
	// The forecast's own: the API's ends_on, and the day it stands at
	// (as_of, the window's last day: to is the day after it).
	var end time.Time
	if (*endsOn != "" || *asOf != "") && pos[0] != "forecast" {
		return fmt.Errorf("report %s: --ends-on and --as-of are the forecast's", pos[0])
	}
	if *endsOn != "" {
		if end, err = coverage.ParseDay("ends_on", *endsOn); err != nil {
			return err
		}
	}
	if *asOf != "" {
		if *to != "" {
			return fmt.Errorf("report forecast: --as-of and --to both end the window: give one")
		}
		day, err := coverage.ParseDay("as_of", *asOf)
		if err != nil {
			return err
		}
		q.To = day.AddDate(0, 0, 1)
	}
	places := []string{coverage.FormatJSON, coverage.FormatCSV, coverage.FormatGeoJSON}
	tables := []string{coverage.FormatJSON, coverage.FormatCSV}
	allowed := tables
	if pos[0] == "gaps" || pos[0] == "next" {
		allowed = places
	}
	f, err := coverage.ParseFormat(*format, allowed...)
	if err != nil {
		return err
	}
	_, st, err := openStore(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	r := coverage.NewReports(st, time.Now)
	scope := lianxin.SystemScope()
	switch pos[0] {
	case "gaps":
		rows, _, err := r.Gaps(ctx, scope, coverage.GapQuery{Query: q, All: *all, Sort: *sortBy})
		if err != nil {
			return err
		}
		return printRows(stdout, f, say, rows, func(g coverage.GapRow) (float64, float64) { return g.Lon, g.Lat })
	case "next":
		plan, err := r.Next(ctx, scope, coverage.NextQuery{Query: q, N: *n})
		if err != nil {
			return err
		}
		if f == coverage.FormatJSON {
			return printJSON(stdout, plan)
		}
		return printRows(stdout, f, say, plan.Stops, func(s coverage.NextStop) (float64, float64) { return s.Lon, s.Lat })
	case "members":
		rows, _, err := r.Members(ctx, scope, q)
		if err != nil {
			return err
		}
		return printRows(stdout, f, say, rows, nil)
	case "summary":
		sum, err := r.SummaryReport(ctx, scope, q)
		if err != nil {
			return err
		}
		if f == coverage.FormatCSV {
			// The API's format=csv bytes (excel=true, its default), in
			// either language: the summary is one report, not a table.
			out, err := api.SummaryCSV(sum, say == ingest.LangZH, true)
			if err != nil {
				return err
			}
			_, err = stdout.Write(out)
			return err
		}
		return printJSON(stdout, sum)
	case "towns":
		rows, _, err := r.Towns(ctx, scope, q)
		if err != nil {
			return err
		}
		return printRows(stdout, f, say, rows, nil)
	case "diary-sample":
		rows, _, err := r.DiarySample(ctx, scope, coverage.DiaryQuery{Query: q, N: *n, Seed: *seed})
		if err != nil {
			return err
		}
		return printRows(stdout, f, say, rows, nil)
	case "forecast":
		// The API's forecast (GET /api/v1/reports/forecast): its JSON, or
		// its CSV with where it stands said on stderr, as the web map says
		// it above the table.
		rep, err := r.ForecastToEnd(ctx, scope, q, end)
		if err != nil {
			return err
		}
		if f == coverage.FormatJSON {
			return printJSON(stdout, rep.Answer())
		}
		fmt.Fprintln(stderr, forecastStanding(rep.Answer(), say))
		return printRows(stdout, f, say, rep.Rows, nil)
	case "spot-check-ranking":
		// The teams by their spot-check results in the window; with --team
		// the CSV is that team's members (the API's format=csv).
		rk, err := spotcheck.NewService(st, r).Ranking(ctx, scope, coverage.Query{Team: q.Team, From: q.From, To: q.To})
		if err != nil {
			return err
		}
		if f == coverage.FormatJSON {
			return printJSON(stdout, rk)
		}
		if q.Team != "" {
			return printRows(stdout, f, say, rk.Members, nil)
		}
		return printRows(stdout, f, say, rk.Teams, nil)
	}
	fs.Usage()
	return fmt.Errorf("report: %q is not one of %s", pos[0], strings.Join(reportNames, ", "))
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printRows writes rows in format; a CSV in lang (ingest.LangZH: the
// API's Chinese CSV, api.ReportCSV).
func printRows[T any](w io.Writer, format, lang string, rows []T, at func(T) (float64, float64)) error {
	if rows == nil {
		rows = []T{}
	}
	switch {
	case format == coverage.FormatCSV && lang == ingest.LangZH:
		var raw bytes.Buffer
		if err := coverage.WriteCSV(&raw, rows); err != nil {
			return err
		}
		out, err := api.ReportCSV(raw.Bytes(), true, true)
		if err != nil {
			return err
		}
		_, err = w.Write(out)
		return err
	case format == coverage.FormatCSV:
		return coverage.WriteCSV(w, rows)
	case format == coverage.FormatGeoJSON:
		b, err := coverage.GeoJSON(rows, at)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	return printJSON(w, rows)
}

// forecastStanding says, in lang, where the forecast a stands: the day its
// figures stand at and the end it is judged against, or that the campaign
// ended and the rows are the standing at its end; then the diary's last
// entry, and whether the diary stalled.
func forecastStanding(a coverage.ForecastAnswer, lang string) string {
	zh := lang == ingest.LangZH
	var b strings.Builder
	switch {
	case a.Ended && zh:
		fmt.Fprintf(&b, "预测：活动已于 %s 结束，以下为结束时的达标情况，不再推算", a.EndsOn)
	case a.Ended:
		fmt.Fprintf(&b, "forecast: the campaign ended on %s; the standing at its end, nothing projected", a.EndsOn)
	case zh:
		fmt.Fprintf(&b, "预测：数据截至 %s，按活动最后一天 %s 判断", a.AsOf, a.EndsOn)
	default:
		fmt.Fprintf(&b, "forecast: as of %s, judged against the campaign's last day %s", a.AsOf, a.EndsOn)
	}
	switch {
	case a.LastDiaryOn == nil && zh:
		b.WriteString("；时段内没有民情日记")
	case a.LastDiaryOn == nil:
		b.WriteString("; no diary entry in the window")
	case zh:
		fmt.Fprintf(&b, "；民情日记最近一条记于 %s", *a.LastDiaryOn)
	default:
		fmt.Fprintf(&b, "; the diary's last entry is of %s", *a.LastDiaryOn)
	}
	if a.DiaryStalled {
		if zh {
			b.WriteString("；近四周没有新的日记")
		} else {
			b.WriteString("; the diary stalled: no entry in the last four weeks")
		}
	}
	return b.String()
}
