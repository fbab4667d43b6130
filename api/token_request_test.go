package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"lianxin/api"
	"lianxin/auth"
)

// A token request's expires_days is 1 to 366 when given (0 was read as the
// default, 90 days, without a word) and absent for the default; a token
// without a name is named for its day rather than listed as a blank row
// (GIS staff review, nit 8).
func TestTokenRequestExpiryAndName(t *testing.T) {
	f := newAdminFixture(t)
	planner, me := f.login(t, "planner", "planner-password-1")
	for _, tc := range []struct {
		name, body string
		wantStatus int
		wantReason string
		wantName   string // with 201: "" for the day's name
		wantDays   int
	}{
		{"expires_days 0", `{"name":"qgis","expires_days":0}`, 400, auth.ReasonTokenExpiry, "", 0},
		{"expires_days -3", `{"name":"qgis","expires_days":-3}`, 400, auth.ReasonTokenExpiry, "", 0},
		{"a name too long", `{"name":"` + strings.Repeat("长", 101) + `"}`, 400, auth.ReasonTokenName, "", 0},
		{"expires_days 1", `{"name":"one day","expires_days":1}`, 201, "", "one day", 1},
		{"no expiry: the default", `{"name":"default"}`, 201, "", "default", 90},
		{"an empty name", `{"name":"  ","expires_days":30}`, 201, "", "", 30},
		{"no name at all", `{}`, 201, "", "", 90},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.do(t, call{method: "POST", path: "/api/v1/auth/tokens", body: tc.body, cookie: planner,
				header: map[string]string{api.CSRFHeader: me.CSRFToken}})
			if rec.Code != tc.wantStatus {
				t.Fatalf("POST /auth/tokens %s = %d %s, want %d", tc.body, rec.Code, rec.Body, tc.wantStatus)
			}
			if tc.wantStatus != 201 {
				if !strings.Contains(rec.Body.String(), `"reason":"`+tc.wantReason+`"`) {
					t.Errorf("POST /auth/tokens %s: %s, want reason %s", tc.body, rec.Body, tc.wantReason)
				}
				return
			}
			var got struct {
				Name      string    `json:"name"`
				CreatedAt time.Time `json:"created_at"`
				ExpiresAt time.Time `json:"expires_at"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			want := tc.wantName
			if want == "" {
				want = "token " + time.Now().In(time.FixedZone("UTC+8", 8*3600)).Format(time.DateOnly)
			}
			if got.Name != want {
				t.Errorf("POST /auth/tokens %s: name %q, want %q", tc.body, got.Name, want)
			}
			if days := got.ExpiresAt.Sub(got.CreatedAt).Hours() / 24; days < float64(tc.wantDays)-0.01 || days > float64(tc.wantDays)+0.01 {
				t.Errorf("POST /auth/tokens %s: lasts %.2f days, want %d", tc.body, days, tc.wantDays)
			}
		})
	}
}
