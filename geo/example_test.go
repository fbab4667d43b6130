package geo_test

import (
	"fmt"

	"github.com/paulmach/orb"

	"lianxin/geo"
)

func ExampleCellIDOf() {
	// orb.Point is lon/lat; this is the point in h3's own documentation.
	p := orb.Point{-122.41795063018799, 37.775938728915946}
	id, err := geo.CellIDOf(p, 9)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%x %d\n", id, id)
	// Output:
	// 8928308280fffff 617700169958293503
}

func ExampleGCJ02ToWGS84() {
	// A point read off a Chinese phone map near Tiananmen.
	gcj := orb.Point{116.41024449916938, 39.91640428150164}
	wgs := geo.GCJ02ToWGS84(gcj)
	fmt.Printf("lon %.6f lat %.6f\n", wgs.Lon(), wgs.Lat())
	// Output:
	// lon 116.404000 lat 39.915000
}

func ExampleTileZXY_Bound() {
	t := geo.TileZXY{Z: 10, X: 853, Y: 415}
	if err := t.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	b := t.Bound()
	fmt.Printf("lon %.6f..%.6f lat %.6f..%.6f\n", b.Min.Lon(), b.Max.Lon(), b.Min.Lat(), b.Max.Lat())
	fmt.Println(geo.TileZXY{Z: 10, X: 1024, Y: 0}.Validate())
	// Output:
	// lon 119.882812..120.234375 lat 31.952162..32.249974
	// tile 10/1024/0: x 1024 outside 0..1023 at zoom 10
}
