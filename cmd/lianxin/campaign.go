package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"lianxin/coverage"
)

const campaignUsage = `Usage: lianxin campaign [--ends-on YYYY-MM-DD|none]

Prints the campaign: its name, first day and last day. With --ends-on, sets
its last day first (none: no end; the forecast then judges villages against
a year after the start), with an audit line (campaign_end) as the web map's
admin view writes. The forecast (GET /api/v1/reports/forecast) judges
each village against this day unless the caller names ends_on. Runs as the
database URL's user (the tables' owner, as the migrations), with the
command line's system scope.
`

// runCampaign shows the campaign and sets its last day. The campaign row is
// written when a county is loaded (lianxin demo, or by hand for real data);
// its end is the one setting an admin changes as the campaign runs.
func runCampaign(ctx context.Context, args []string, env *env, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flag.NewFlagSet("campaign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, campaignUsage); fs.PrintDefaults() }
	cfg.bindCommon(fs, env)
	endsOn := fs.String("ends-on", "", "the campaign's last day, YYYY-MM-DD (China time), or none to clear it")
	pos, err := parseInterleaved(fs, args, env)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		fmt.Fprint(stderr, campaignUsage)
		return fmt.Errorf("campaign: unexpected argument %q", pos[0])
	}
	var end *time.Time
	set := *endsOn != ""
	if set && !strings.EqualFold(*endsOn, "none") {
		d, err := coverage.ParseDay("ends-on", *endsOn)
		if err != nil {
			return fmt.Errorf("campaign: %w", err)
		}
		end = &d
	}
	_, st, err := openStore(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	var cp coverage.Campaign
	if set {
		// The scoped write the server's admins use, with the command line's
		// system scope; it runs as the URL's user (the tables' owner, as
		// the migrations), since this command takes no --db-role.
		cp, err = st.SetCampaignEnd(ctx, cliScope(), "", end)
	} else {
		cp, err = st.Campaign(ctx, cliScope())
	}
	if err != nil {
		return fmt.Errorf("campaign: %w", err)
	}
	last := "none (the forecast takes " + coverage.DefaultCampaignEnd(cp.StartsOn).Format(coverage.DayLayout) + ", a year after the start)"
	if cp.EndsOn != nil {
		last = cp.EndsOn.Format(coverage.DayLayout)
	}
	fmt.Fprintf(stdout, "campaign: %s\nstarts on: %s\nends on: %s\n", cp.Name, cp.StartsOn.Format(coverage.DayLayout), last)
	return nil
}
