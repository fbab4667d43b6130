package export

import (
	"testing"

	"lianxin"
)

// Any bbox string parses to a well-formed lon/lat box or is refused as invalid.
func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{"119.9,31.95,120.35,32.4", "", "1,2,3", "NaN,0,1,1", "120,32,119,31", "1e308,0,1e309,1", "a,b,c,d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBBox(s)
		if err != nil {
			if lianxin.ErrorCode(err) != lianxin.EInvalid {
				t.Fatalf("ParseBBox(%q) error code %s, want invalid", s, lianxin.ErrorCode(err))
			}
			return
		}
		if b == nil {
			return
		}
		if !(b.Min[0] <= b.Max[0] && b.Min[1] <= b.Max[1] && b.Min[0] >= -180 && b.Max[0] <= 180 && b.Min[1] >= -90 && b.Max[1] <= 90) {
			t.Fatalf("ParseBBox(%q) = %v: not a lon/lat box", s, *b)
		}
	})
}
