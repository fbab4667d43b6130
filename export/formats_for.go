package export

// FormatsFor lists the formats layer l is offered in, in Formats' order:
// every format for a layer with geometry; for a layer without (members),
// those that carry attribute rows whole: GeoJSON (features with a null
// geometry), CSV, a GeoPackage attribute table and a Shapefile's .dbf, not
// FlatGeobuf (it holds features with geometry only) nor KML (placemarks
// with nothing to place), which the export refuses (checkFormatGeometry).
// The web map offers these links from the catalogue (GET /api/v1/export),
// so a link is never a refusal waiting to happen.
func FormatsFor(l *Layer) []Format {
	var out []Format
	for _, f := range Formats {
		if checkFormatGeometry(l, f) == nil {
			out = append(out, f)
		}
	}
	return out
}

// checkFormatGeometry refuses a format that holds only features with a
// geometry for a layer without one. The catalogue's offer (FormatsFor) is
// made from this same rule, so what the web map offers and what the export
// takes cannot drift apart.
func checkFormatGeometry(l *Layer, f Format) error {
	if l.Geometry != NoGeometry {
		return nil
	}
	switch f {
	case FlatGeobuf:
		return refuse("format", ReasonFgbNoGeometry, map[string]any{"layer": l.Name},
			"format fgb: FlatGeobuf holds features with geometry and layer %s has none; use gpkg, csv or geojson", l.Name)
	case KML:
		return refuse("format", ReasonKMLNoGeometry, map[string]any{"layer": l.Name},
			"format kml: KML places placemarks on the map and layer %s has no geometry to place; use gpkg, csv or geojson", l.Name)
	}
	return nil
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
