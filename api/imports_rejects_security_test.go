package api_test

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"testing"

	"lianxin"
	"lianxin/api"
)

// The rejects file is named after the uploaded file, which the uploader
// names freely: whatever the name, the download's Content-Disposition
// carries exactly two parameters, and filename* decodes to the name whole.
func TestImportRejectsFileNameInHeader(t *testing.T) {
	f := newRejectsFixture(t, 0)
	const file = "external_id,village_code,residents,lon,lat\nS0001,T01V99,2,120.021,32.131\n"
	for _, tc := range []struct{ upload, want string }{
		{`x;filename=evil.html;y.csv`, `x;filename=evil.html;y.rejects.csv`},
		{`a,b=c@d:e.csv`, `a,b=c@d:e.rejects.csv`},
		{`x%20y"z\w'.csv`, `x%20y"z\w'.rejects.csv`},
		{"户籍 (第二批).csv", "户籍 (第二批).rejects.csv"},
	} {
		t.Run(tc.upload, func(t *testing.T) {
			rec := f.upload("admin", "households", tc.upload, []byte(file))
			w := f.get("admin", fmt.Sprintf("/api/v1/imports/%d/rejects", rec.ID))
			if w.Code != http.StatusOK {
				t.Fatalf("GET rejects of %q = %d %s, want 200", tc.upload, w.Code, w.Body)
			}
			cd := w.Header().Get("Content-Disposition")
			kind, params, err := mime.ParseMediaType(cd)
			if err != nil || kind != "attachment" || len(params) != 1 || params["filename"] != tc.want {
				// mime folds filename* into filename; any parameter the name
				// added shows as another key (or a duplicate: an error).
				t.Errorf("upload %q: Content-Disposition %q parses as %q %v (%v); want attachment with only filename %q",
					tc.upload, cd, kind, params, err, tc.want)
			}
		})
	}
}

// An upload's rejects are its rows as they came, another town's among them
// (rejected by name as that town's): a second leader of the uploader's town
// sees the import's record but does not take the file; the uploader and a
// county-wide role with the grants do.
func TestImportRejectsFileOtherTownsRows(t *testing.T) {
	f := newRejectsFixture(t, 0)
	const file = "external_id,village_code,residents,lon,lat,户主\nS0010,T01V01,2,120.021,32.131,张三\nS0011,T02V01,2,120.151,32.161,李四\n"
	rec := f.upload("leader-T01", "households", "h.csv", []byte(file)) // S0011 is in T02: rejected
	var towns []int32
	if err := f.conn.QueryRow(context.Background(), `SELECT towns FROM imports WHERE id = $1`, rec.ID).Scan(&towns); err != nil || len(towns) != 1 {
		t.Fatalf("import %d towns = %v, %v; want the leader's one town", rec.ID, towns, err)
	}
	colleague := lianxin.Scope{User: "leader-T01b", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: towns,
		HouseholdPoints: true, PersonalFields: true}
	f.srv["leader-T01b"] = api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), DefaultScope: &colleague, Import: f.svc})
	for _, tc := range []struct {
		who              string
		record, rejectsF int
	}{
		{"leader-T01", http.StatusOK, http.StatusOK},
		{"leader-T01b", http.StatusOK, http.StatusForbidden},
		{"admin", http.StatusOK, http.StatusOK},
	} {
		if w := f.get(tc.who, fmt.Sprintf("/api/v1/imports/%d", rec.ID)); w.Code != tc.record {
			t.Errorf("%s: GET import %d = %d %.200s, want %d", tc.who, rec.ID, w.Code, w.Body, tc.record)
		}
		w := f.get(tc.who, fmt.Sprintf("/api/v1/imports/%d/rejects", rec.ID))
		if w.Code != tc.rejectsF || tc.rejectsF != http.StatusOK && strings.Contains(w.Body.String(), "李四") {
			t.Errorf("%s: GET rejects of import %d = %d %.200s, want %d", tc.who, rec.ID, w.Code, w.Body, tc.rejectsF)
		}
	}
}
