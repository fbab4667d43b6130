package export

// FormatsFor lists the formats layer l is offered in, in Formats' order:
// every format for a layer with geometry; for a layer without (members),
// those that carry attribute rows whole: GeoJSON (features with a null
// geometry), CSV, a GeoPackage attribute table and a Shapefile's .dbf, not
// FlatGeobuf (which the export refuses: it holds features with geometry
// only) nor KML (placemarks with nothing to place). The web map offers
// these links from the catalogue (GET /api/v1/export), so a link is never
// a refusal waiting to happen.
func FormatsFor(l *Layer) []Format {
	if l.Geometry != NoGeometry {
		return append([]Format(nil), Formats...)
	}
	var out []Format
	for _, f := range Formats {
		if f != FlatGeobuf && f != KML {
			out = append(out, f)
		}
	}
	return out
}

// ReasonBBoxNoGeometry refuses bbox on the export of a layer without
// geometry (members), which would answer no rows rather than say the box
// cannot select any: {layer}.
const ReasonBBoxNoGeometry = "bbox_no_geometry"

// checkBBoxGeometry refuses a box on a layer without geometry.
func checkBBoxGeometry(l *Layer, f Filter) error {
	if f.BBox == nil || l.Geometry != NoGeometry {
		return nil
	}
	return refuse("bbox", ReasonBBoxNoGeometry, map[string]any{"layer": l.Name},
		"bbox: layer %s has no geometry, so no box can select its rows; leave bbox out (or filter by town)", l.Name)
}
