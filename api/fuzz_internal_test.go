package api

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/labstack/echo/v4"

	"lianxin"
)

// Whatever a tile path holds, parseZXY either returns a valid tile that
// prints back to the same numbers, or an "invalid" error: never a panic,
// never an internal error.
func FuzzParseZXY(f *testing.F) {
	for _, s := range [][3]string{{"0", "0", "0"}, {"12", "3412", "1660"}, {"25", "0", "0"}, {"3", "8", "1"},
		{"-1", "0", "0"}, {"4294967296", "0", "0"}, {"1e3", "0", "0"}, {"", "", ""}, {"07", "1", "1"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, zs, xs, ys string) {
		tile, err := parseZXY(zs, xs, ys)
		if err != nil {
			if lianxin.ErrorCode(err) != lianxin.EInvalid {
				t.Fatalf("parseZXY(%q, %q, %q) error code %s, want invalid", zs, xs, ys, lianxin.ErrorCode(err))
			}
			return
		}
		if err := tile.Validate(); err != nil {
			t.Fatalf("parseZXY(%q, %q, %q) = %v, which does not validate: %v", zs, xs, ys, tile, err)
		}
		for _, p := range []struct {
			s string
			n uint32
		}{{zs, tile.Z}, {xs, tile.X}, {ys, tile.Y}} {
			if n, _ := strconv.ParseUint(p.s, 10, 32); uint32(n) != p.n {
				t.Fatalf("parseZXY(%q, %q, %q) = %v, numbers changed", zs, xs, ys, tile)
			}
		}
	})
}

// The report parameter reader answers any query string with parameters or
// an "invalid" error naming the problem.
func FuzzReportParams(f *testing.F) {
	for _, q := range []string{"", "town=321299101", "team=D01&from=2026-03-01&to=2026-04-01", "from=2026-02-30",
		"town=';DROP TABLE towns;--", "n=99999999999999999999", "all=maybe", "town=a&town=b", "%zz", "from=2026-03-01&to=2026-03-01"} {
		f.Add(q)
	}
	e := echo.New()
	f.Fuzz(func(t *testing.T, rawQuery string) {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/reports/gaps", nil)
		req.URL.RawQuery = rawQuery
		c := e.NewContext(req, httptest.NewRecorder())
		p, err := params(c, "town", "team", "from", "to", "n", "all", "format")
		if err == nil {
			_, err = p.query()
		}
		if err == nil {
			_, err = p.int("n", 1, 100)
		}
		if err == nil {
			_, err = p.bool("all")
		}
		if err == nil {
			_, err = p.format("json", "csv", "geojson")
		}
		if err != nil && lianxin.ErrorCode(err) != lianxin.EInvalid {
			t.Fatalf("query %q: error %v with code %s, want invalid", rawQuery, err, lianxin.ErrorCode(err))
		}
	})
}
