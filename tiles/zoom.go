package tiles

// HexResolution is the H3 resolution of the hexagon layer (and of the
// clusters of the households and visits layers) at web-map zoom z:
//
//	zoom      resolution   hexagons in a full tile at 32°N
//	0–8       6            ≈650 at z8 (lower zooms: the county's ≈60 cells)
//	9         7            ≈1,100
//	10        8            ≈2,000
//	11        8            ≈500
//	12        9            ≈860
//	13 and up 10           ≈1,500 at z13, ≈380 at z14, fewer above
//
// (cells whose centre lies in the tile, counted by TestHexResolutionTable).
// A full tile at 32°N covers (40,075 km · cos 32° / 2^z)²; an H3 cell covers
// on average 36.1, 5.16, 0.737, 0.105 and 0.0150 km² at resolutions 6 to 10,
// and about three quarters of that at the county's latitude. Zoom and
// resolution step by 4× and 7× in area, so some zooms fall near 500: z11
// takes resolution 8 (≈500) rather than 9 (≈3,400) to stay within "never
// thousands too many". Resolution 10 is the finest the coverage
// aggregates keep; past z13 hexagons only grow on screen, and the household
// points take over. Below z8 a tile could hold more than 2,000 resolution-6
// cells only where the data covers more than ≈55,000 km², far beyond a county.
//
// A role without household access is served at most resolution 8 (the
// privacy rules, coverage.MaxPublishedResolution), every town's households
// in each hexagon whatever its town filter: from z12 its hexagons are fewer
// and larger on screen than the table says. A team leader (household access
// in their own towns only) gets those hexagons too up to resolution 8, or
// their own towns' share when the town filter names one of them. Finer than
// that, their own towns' hexagons at the table's resolution, exact, and
// elsewhere the resolution-8 hexagons every role sees, drawn whole wherever
// they hold another town's households (engine.leaderFineCells): the map
// does not go blank over a neighbouring town from zoom 12.
func HexResolution(z int) int {
	switch {
	case z <= 8:
		return 6
	case z == 9:
		return 7
	case z <= 11:
		return 8
	case z == 12:
		return 9
	default:
		return 10
	}
}

// clusterMargin is the share of a tile's width by which hexagon and cluster
// selections are widened: at least one cell's diameter at every zoom of the
// table above (the largest ratio, z14 at resolution 10, is ≈0.07 at the
// county's latitude), so every hexagon that reaches into the tile is selected.
const clusterMargin = 0.125
