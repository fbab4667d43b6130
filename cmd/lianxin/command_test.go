package main

import (
	"bytes"
	"context"
)

// commandLine answers a function that runs `lianxin prefix... args...`
// under the environment getenv, as a user at a terminal would, and answers
// what it printed (standard output and error together) and its error.
func commandLine(ctx context.Context, getenv func(string) string, prefix ...string) func(args ...string) (string, error) {
	return func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append(append([]string{}, prefix...), args...), getenv, &out, &out)
		return out.String(), err
	}
}

// databaseEnv is an environment that holds DATABASE_URL alone.
func databaseEnv(url string) func(string) string {
	return func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
}
