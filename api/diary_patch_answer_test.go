package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"lianxin"
	"lianxin/demo"
	"lianxin/diary"
)

// TestDiaryPatchAnswer checks the answer of PATCH /api/v1/diary/{id}: the
// entry as corrected, "changed" with each changed field's value before and
// after (the household, and the village that follows it; not the fields
// left alone, nor one sent with its stored value), and no "created", which
// belongs to POST's answer.
func TestDiaryPatchAnswer(t *testing.T) {
	ctx := context.Background()
	f := newDiaryFixture(t, "patch-member")
	m := f.county.Members[0]
	var hhA, hhA2 demo.Household
	for _, h := range f.county.Households {
		switch {
		case h.TownID == m.TownID && hhA.ID == 0:
			hhA = h
		case h.TownID == m.TownID && hhA2.ID == 0 && h.VillageID != hhA.VillageID:
			hhA2 = h
		}
	}
	if hhA2.ID == 0 {
		t.Fatal("demo county without households of two villages in one town")
	}
	member := lianxin.Scope{User: "patch-member", Roles: []lianxin.Role{lianxin.RoleMember}, Towns: []int32{m.TownID}}
	two := int64(2)
	w, err := f.svc.Write(ctx, member, diary.Request{ID: "app-patch-0001", Household: hhA.ExternalID, Kind: "household_visit",
		Notes: "问了用水", Participants: &two, OccurredAt: "2026-09-20 09:00"}, "")
	if err != nil {
		t.Fatal(err)
	}
	srv := f.server(member)
	patch := func(t *testing.T, body string) (map[string]json.RawMessage, map[string]diary.FieldChange) {
		t.Helper()
		req := httptest.NewRequest(http.MethodPatch, "/api/v1/diary/app-patch-0001", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("PATCH %s = %d %s; want 200", body, rec.Code, rec.Body)
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &top); err != nil {
			t.Fatalf("PATCH %s: %v %s", body, err, rec.Body)
		}
		if _, ok := top["created"]; ok {
			t.Errorf("PATCH %s answered %s: has \"created\", which only POST's answer carries", body, rec.Body)
		}
		raw, ok := top["changed"]
		if !ok {
			t.Fatalf("PATCH %s answered %s: no \"changed\"", body, rec.Body)
		}
		var changed map[string]diary.FieldChange
		if err := json.Unmarshal(raw, &changed); err != nil || changed == nil {
			t.Fatalf("PATCH %s: changed %s is not an object: %v", body, raw, err)
		}
		return top, changed
	}
	str := func(raw json.RawMessage) string {
		var s string
		_ = json.Unmarshal(raw, &s)
		return s
	}

	t.Run("household and its village", func(t *testing.T) {
		top, changed := patch(t, `{"household":"`+hhA2.ExternalID+`","participants":2,"reason":"户编号写错"}`)
		if got := str(top["household"]); got != hhA2.ExternalID {
			t.Errorf("entry household %q; want %q (the entry as corrected)", got, hhA2.ExternalID)
		}
		if got := str(top["id"]); got != w.ID {
			t.Errorf("entry id %q; want %q", got, w.ID)
		}
		if c := changed["household"]; c.From != hhA.ExternalID || c.To != hhA2.ExternalID {
			t.Errorf("changed household %+v; want from %s to %s", c, hhA.ExternalID, hhA2.ExternalID)
		}
		if c, ok := changed["village"]; !ok || c.From != w.Village || c.To != str(top["village"]) || c.From == c.To {
			t.Errorf("changed village %+v (listed %v); want from %s to the entry's new village %s", c, ok, w.Village, top["village"])
		}
		for _, k := range []string{"participants", "notes", "kind", "occurred_at", "member"} {
			if c, ok := changed[k]; ok {
				t.Errorf("changed lists %s %+v, which was left alone or sent with its stored value", k, c)
			}
		}
	})
	t.Run("nothing new", func(t *testing.T) {
		_, changed := patch(t, `{"notes":"问了用水"}`)
		if len(changed) != 0 {
			t.Errorf("notes sent with their stored value: changed %v; want {}", changed)
		}
	})
	t.Run("a count", func(t *testing.T) {
		_, changed := patch(t, `{"participants":5}`)
		if c := changed["participants"]; len(changed) != 1 || c.From != float64(2) || c.To != float64(5) {
			t.Errorf("participants 2 → 5: changed %v; want only participants from 2 to 5", changed)
		}
	})
}
