package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"lianxin"
	"lianxin/auth"
	"lianxin/store"
)

const userUsage = `Usage: lianxin user <action> [flags]

  add NAME [--role ROLE [--town CODE | --member CODE]] [--password-stdin]
                         create an account (a random password is printed unless read from stdin)
  list                   list accounts and their roles
  grant NAME ROLE [--town CODE | --member CODE]
                         give a role: admin, planner, team_leader (--town), member (--member), gis,
                         household_points, personal_fields
  revoke NAME ROLE [--town CODE | --member CODE]
  passwd NAME [--password-stdin]
                         set a new password (random and printed unless read from stdin); ends their sessions
  disable NAME           refuse the account: ends its sessions and revokes its API tokens
  enable NAME            let a disabled account sign in again
  token NAME [--name LABEL] [--expires 90d]
                         print a new API token (shown once; send it as Authorization: Bearer TOKEN)
  token NAME --revoke [--name LABEL]
                         revoke the user's tokens (those named LABEL, or all)
  tokens NAME            list the user's tokens
  demo [--seed N] [--all]
                         create the demo county's accounts and print their passwords
`

// cliActor names the command line in the audit log.
const cliActor = "cli"

func runUser(ctx context.Context, args []string, env *env, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, userUsage)
		return nil
	}
	action := args[0]
	var cfg Config
	fs := flag.NewFlagSet("user "+action, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, userUsage); fs.PrintDefaults() }
	cfg.bindCommon(fs, env)
	role := fs.String("role", "", "role to give a new account")
	town := fs.String("town", "", "town code (team_leader)")
	member := fs.String("member", "", "member code (member)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	name := fs.String("name", "", "token label")
	expires := fs.String("expires", "90d", "token lifetime, e.g. 30d or 12h (at most 366d)")
	revoke := fs.Bool("revoke", false, "revoke tokens instead of creating one")
	seed := fs.Uint64("seed", 1, "demo seed: demo passwords derive from it")
	all := fs.Bool("all", false, "demo: print every member's password, not only the first few")
	pos, err := parseInterleaved(fs, args[1:], env)
	if err != nil {
		return err
	}
	need := map[string]int{"add": 1, "list": 0, "grant": 2, "revoke": 2, "passwd": 1, "disable": 1, "enable": 1, "token": 1, "tokens": 1, "demo": 0}
	n, ok := need[action]
	if !ok {
		fmt.Fprint(stderr, userUsage)
		return fmt.Errorf("unknown user action %q", action)
	}
	if len(pos) != n {
		fmt.Fprint(stderr, userUsage)
		return fmt.Errorf("user %s: want %d argument(s), got %d", action, n, len(pos))
	}
	log, st, err := openStore(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	svc, err := auth.New(st, auth.Options{Logger: log})
	if err != nil {
		return err
	}
	grant := auth.RoleGrant{Role: lianxin.Role(*role), Town: *town, Member: *member}
	switch action {
	case "add":
		pw, generated, err := password(*pwStdin)
		if err != nil {
			return err
		}
		nu := auth.NewUser{Username: pos[0], Password: pw}
		if *role != "" {
			nu.Roles = []auth.RoleGrant{grant}
		}
		u, err := svc.AddUser(ctx, nu, cliActor)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created %s (%s)\n", u.Username, rolesText(u.Roles))
		if generated {
			fmt.Fprintf(stdout, "password: %s\n", pw)
		}
	case "list":
		users, err := svc.Users(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tROLES\tLAST SIGN-IN\tLOCKED UNTIL")
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Username, rolesText(u.Roles), timeText(u.LastLoginAt), timeText(u.LockedUntil))
		}
		return tw.Flush()
	case "grant":
		grant.Role = lianxin.Role(pos[1])
		g, err := svc.Grant(ctx, pos[0], grant, cliActor)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s now holds %s\n", pos[0], rolesText([]auth.RoleGrant{g}))
	case "revoke":
		grant.Role = lianxin.Role(pos[1])
		n, err := svc.Revoke(ctx, pos[0], grant, cliActor)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %d role grant(s) from %s\n", n, pos[0])
	case "passwd":
		pw, generated, err := password(*pwStdin)
		if err != nil {
			return err
		}
		if err := svc.SetPassword(ctx, pos[0], pw, cliActor); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of %s changed\n", pos[0])
		if generated {
			fmt.Fprintf(stdout, "password: %s\n", pw)
		}
	case "disable", "enable":
		u, err := svc.SetDisabled(ctx, pos[0], action == "disable", cliActor)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s %sd\n", u.Username, action)
	case "token":
		if *revoke {
			n, err := svc.RevokeTokens(ctx, pos[0], *name, cliActor)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "revoked %d token(s) of %s\n", n, pos[0])
			return nil
		}
		ttl, err := parseDays(*expires)
		if err != nil {
			return err
		}
		token, t, err := svc.NewToken(ctx, pos[0], *name, ttl, cliActor)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, token)
		fmt.Fprintf(stderr, "token %d of %s, expires %s; shown only now. Use it as: Authorization: Bearer <token>\n",
			t.ID, t.Username, t.ExpiresAt.UTC().Format(time.RFC3339))
	case "tokens":
		ts, err := svc.Tokens(ctx, pos[0])
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tCREATED\tEXPIRES\tREVOKED\tLAST USED")
		for _, t := range ts {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, timeText(&t.CreatedAt), timeText(&t.ExpiresAt),
				timeText(t.RevokedAt), timeText(t.LastUsedAt))
		}
		return tw.Flush()
	case "demo":
		accounts, err := svc.DemoAccounts(ctx, st, *seed)
		if err != nil {
			return err
		}
		printDemoAccounts(stdout, accounts, *seed, *all)
	}
	return nil
}

var _ auth.DemoStore = (*store.Store)(nil)

// printDemoAccounts prints the accounts in a compact table: every
// county-wide account and team leader, and the members (the first few
// unless all).
func printDemoAccounts(w io.Writer, accounts []auth.DemoAccount, seed uint64, all bool) {
	created := 0
	for _, a := range accounts {
		if a.Created {
			created++
		}
	}
	fmt.Fprintf(w, "demo accounts (%d, %d new); passwords derive from the demo seed %d — for the synthetic demo only:\n",
		len(accounts), created, seed)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	members, shown := 0, 0
	for _, a := range accounts {
		if a.Role.Role == lianxin.RoleMember {
			members++
			if !all && shown >= 3 {
				continue
			}
			shown++
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", a.Username, a.Password, a.Role.Role)
	}
	tw.Flush()
	if members > shown {
		fmt.Fprintf(w, "  … and %d more members: `bin/lianxin user demo --all` prints every password\n", members-shown)
	}
}

// parseInterleaved parses flags that may come before or after the
// positional arguments (`user grant alice team_leader --town 321299101`).
func parseInterleaved(fs *flag.FlagSet, args []string, env *env) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	return pos, env.err
}

// password reads one from stdin's first line, or makes a random one.
func password(fromStdin bool) (string, bool, error) {
	if fromStdin {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", false, fmt.Errorf("read password from stdin: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), false, nil
	}
	pw, err := auth.RandomPassword()
	return pw, err == nil, err
}

// parseDays is time.ParseDuration that also takes whole days ("90d").
func parseDays(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("--expires %q: want e.g. 90d or 12h", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("--expires %q: want e.g. 90d or 12h", s)
	}
	return v, nil
}

func rolesText(gs []auth.RoleGrant) string {
	if len(gs) == 0 {
		return "no roles"
	}
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = string(g.Role)
		switch {
		case g.Member != "":
			parts[i] += ":" + g.Member
		case g.Town != "":
			parts[i] += ":" + g.Town
		}
	}
	return strings.Join(parts, ", ")
}

func timeText(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}
