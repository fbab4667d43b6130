package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	noEnv := func(string) string { return "" }
	cases := []struct {
		name       string
		args       []string
		env        map[string]string
		wantErr    string
		wantOutput string
	}{
		{name: "no command prints usage", args: nil, wantOutput: "Commands:"},
		{name: "unknown command", args: []string{"frobnicate"}, wantErr: `unknown command "frobnicate"`},
		{name: "serve help lists its flags", args: []string{"serve", "--help"}, wantErr: "help requested", wantOutput: "LIANXIN_ADDR"},
		{name: "demo help lists the seed", args: []string{"demo", "-h"}, wantErr: "help requested", wantOutput: "-seed"},
		{name: "malformed environment variable", args: []string{"migrate"}, env: map[string]string{"LIANXIN_STATEMENT_TIMEOUT": "soon"},
			wantErr: `LIANXIN_STATEMENT_TIMEOUT="soon" is not a duration`},
		{name: "bad log level", args: []string{"migrate", "--log-level", "loud"}, wantErr: `log level "loud"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			getenv := noEnv
			if tc.env != nil {
				getenv = func(k string) string { return tc.env[k] }
			}
			var out bytes.Buffer
			err := run(context.Background(), tc.args, getenv, &out, &out)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("run(%q) = %v, want no error", tc.args, err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("run(%q) = %v, want error containing %q", tc.args, err, tc.wantErr)
			}
			if !strings.Contains(out.String(), tc.wantOutput) {
				t.Fatalf("run(%q) printed %q, want it to contain %q", tc.args, out.String(), tc.wantOutput)
			}
		})
	}
}
