package api

import (
	"slices"
	"testing"

	"lianxin/export"
)

// The export catalogue lists a layer to a scope without household points
// (/ogc/collections, the GIS view's downloads) exactly when the API lets
// such a scope read it: a layer listed but refused sent QGIS users to a 403.
func TestCatalogueHouseholdLayersMatchTheAPI(t *testing.T) {
	for _, l := range export.Layers() {
		if refused := slices.Contains(householdLayers, l.Name); l.Households != refused {
			t.Errorf("layer %s: catalogue marks Households %v, but the API refuses it without household points: %v", l.Name, l.Households, refused)
		}
	}
}
