package geo_test

import (
	"math"
	"testing"

	"github.com/paulmach/orb"

	"lianxin/geo"
)

// On the mean-radius sphere one degree of arc is 6371008.8·π/180 m.
const metresPerDegree = 6371008.8 * math.Pi / 180

func TestDistanceMetres(t *testing.T) {
	tests := []struct {
		name   string
		a, b   orb.Point
		want   float64
		tolRel float64
	}{
		{name: "same point", a: jiangsu, b: jiangsu, want: 0},
		{name: "one degree of longitude on the equator", a: orb.Point{120, 0}, b: orb.Point{121, 0}, want: metresPerDegree, tolRel: 1e-12},
		{name: "one degree of latitude", a: orb.Point{120, 32}, b: orb.Point{120, 33}, want: metresPerDegree, tolRel: 1e-12},
		{name: "equator to pole", a: orb.Point{0, 0}, b: orb.Point{75, 90}, want: 90 * metresPerDegree, tolRel: 1e-12},
		{name: "antipodes", a: orb.Point{0, 0}, b: orb.Point{180, 0}, want: 180 * metresPerDegree, tolRel: 1e-12},
		// Published great-circle distance Beijing–Shanghai is about 1,067 km.
		{name: "Beijing to Shanghai", a: orb.Point{116.4074, 39.9042}, b: orb.Point{121.4737, 31.2304}, want: 1_067_000, tolRel: 0.005},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := geo.DistanceMetres(tc.a, tc.b)
			if math.Abs(got-tc.want) > tc.tolRel*tc.want {
				t.Errorf("DistanceMetres(%v, %v) = %.3f; want %.3f (±%g relative)", tc.a, tc.b, got, tc.want, tc.tolRel)
			}
			if back := geo.DistanceMetres(tc.b, tc.a); back != got {
				t.Errorf("DistanceMetres(%v, %v) = %.6f but reversed = %.6f; want symmetric", tc.a, tc.b, got, back)
			}
		})
	}
}

func TestLengthMetres(t *testing.T) {
	tests := []struct {
		name string
		ls   orb.LineString
		want float64
	}{
		{name: "empty", ls: nil, want: 0},
		{name: "single point", ls: orb.LineString{jiangsu}, want: 0},
		{name: "two degrees along a meridian in two steps", ls: orb.LineString{{120, 31}, {120, 32}, {120, 33}}, want: 2 * metresPerDegree},
		{name: "there and back", ls: orb.LineString{{0, 0}, {1, 0}, {0, 0}}, want: 2 * metresPerDegree},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := geo.LengthMetres(tc.ls); math.Abs(got-tc.want) > 1e-6 {
				t.Errorf("LengthMetres(%v) = %.6f; want %.6f", tc.ls, got, tc.want)
			}
		})
	}
}
