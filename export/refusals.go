package export

import "lianxin"

// Refusal reasons of the exports, the offline packages and OGC API –
// Features: every way a caller can ask for a layer wrongly. A refusal is a
// *lianxin.Error with a lianxin.Refusal in Details (the parameter, the
// reason, its parameters) and its English sentence as Message, so that the
// web map words it in the page's language (i18n.js export.refusal.<reason>,
// a test checks every reason is worded) while QGIS, GDAL and scripts read
// the English. A reason once published keeps its meaning and parameters.
const (
	ReasonUnknownLayer     = "unknown_layer"       // {value, layers} (404)
	ReasonLayerNeedsGrant  = "layer_needs_grant"   // {layer} (403)
	ReasonBadFormat        = "bad_format"          // {value, allowed}
	ReasonBadCRS           = "bad_crs"             // {value, allowed}
	ReasonBadEncoding      = "bad_encoding"        // {value, allowed}
	ReasonEncodingShpOnly  = "encoding_shp_only"   // {format}
	ReasonShpMixed         = "shp_mixed"           // {layer}: a shapefile of a mixed layer without geometry=
	ReasonFgbNoGeometry    = "fgb_no_geometry"     // {layer}
	ReasonKMLNoGeometry    = "kml_no_geometry"     // {layer}: placemarks with nothing to place
	ReasonKMLCGCS2000      = "kml_cgcs2000"        // KML is WGS 84 only
	ReasonBadGeometry      = "bad_geometry"        // {value, allowed}
	ReasonGeometryNotMixed = "geometry_not_mixed"  // {value, layer}: geometry= on a layer of one kind
	ReasonBBoxCount        = "bbox_count"          // {value}: not four numbers
	ReasonBBoxNotNumber    = "bbox_not_number"     // {value, part}
	ReasonBBoxRange        = "bbox_range"          // {value}: outside -180..180, -90..90
	ReasonBBoxOrder        = "bbox_order"          // {value}: min above max
	ReasonBadTime          = "bad_time"            // {value}: from, to or datetime not a day or time
	ReasonDatetimeOpen     = "datetime_open"       // {value}: datetime=../..
	ReasonWindowOrder      = "window_order"        // {from, to}: from not before to
	ReasonNoTime           = "no_time"             // {layer}: from/to on a layer without time
	ReasonBadBelow         = "bad_below"           // {value}
	ReasonBelowNoCoverage  = "below_no_coverage"   // {layer}
	ReasonBadResolution    = "bad_resolution"      // {value, min, max}: not a whole number
	ReasonResolutionRange  = "resolution_range"    // {value, min, max}
	ReasonNotCellLayer     = "resolution_no_cells" // {layer}
	ReasonResolutionFine   = "resolution_too_fine" // {value, max} (403)
	ReasonUnknownParameter = "unknown_parameter"   // {value, params, layer, fields}
	ReasonFieldTime        = "field_time"          // {field}: a time filtered by equality
	ReasonFieldValue       = "field_value"         // {field, value, want}: want is boolean, integer, number or day
	ReasonBadCheck         = "bad_check"           // {value}
	ReasonTownUnknown      = "town_unknown"        // {town} (400; 404 for an offline package)
	ReasonTownNotYours     = "town_not_yours"      // {town, layer} (403; layer "" for an offline package)
	ReasonTownMissing      = "town_missing"        // an offline package without town=
	ReasonBadZoom          = "bad_zoom"            // {value, min, max}: minzoom or maxzoom (min: the layers' first zoom)
	ReasonZoomOrder        = "zoom_order"          // {min, max}
	ReasonBadF             = "bad_f"               // {value}: OGC f= other than json
	ReasonBadLimit         = "bad_limit"           // {value, max}
	ReasonBadOffset        = "bad_offset"          // {value}
	ReasonBadAfter         = "bad_after"           // {value}
	ReasonAfterMixed       = "after_mixed"         // {collection}
	ReasonNoFeature        = "no_feature"          // {value, collection} (404)
	ReasonCSVOnly          = "csv_only"            // {param, format}: lang or excel on an export other than CSV
)

// Reasons lists every refusal reason of the exports, the offline packages
// and OGC API – Features.
var Reasons = []string{
	ReasonUnknownLayer, ReasonLayerNeedsGrant, ReasonBadFormat, ReasonBadCRS, ReasonBadEncoding, ReasonEncodingShpOnly,
	ReasonShpMixed, ReasonFgbNoGeometry, ReasonKMLCGCS2000, ReasonBadGeometry, ReasonGeometryNotMixed, ReasonBBoxCount,
	ReasonBBoxNotNumber, ReasonBBoxRange, ReasonBBoxOrder, ReasonBadTime, ReasonDatetimeOpen, ReasonWindowOrder,
	ReasonNoTime, ReasonBadBelow, ReasonBelowNoCoverage, ReasonBadResolution, ReasonResolutionRange, ReasonNotCellLayer,
	ReasonResolutionFine, ReasonUnknownParameter, ReasonFieldTime, ReasonFieldValue, ReasonBadCheck, ReasonTownUnknown,
	ReasonTownNotYours, ReasonTownMissing, ReasonBadZoom, ReasonZoomOrder, ReasonBadF, ReasonBadLimit, ReasonBadOffset,
	ReasonBadAfter, ReasonAfterMixed, ReasonNoFeature, ReasonGBKUnencodable,
	ReasonTownShare, ReasonBBoxNoGeometry, ReasonKMLNoGeometry, ReasonCSVOnly,
}

// Allowed values the refusals list, as the parameters are written.
var (
	FormatNames   = []string{"geojson", "csv", "gpkg", "shp", "kml", "fgb"}
	CRSNames      = []string{"EPSG:4326", "EPSG:4490", "gcj02"}
	EncodingNames = []string{"utf-8", "gbk"}
	GeometryNames = []string{"point", "polygon"}
)

// The H3 resolutions a cell layer takes.
const (
	MinResolution = 6
	MaxResolution = 10
)

// refuse is an invalid request: the parameter, the reason and its
// parameters, and the English sentence.
func refuse(field, reason string, params map[string]any, format string, args ...any) *lianxin.Error {
	return lianxin.Refuse(lianxin.EInvalid, field, reason, params, format, args...)
}
