// Coordinates without the map's code (MapLibre): the positions of a GeoJSON
// geometry and the box around points, for the views drawn while the map
// still loads (team.js, team-special.js, main.js) as for the map's own.

/**
 * eachCoord calls fn with every position of a GeoJSON geometry, in order,
 * until fn returns false; it returns whether fn stopped it.
 */
export function eachCoord(geom, fn) {
  if (!geom) return false;
  const walk = (c) => Array.isArray(c) && (typeof c[0] === 'number' ? fn(c) === false : c.some(walk));
  if (geom.type === 'GeometryCollection') return (geom.geometries || []).some((g) => eachCoord(g, fn));
  return walk(geom.coordinates);
}

/** firstCoord is a GeoJSON geometry's first position [lon, lat], or null. */
export function firstCoord(geom) {
  let first = null;
  eachCoord(geom, (c) => {
    if (c.length >= 2) first = [Number(c[0]), Number(c[1])];
    return !first;
  });
  return first;
}

/** boundsOf is the box [[west, south], [east, north]] around points [lon, lat], or null for none. */
export function boundsOf(points) {
  let b = null;
  for (const [x, y] of points) {
    if (!b) b = [[x, y], [x, y]];
    else b = [[Math.min(b[0][0], x), Math.min(b[0][1], y)], [Math.max(b[1][0], x), Math.max(b[1][1], y)]];
  }
  return b;
}
