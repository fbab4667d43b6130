// Package tiles serves lianxin's map layers as Mapbox Vector Tiles: the layer
// registry (each layer's fields, zooms and the tables it is built from), the
// zoom → H3 resolution table of the hexagon layer, the bounded tile cache and
// the TileJSON documents that let MapLibre, QGIS and GDAL open a layer from
// one URL.
//
// It exists as a package so that the rules every tile obeys live in one place,
// apart from HTTP (api/) and SQL (store/):
//
//   - A tile is cached under its layer, tile address, filters, the caller's
//     scope class and the data version of every table it is built from
//     (layer_versions, bumped by a statement trigger on every write). The
//     versions are followed in memory from the database's notifications
//     (Follow), or read per request while that feed is down, so an import is
//     never served stale and no restart or purge is needed.
//   - The ETag is a hash of that key, so a 304 costs the version read only.
//   - No tile ever carries a personal field: household names, phones and ID
//     numbers live in household_personal, which no tile query names.
//   - Which layer a scope may read is lianxin's one rule (Scope.MayReadLayer,
//     behind Options.Allow): households and visits need HouseholdPoints, in
//     single- and multi-layer tiles, TileJSON and offline packages alike.
//
// Low zooms: a layer is never dropped silently and a tile never grows huge.
// Outline layers (towns, villages) and the small point and line layers are
// served whole at every zoom from their minzoom: ST_AsMVTGeom snaps them to
// the 4096 grid, which simplifies them. Households and visits, the two big
// point layers, are served below their detail zoom (14 and 13) as clusters:
// one point per H3 cell (resolution by HexResolution) at the cell's centre,
// with the coverage engine's counts; a cell belongs to the one tile holding
// its centre, so every household and visit is counted in exactly one cluster
// of exactly one tile, and a tile holds at most ~2,000 points.
//
// Villages carry the coverage engine's figures for the tile's window, as the
// village panel gives them (coverage.PublishVillagesAsAsked: a team leader's
// own towns exact over the window asked, others published); the service
// memoises them with each outline's box and hands the tile query the
// list of villages whose box meets the tile (VillagesIn), which the query
// draws by primary key: under row-level security the outlines' GiST index
// cannot serve a tile.
//
// Hexagons are built in Go (h3-go outlines, kept in a bounded memo, and
// orb's MVT encoder) from the coverage engine's cell aggregates;
// BENCHMARKS.md compares that with sending the outlines to PostGIS for
// ST_AsMVT, which was slower. A team leader's hexagons past zoom 11 (their
// own towns' finer ones among the published resolution-8 ones) are worked
// out for the whole county once per window and data version and memoised
// (leaderhex.go); each tile takes its cells from that.
package tiles
