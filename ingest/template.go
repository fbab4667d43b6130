package ingest

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// WriteTemplate writes an example CSV of a layer: a header with every
// column, one example row, and what each column
// means, as comment lines starting with #, which the importer skips. It is
// UTF-8 with a BOM, so Excel shows the Chinese text.
func WriteTemplate(w io.Writer, layerName string) error {
	l, err := LookupLayer(layerName)
	if err != nil {
		return err
	}
	header, example := templateRow(l)
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := cw.Write(example); err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	_, err = io.WriteString(w, TemplateDoc(l))
	return err
}

func templateRow(l *Layer) (header, example []string) {
	for _, f := range l.Fields {
		header = append(header, f.Name)
		example = append(example, f.Example)
	}
	switch l.Geom {
	case PointGeom:
		header = append(header, "lon", "lat")
		example = append(example, "120.05", "32.17")
	case NoGeom:
	default:
		header = append(header, "wkt")
		example = append(example, l.GeomExample)
	}
	return header, example
}

// TemplateDoc explains every column of a layer, one "# name: …" line each.
func TemplateDoc(l *Layer) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: %s. Lines starting with # are ignored on import.\n", l.Name, l.Title)
	fmt.Fprintf(&b, "# Headers may also be given in Chinese; accepted names are listed in brackets. * = required.\n")
	fmt.Fprintf(&b, "# %s identifies a row: importing it again updates the row instead of adding one.\n", l.Key)
	for _, f := range l.Fields {
		req := ""
		if f.Required {
			req = "*"
		}
		fmt.Fprintf(&b, "# %s%s: %s [%s]\n", f.Name, req, f.Doc, strings.Join(f.Aliases, ", "))
	}
	switch l.Geom {
	case PointGeom:
		req := "*"
		if !l.GeomRequired {
			req = " (optional)"
		}
		fmt.Fprintf(&b, "# lon, lat%s: longitude and latitude in degrees, longitude first [%s / %s]; or one wkt column with POINT(lon lat)\n",
			req, strings.Join(lonAliases, ", "), strings.Join(latAliases, ", "))
	case NoGeom:
	default:
		fmt.Fprintf(&b, "# wkt*: the %v as WKT, lon/lat degrees [%s]\n", l.Geom, strings.Join(wktAliases, ", "))
	}
	b.WriteString("# Coordinates: WGS84 or CGCS2000 as they are; from phone map apps (GCJ-02) import with --crs gcj02.\n")
	b.WriteString("# Yes/no columns take 是/否, 1/0 or true/false. Files may be UTF-8 or GBK.\n")
	return b.String()
}
