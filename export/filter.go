package export

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// CampaignZone is campaign time (UTC+8): dates are days in this zone and
// DateTime values are written in it.
var CampaignZone = time.FixedZone("UTC+8", 8*3600)

// Filter narrows a layer. The zero Filter selects every row the scope sees.
type Filter struct {
	// Town is a town code; empty: every town the scope sees.
	Town string `json:"town,omitempty"`
	// BBox keeps rows whose geometry intersects it (lon/lat, EPSG:4326).
	BBox *orb.Bound `json:"bbox,omitempty"`
	// From and To bound the layer's temporal field, [From, To). For
	// aggregate layers they are the window.
	From *time.Time `json:"from,omitempty"`
	To   *time.Time `json:"to,omitempty"`
	// KeepUntimed keeps the rows whose temporal field is empty when From or
	// To is set: OGC API – Features' datetime matches every feature that
	// has no time (OGC 17-069r4, /req/core/fc-time-response C), where the
	// exports' from/to keep only rows in the window.
	KeepUntimed bool `json:"keep_untimed,omitempty"`
	// Equals keeps rows whose field equals the value (as text), one entry
	// per field; names come from the layer's catalogue entry.
	Equals map[string]string `json:"equals,omitempty"`
	// Below keeps only villages in gap (coverage layers): rural villages
	// below one-third, urban communities not visited (reached false).
	Below bool `json:"below,omitempty"`
	// Resolution is the H3 resolution of the cell layer (6..10).
	Resolution int `json:"resolution,omitempty"`
	// GeometryKind keeps the rows of one geometry kind of a mixed layer:
	// Point or Polygon (their multi forms too). OGC serves a collection per
	// kind of each mixed layer beside the whole one, because QGIS types an
	// OAPIF layer by its first feature and draws no other kind.
	GeometryKind GeometryType `json:"geometry_kind,omitempty"`
	// Located keeps only rows with a geometry (set for FlatGeobuf).
	Located bool `json:"located,omitempty"`
	// ID selects one feature (OGC items/{featureId}).
	ID *int64 `json:"id,omitempty"`
}

// Page is a slice of the rows in feature id order (OGC API paging); the
// zero Page means all rows in any order. After, when above zero, starts the
// page after the row with that id (ids are positive) and Offset counts from
// there: a next link that names the last id it showed costs the same
// however deep the page, where an offset is skipped row by row. A layer of
// mixed geometry (AnyGeometry), unless narrowed to one GeometryKind, orders
// its pages by geometry kind in turn, not by id, and is paged by Offset
// alone: a client that types a layer from its first page sees it is mixed.
type Page struct {
	Limit, Offset int
	After         int64
}

// Validate checks f against layer l and returns a caller-facing error
// naming the parameter at fault.
func (f Filter) Validate(l *Layer) error {
	if f.BBox != nil {
		b := *f.BBox
		if !(b.Min[0] <= b.Max[0] && b.Min[1] <= b.Max[1]) || b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 {
			return refuse("bbox", ReasonBBoxRange, map[string]any{"value": fmt.Sprintf("%g,%g,%g,%g", b.Min[0], b.Min[1], b.Max[0], b.Max[1])},
				"bbox: want minLon,minLat,maxLon,maxLat within -180..180 and -90..90 with min <= max")
		}
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		from, to := f.From.Format(time.DateOnly), f.To.Format(time.DateOnly)
		return refuse("from", ReasonWindowOrder, map[string]any{"from": from, "to": to}, "from/to: from (%s) must be before to (%s)", from, to)
	}
	if (f.From != nil || f.To != nil) && l.Temporal == "" && l.Kind != Aggregate {
		return refuse("from", ReasonNoTime, map[string]any{"layer": l.Name}, "from/to: layer %s has no time", l.Name)
	}
	if k := f.GeometryKind; k != "" && (l.Geometry != AnyGeometry || (k != Point && k != Polygon)) {
		return refuse("geometry", ReasonGeometryNotMixed, map[string]any{"value": string(k), "layer": l.Name}, "geometry kind %s: only the points or the polygons of a mixed layer (%s is %s)", k, l.Name, l.Geometry)
	}
	if f.Below && !l.Coverage {
		return refuse("below", ReasonBelowNoCoverage, map[string]any{"layer": l.Name}, "below: layer %s has no coverage figures", l.Name)
	}
	if f.Resolution != 0 && !l.Resolution {
		return refuse("resolution", ReasonNotCellLayer, map[string]any{"layer": l.Name}, "resolution: layer %s is not a cell layer", l.Name)
	}
	if l.Resolution && f.Resolution != 0 && (f.Resolution < MinResolution || f.Resolution > MaxResolution) {
		return refuse("resolution", ReasonResolutionRange, map[string]any{"value": f.Resolution, "min": MinResolution, "max": MaxResolution},
			"resolution: want an H3 resolution from %d to %d, got %d", MinResolution, MaxResolution, f.Resolution)
	}
	for _, name := range slices.Sorted(maps.Keys(f.Equals)) {
		field, ok := l.Field(name)
		if !ok {
			return refuse(name, ReasonUnknownParameter, map[string]any{"value": name, "layer": l.Name, "fields": l.FieldNames()},
				"%s: layer %s has no such field (have %s)", name, l.Name, strings.Join(l.FieldNames(), ", "))
		}
		if err := checkEquals(field, f.Equals[name]); err != nil {
			return err
		}
	}
	return nil
}

// checkEquals refuses a property filter value the field can never equal.
// Values are compared as the field's text (true/false, 42, 2026-05-01), so
// "rural=1" or "residents=03" would match nothing and say nothing.
func checkEquals(field Field, v string) error {
	var want, kind string
	switch field.Type {
	case Boolean:
		if v == "true" || v == "false" {
			return nil
		}
		want, kind = "true or false", "boolean"
	case Integer, Integer64:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && strconv.FormatInt(n, 10) == v {
			return nil
		}
		want, kind = "a whole number such as 42", "integer"
	case Real:
		if x, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(x) && !math.IsInf(x, 0) {
			return nil
		}
		want, kind = "a number", "number"
	case Date:
		if _, err := time.Parse(time.DateOnly, v); err == nil {
			return nil
		}
		want, kind = "a day YYYY-MM-DD", "day"
	case DateTime:
		return refuse(field.Name, ReasonFieldTime, map[string]any{"field": field.Name},
			"%s: a time is filtered with from/to (datetime on /ogc), not by equality", field.Name)
	default:
		return nil
	}
	return refuse(field.Name, ReasonFieldValue, map[string]any{"field": field.Name, "value": v, "want": kind}, "%s %q: want %s", field.Name, v, want)
}

// ParseBBox reads "minLon,minLat,maxLon,maxLat".
func ParseBBox(s string) (*orb.Bound, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return nil, refuse("bbox", ReasonBBoxCount, map[string]any{"value": s}, "bbox %q: want four numbers minLon,minLat,maxLon,maxLat", s)
	}
	var v [4]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, refuse("bbox", ReasonBBoxNotNumber, map[string]any{"value": s, "part": p}, "bbox %q: %q is not a number", s, p)
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, refuse("bbox", ReasonBBoxNotNumber, map[string]any{"value": s, "part": p}, "bbox %q: %q is not a finite number", s, p)
		}
		v[i] = x
	}
	if v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90 {
		return nil, refuse("bbox", ReasonBBoxRange, map[string]any{"value": s}, "bbox %q: longitudes must lie in -180..180 and latitudes in -90..90", s)
	}
	if v[0] > v[2] || v[1] > v[3] {
		return nil, refuse("bbox", ReasonBBoxOrder, map[string]any{"value": s}, "bbox %q: want minLon,minLat,maxLon,maxLat with min ≤ max", s)
	}
	return &orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
}

// ParseTime reads a date (YYYY-MM-DD, midnight in campaign time) or an RFC
// 3339 instant, for the parameter named param.
func ParseTime(param, s string) (*time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, s, CampaignZone); err == nil {
		return &t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return &t, nil
	}
	return nil, refuse(param, ReasonBadTime, map[string]any{"value": s}, "%s %q: want a date YYYY-MM-DD or an RFC 3339 time", param, s)
}

// ParseDatetime reads OGC API's datetime parameter: an instant, or an
// interval "start/end" with ".." or an empty side for an open end. An
// instant t is read as the interval [t, t+1 day) for a date and [t, t+1 ns)
// for a time, so windows stay half-open. A day may carry a bare trailing
// "T" (2026-05-01T): GDAL's OAPIF driver writes a date field's value so
// when it turns an attribute filter into datetime.
func ParseDatetime(s string) (from, to *time.Time, err error) {
	if !strings.Contains(s, "/") {
		s = trimDateT(s)
		t, err := ParseTime("datetime", s)
		if err != nil {
			return nil, nil, err
		}
		end := t.Add(time.Nanosecond)
		if _, derr := time.Parse(time.DateOnly, s); derr == nil {
			end = t.AddDate(0, 0, 1)
		}
		return t, &end, nil
	}
	a, b, _ := strings.Cut(s, "/")
	a, b = trimDateT(a), trimDateT(b)
	if a != "" && a != ".." {
		if from, err = ParseTime("datetime", a); err != nil {
			return nil, nil, err
		}
	}
	if b != "" && b != ".." {
		if to, err = ParseTime("datetime", b); err != nil {
			return nil, nil, err
		}
	}
	if from == nil && to == nil {
		return nil, nil, refuse("datetime", ReasonDatetimeOpen, map[string]any{"value": s}, "datetime %q: both ends open", s)
	}
	return from, to, nil
}

// trimDateT turns GDAL's "2026-05-01T" into the day "2026-05-01".
func trimDateT(s string) string {
	if d, ok := strings.CutSuffix(s, "T"); ok {
		if _, err := time.Parse(time.DateOnly, d); err == nil {
			return d
		}
	}
	return s
}

// String describes the filter for logs.
func (f Filter) String() string {
	var parts []string
	if f.Town != "" {
		parts = append(parts, "town="+f.Town)
	}
	if f.BBox != nil {
		parts = append(parts, fmt.Sprintf("bbox=%g,%g,%g,%g", f.BBox.Min[0], f.BBox.Min[1], f.BBox.Max[0], f.BBox.Max[1]))
	}
	if f.From != nil {
		parts = append(parts, "from="+f.From.Format(time.RFC3339))
	}
	if f.To != nil {
		parts = append(parts, "to="+f.To.Format(time.RFC3339))
	}
	if f.KeepUntimed {
		parts = append(parts, "keep_untimed=true")
	}
	for _, k := range slices.Sorted(maps.Keys(f.Equals)) {
		parts = append(parts, k+"="+f.Equals[k])
	}
	if f.Below {
		parts = append(parts, "below=true")
	}
	if f.GeometryKind != "" {
		parts = append(parts, "geometry_kind="+string(f.GeometryKind))
	}
	if f.Resolution != 0 {
		parts = append(parts, "resolution="+strconv.Itoa(f.Resolution))
	}
	return strings.Join(parts, "&")
}
