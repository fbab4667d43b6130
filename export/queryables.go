package export

// Queryables are the fields a collection of OGC API – Features filters on
// the server by property=value (its /queryables, OGC API – Features Part 3),
// each compared as the field's text: codes, names, kinds, counts, flags and
// days. A real number is not one (0.3333333333333333 from GDAL is not
// 0.333333333333333 in PostgreSQL's text, so a filter evaluated on the
// server would drop rows the same filter keeps on the client), nor a time
// (datetime selects those).
func (l *Layer) Queryables() []Field {
	var out []Field
	for _, f := range l.Fields {
		if f.Type != Real && f.Type != DateTime {
			out = append(out, f)
		}
	}
	return out
}

// FieldTitleZH is a field's name in Chinese, as the shapefile's field
// dictionary gives it ("" for a field it lacks).
func FieldTitleZH(name string) string { return shapefileNames[name].ZH }
