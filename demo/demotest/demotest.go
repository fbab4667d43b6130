// Package demotest gives tests a database holding a small demo county,
// cloned from a template built once per schema and generator output.
package demotest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"lianxin/demo"
	"lianxin/store"
	"lianxin/store/storetest"
)

// Options of the county most tests share: small enough to build in seconds,
// large enough that every town has villages, visits and gaps.
var Options = demo.Options{Seed: 42, Scale: 0.2}

// New returns a Store (and its URL) on a fresh copy of the test county, and
// the generated county itself so tests can compare against what was loaded.
func New(t testing.TB) (*store.Store, string, *demo.County) {
	t.Helper()
	ctx := context.Background()
	scratch, _ := storetest.New(t)
	county, err := demo.Generate(ctx, scratch, Options)
	if err != nil {
		t.Fatalf("generate demo county: %v", err)
	}
	key := "demo_" + Fingerprint(county)
	s, url := storetest.NewFrom(t, key, func(ctx context.Context, s *store.Store, _ string) error {
		_, err := demo.Write(ctx, s, county)
		return err
	})
	return s, url, county
}

// Fingerprint hashes what the generator produced, so a changed generator
// never reuses a template loaded by an older one.
func Fingerprint(c *demo.County) string {
	h := sha256.New()
	for _, t := range c.Towns {
		fmt.Fprintf(h, "%s|%v|", t.Code, t.Boundary)
	}
	for _, v := range c.Villages {
		fmt.Fprintf(h, "%s|%s|%d|%d|%v|", v.Code, v.Name, v.Population, v.Registered, v.Petition)
	}
	for i := range c.Households {
		hh := &c.Households[i]
		fmt.Fprintf(h, "%d|%.7f|%.7f|%d|%v|", hh.ID, hh.Location[0], hh.Location[1], hh.Residents, hh.Flags)
	}
	for i := range c.Visits {
		v := &c.Visits[i]
		fmt.Fprintf(h, "%d|%d|%d|%d|%s|%s|%v|%d|", v.ID, v.MemberID, v.HouseholdID, v.VillageID, v.OccurredAt, v.Kind, v.Location, v.ProblemsCollected)
	}
	fmt.Fprintf(h, "%d|%d|%d|%d", len(c.Members), len(c.Contacts), len(c.Projects), len(c.Works))
	// The campaign row is written from these, not from the county.
	fmt.Fprintf(h, "|%s|%s", demo.CampaignStart.Format(time.DateOnly), demo.CampaignEnd.Format(time.DateOnly))
	return hex.EncodeToString(h.Sum(nil))[:12]
}
