package export

import (
	"strconv"

	"lianxin"
	"lianxin/tiles"
)

// The zooms of a town's offline package. Every vector layer starts at
// tiles.DataMinZoom (below it a tile would be the whole county as a dot,
// and the tile service refuses it), so a package cannot start lower; past
// PackageMaxZoom a town is thousands of tiles.
const (
	PackageMinZoom = tiles.DataMinZoom
	PackageMaxZoom = 16
)

// ParsePackageZoom reads the minzoom or maxzoom of an offline package (the
// API's parameter, the command line's flag), named param, refusing what the
// package would refuse once its first tile is asked: the check and the
// download answer the same.
func ParsePackageZoom(param, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < PackageMinZoom || n > PackageMaxZoom {
		return 0, lianxin.Refuse(lianxin.EInvalid, param, ReasonBadZoom,
			map[string]any{"value": s, "min": PackageMinZoom, "max": PackageMaxZoom},
			"%s %q: want a whole number from %d to %d (every layer of the package starts at zoom %d)",
			param, s, PackageMinZoom, PackageMaxZoom, PackageMinZoom)
	}
	return n, nil
}

// CheckPackageZooms refuses a package's zooms out of range or in the wrong
// order.
func CheckPackageZooms(minZoom, maxZoom int) error {
	for _, z := range []struct {
		param string
		v     int
	}{{"minzoom", minZoom}, {"maxzoom", maxZoom}} {
		if _, err := ParsePackageZoom(z.param, strconv.Itoa(z.v)); err != nil {
			return err
		}
	}
	if minZoom > maxZoom {
		return refuse("minzoom", ReasonZoomOrder, map[string]any{"min": minZoom, "max": maxZoom},
			"minzoom %d is above maxzoom %d", minZoom, maxZoom)
	}
	return nil
}
