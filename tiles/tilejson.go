package tiles

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/paulmach/orb"

	"lianxin"
)

// TileJSON is a TileJSON 3.0.0 document for one layer.
type TileJSON struct {
	TileJSON     string        `json:"tilejson"`
	Name         string        `json:"name"`
	Description  string        `json:"description"`
	Version      string        `json:"version"`
	Scheme       string        `json:"scheme"`
	Tiles        []string      `json:"tiles"`
	MinZoom      int           `json:"minzoom"`
	MaxZoom      int           `json:"maxzoom"`
	Bounds       [4]float64    `json:"bounds"`
	Center       [3]float64    `json:"center"`
	VectorLayers []VectorLayer `json:"vector_layers"`
	// JSON is tippecanoe's metadata.json "json" member, which GDAL's MVT
	// driver reads (METADATA_FILE): vector_layers whose fields map to types
	// ("Integer", "Number", "String", "Boolean"; see Field), not
	// descriptions, so GDAL and QGIS read counts and ids as integers and
	// shares as reals, and tilestats with the geometry type.
	JSON string `json:"json"`
}

// VectorLayer is one entry of TileJSON's vector_layers.
type VectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"`
}

// BoundsSource gives the extent of the data (the county's towns).
type BoundsSource interface {
	DataBounds(ctx context.Context, scope lianxin.Scope) (orb.Bound, error)
}

// NewTileJSON describes layer l, whose tiles are at tileURL (an absolute
// URL template with {z}/{x}/{y}), over bounds. Fields list both the detail
// and the cluster attributes: a client styling the clustered zooms finds
// them here too.
func NewTileJSON(l *Layer, tileURL string, bounds orb.Bound) TileJSON {
	fields := map[string]string{}
	for _, f := range l.Fields {
		fields[f.Name] = f.Description
	}
	for _, f := range l.ClusterFields {
		if _, ok := fields[f.Name]; !ok {
			fields[f.Name] = f.Description + " (clusters, below zoom " + strconv.Itoa(l.DetailMinZoom) + ")"
		}
	}
	c := bounds.Center()
	vl := []VectorLayer{{ID: l.Name, Description: l.Description, MinZoom: l.MinZoom, MaxZoom: l.MaxZoom, Fields: fields}}
	return TileJSON{
		JSON:     gdalMetadata(l),
		TileJSON: "3.0.0", Name: l.Name, Description: l.Description, Version: "1.0.0", Scheme: "xyz",
		Tiles: []string{tileURL}, MinZoom: l.MinZoom, MaxZoom: l.MaxZoom,
		Bounds:       [4]float64{bounds.Min[0], bounds.Min[1], bounds.Max[0], bounds.Max[1]},
		Center:       [3]float64{c[0], c[1], float64(max(l.MinZoom, 10))},
		VectorLayers: vl,
	}
}

// gdalMetadata is the "json" member of tippecanoe's metadata.json for l.
// TileJSON's fields hold descriptions, which GDAL would read as the type
// String for every attribute; here they hold the types.
func gdalMetadata(l *Layer) string {
	types := map[string]string{}
	for _, fs := range [][]Field{l.Fields, l.ClusterFields} {
		for _, f := range fs {
			if _, ok := types[f.Name]; !ok {
				types[f.Name] = f.Type
			}
		}
	}
	type statsLayer struct {
		Layer    string `json:"layer"`
		Geometry string `json:"geometry,omitempty"`
	}
	doc := struct {
		VectorLayers []VectorLayer `json:"vector_layers"`
		TileStats    struct {
			LayerCount int          `json:"layerCount"`
			Layers     []statsLayer `json:"layers"`
		} `json:"tilestats"`
	}{VectorLayers: []VectorLayer{{ID: l.Name, Description: l.Description, MinZoom: l.MinZoom, MaxZoom: l.MaxZoom, Fields: types}}}
	doc.TileStats.LayerCount = 1
	doc.TileStats.Layers = []statsLayer{{Layer: l.Name, Geometry: l.Geometry}}
	js, _ := json.Marshal(doc) // strings and ints only: cannot fail
	return string(js)
}
