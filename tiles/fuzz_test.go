package tiles

import (
	"testing"

	"lianxin"
)

// Any layer list parses to at most MaxLayersPerTile distinct known layers,
// or is refused as invalid.
func FuzzParseLayers(f *testing.F) {
	for _, s := range []string{"villages", "villages,households", "h3", "villages,villages,villages", "", ",", "towns,nope",
		"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		layers, err := ParseLayers(list)
		if err != nil {
			if lianxin.ErrorCode(err) != lianxin.EInvalid {
				t.Fatalf("ParseLayers(%q) error code %s, want invalid", list, lianxin.ErrorCode(err))
			}
			return
		}
		if len(layers) == 0 || len(layers) > MaxLayersPerTile {
			t.Fatalf("ParseLayers(%q) gave %d layers, want 1..%d", list, len(layers), MaxLayersPerTile)
		}
		seen := map[*Layer]bool{}
		for _, l := range layers {
			if l == nil || seen[l] {
				t.Fatalf("ParseLayers(%q) gave a nil or repeated layer", list)
			}
			seen[l] = true
		}
	})
}

// Any from/to/town/metric combination gives a filter or an invalid error;
// an accepted window is never empty or reversed.
func FuzzParseFilter(f *testing.F) {
	f.Add("2026-03-01", "2026-04-01", "321299101", "visits")
	f.Add("2026-04-01", "2026-03-01", "", "")
	f.Add("2026-13-40", "", "x';--", "nope")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, from, to, town, metric string) {
		flt, err := ParseFilter(from, to, town, metric)
		if err != nil {
			if lianxin.ErrorCode(err) != lianxin.EInvalid {
				t.Fatalf("ParseFilter(%q, %q, %q, %q) error code %s, want invalid", from, to, town, metric, lianxin.ErrorCode(err))
			}
			return
		}
		if !flt.From.IsZero() && !flt.To.IsZero() && !flt.From.Before(flt.To) {
			t.Fatalf("ParseFilter(%q, %q, …) accepted an empty window %v..%v", from, to, flt.From, flt.To)
		}
	})
}
