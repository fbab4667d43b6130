package main

import (
	"context"
	"strings"
	"testing"

	"lianxin/store/storetest"
)

// `lianxin user add --role member --member M8888` with an unknown member
// creates nothing and prints no password (review 3, fault 3).
func TestUserAddRefusedRoleCreatesNothing(t *testing.T) {
	ctx := context.Background()
	_, dbURL := storetest.New(t)
	lx := commandLine(ctx, databaseEnv(dbURL), "user")
	out, err := lx("add", "sun", "--role", "member", "--member", "M8888")
	if err == nil || !strings.Contains(err.Error(), "M8888") || strings.Contains(out, "password:") {
		t.Fatalf("user add sun --member M8888 = %v, %q; want an error naming M8888 and no password", err, out)
	}
	list, err := lx("list")
	if err != nil || strings.Contains(list, "sun") {
		t.Fatalf("user list after the refused add = %v, %q; want no account sun", err, list)
	}
	if out, err := lx("add", "sun", "--role", "planner"); err != nil || !strings.Contains(out, "password:") {
		t.Fatalf("user add sun --role planner after the refusal = %v, %q; want created with a password", err, out)
	}
}
