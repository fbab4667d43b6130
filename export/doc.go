// Package export turns lianxin's layers into the files GIS staff open in
// ArcGIS and QGIS, and describes those layers for the OGC API – Features
// endpoint and the offline PMTiles packages.
//
// It exists as a package so that one catalogue (catalogue.go) says, for every
// layer, which fields go out, of which type, with which filters, and so that
// the rules every export obeys live in one place, apart from HTTP (api/) and
// SQL (store/):
//
//   - Constant memory. Rows stream from a database cursor (the store's
//     ExportRows calls back once per row) straight into the writer: nothing
//     collects a layer. GeoJSON and CSV are written here, by our own code;
//     GeoPackage, Shapefile, KML and FlatGeobuf are written by GDAL's
//     ogr2ogr (from the OS packages), which reads our CSV stream on its
//     standard input. (GDAL 3.6's GeoJSONSeq reader reads its whole input
//     once to learn the schema before reading features, so on a pipe it
//     must buffer everything; the CSV reader learns its types from the first
//     megabyte and then streams.)
//   - Coordinates. Rows are stored in EPSG:4326. EPSG:4490 (CGCS2000) has the
//     same coordinates at the precision that matters here and its own CRS
//     label (.prj, GeoJSON crs member). GCJ-02 moves every vertex with
//     geo.FromWGS84 and is marked as such everywhere: the file name ends in
//     _gcj02, so does the layer's name inside a GeoPackage, KML or
//     FlatGeobuf, the .prj names "GCJ-02", the CSV geometry column is
//     wkt_gcj02, and GeoJSON carries a "coordinate_system" note and a crs
//     member naming the same GCJ-02 WKT as the .prj (GCJ-02 has no EPSG
//     code nor URN; GDAL and QGIS read the WKT, RFC 7946 readers ignore
//     the member).
//   - No personal field ever: household names, phones and ID numbers live in
//     household_personal, which no export query names. The households and
//     visits layers need Scope.HouseholdPoints (lianxin.LayerRuleOf, the one
//     list of which layer needs which grant).
//   - Aggregate layers (village_coverage, gaps, h3_cells) are built from the
//     coverage engine's published figures (coverage.PublishVillages and
//     PublishCells): for a role without household access, whole-week
//     windows, small areas left out or blank, small and recoverable
//     special-group counts null (package privacy).
//   - Every export is recorded (who, when, layer, filter, format, rows) and a
//     cancelled download cancels its query. A town's offline package
//     (Service.Package, PMTiles) is recorded too, as layer "pmtiles".
//   - OGC collection extents (Service.Extent) come from the rows in the
//     caller's scope and are cached until one of the layer's inputs changes
//     (the store's ExtentVersion), since a county's households take seconds
//     to scan and the diary is written every day.
package export
