package ingest

// Carried lists the layer's fields the file carries — a CSV column, or a
// property some GeoJSON feature (or GDAL layer) has — and "geometry" when
// it has geometry columns (lon/lat or WKT; a feature always has its
// geometry member). It is complete once Next has returned false. The store
// leaves a stored row's value alone for a field the file does not carry:
// next week's diary without 情况记录 erases no notes, a register without
// 贫困户 clears no flag (README, "Importing your data"). A nil answer means
// every field is carried.
func (s *Stream) Carried() []string {
	switch d := s.dec.(type) {
	case *csvDecoder:
		out := make([]string, 0, len(d.cols))
		for _, c := range d.cols {
			switch {
			case c >= 0:
				out = append(out, d.layer.Fields[c].Name)
			case c == colLon || c == colLat || c == colWKT:
				out = append(out, FieldGeometry)
			}
		}
		return out
	case *geojsonDecoder:
		if len(d.fields) >= 1024 {
			// The cache of property names is full: some carried field may
			// be missing from it, so say every field is carried.
			return nil
		}
		out := []string{FieldGeometry}
		for _, fi := range d.fields {
			if fi >= 0 {
				out = append(out, d.layer.Fields[fi].Name)
			}
		}
		return out
	}
	return nil
}

// FieldGeometry is how Carried names a file's geometry.
const FieldGeometry = "geometry"
