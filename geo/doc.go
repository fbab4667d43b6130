// Package geo holds lianxin's coordinate conventions and the small amount of
// geodesy the service needs: axis-order conversions between orb, h3-go and
// map-tile addresses, H3 cell helpers, the GCJ-02 datum shift, and distances
// in metres.
//
// Assumptions, which every other package may rely on:
//
//   - Coordinates are lon/lat everywhere in our code. An orb.Point is
//     orb.Point{lon, lat}, as in GeoJSON and PostGIS. h3-go speaks lat/lng
//     and orb/maptile speaks x/y/z; the conversions live only in coords.go,
//     under explicit names, because a swapped pair yields a valid but wrong
//     H3 cell or tile and no error.
//   - Stored geometry is SRID 4326 (WGS84 longitude/latitude in degrees).
//   - CGCS2000 (EPSG:4490), the national datum of official Chinese data, is
//     treated as identical to WGS84: the two differ by centimetres, far below
//     the precision of a household location or an H3 resolution-11 cell.
//   - GCJ-02 is the obfuscated datum used by Chinese phone map apps (Amap,
//     Tencent Maps; Baidu's BD-09 adds a further shift and is not handled
//     here). It is displaced from WGS84 by a few hundred metres inside
//     China, so coordinates captured from such apps must be converted with
//     GCJ02ToWGS84 before they are stored.
//   - Distances are on a sphere of the WGS84 mean radius (haversine), which
//     is within about 0.5% of the ellipsoidal distance; that is ample for
//     village outreach coverage.
package geo
