# Manual check, not part of `make test`: loads a running server's layers into QGIS (PyQGIS, headless) as a GIS user would.
# Run: QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/qgis-check.py http://127.0.0.1:8080 USER API_TOKEN [STYLE_JSON]
# STYLE_JSON: the villages' "QGIS/MapLibre style" saved from the GIS view (the browser tests keep one in
# test-artifacts/lianxin-villages.style.json, made in the village choropleth mode); without it (d) is skipped.
# Needs Debian's qgis and python3-qgis; prints one line per check and exits 1 if QGIS disagrees with the API.
"""QGIS check of lianxin's GIS endpoints.

(a) every OGC API - Features collection as an OAPIF layer: validity, feature
    count and geometry type against the API's numberMatched and the geometry
    kinds of its features;
(b) every layer's vector tiles as an XYZ vector tile layer, with the zoom
    range from its TileJSON, drawn over the layer's bounds;
(c) exported files: a GeoPackage and a GBK Shapefile of villages, and a
    GeoPackage of projects (points and polygons);
(d) the web map's own style, downloaded from the GIS view, converted by
    QGIS's QgsMapBoxGlStyleConverter (no errors, no warnings) and applied
    to the villages' tiles: the drawn colour of a village of each coverage
    class is the class's colour in the style.

The API token is sent as the password of HTTP Basic, through a QGIS
authentication configuration held in a throwaway authentication database.
"""

import base64
import collections
import json
import math
import os
import sys
import tempfile
import urllib.parse
import urllib.request
import zipfile

BIG = 70000  # layers with more features are counted by QGIS, not read whole


def main(base, user, token, style_path=None):
    work = tempfile.mkdtemp(prefix="qgis-check-")
    os.environ.setdefault("QGIS_AUTH_DB_DIR_PATH", work)
    # A fresh network cache: tiles cached by an earlier run would come back
    # as 304s and hide what the server sends now.
    os.environ["XDG_CACHE_HOME"] = work
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import Qgis, QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    print("QGIS", Qgis.QGIS_VERSION)
    authcfg = basic_auth_config(user, token)
    api = Api(base, user, token)
    bad = 0
    bad += check_oapif(api, base, authcfg)
    bad += check_tiles(api, authcfg, work)
    bad += check_exports(api, work)
    bad += check_style(api, base, authcfg, work, style_path)
    app.exitQgis()
    print("FAILED: %d check(s)" % bad if bad else "all checks passed")
    return 1 if bad else 0


class Api:
    """Reads the lianxin API with the user's token (HTTP Basic)."""

    def __init__(self, base, user, token):
        self.base = base.rstrip("/")
        self.auth = "Basic " + base64.b64encode(("%s:%s" % (user, token)).encode()).decode()

    def get(self, path):
        req = urllib.request.Request(self.base + path, headers={"Authorization": self.auth})
        with urllib.request.urlopen(req, timeout=600) as res:
            return res.read()

    def json(self, path):
        return json.loads(self.get(path))


def basic_auth_config(user, token):
    from qgis.core import QgsApplication, QgsAuthMethodConfig

    am = QgsApplication.authManager()
    am.setMasterPassword("qgis-check", True)
    cfg = QgsAuthMethodConfig()
    cfg.setName("lianxin")
    cfg.setMethod("Basic")
    cfg.setConfig("username", user)
    cfg.setConfig("password", token)
    if not am.storeAuthenticationConfig(cfg)[0]:
        sys.exit("cannot store the QGIS authentication configuration")
    return cfg.id()


def report(ok, what, detail):
    print("%-8s %-20s %s" % ("ok" if ok else "MISMATCH", what, detail))
    return 0 if ok else 1


def note(what, detail):
    print("%-8s %-20s %s" % ("note", what, detail))


def check_oapif(api, base, authcfg):
    """(a) Each collection as QGIS's OAPIF provider loads it."""
    from qgis.core import QgsVectorLayer, QgsWkbTypes

    bad = 0
    print("\n(a) OGC API - Features collections (provider OAPIF)")
    for col in api.json("/ogc/collections")["collections"]:
        cid = col["id"]
        page = api.json("/ogc/collections/%s/items?limit=1000" % cid)
        matched = page["numberMatched"]
        kinds = collections.Counter(f["geometry"]["type"] if f.get("geometry") else "none" for f in page["features"])
        uri = "url='%s/ogc' typename='%s' authcfg='%s' pageSize='1000' pagingEnabled='true'" % (base.rstrip("/"), cid, authcfg)
        layer = QgsVectorLayer(uri, cid, "OAPIF")
        if not layer.isValid():
            bad += report(False, cid, "QGIS could not load it: %s" % layer.error().summary())
            continue
        count = layer.featureCount()
        gtype = QgsWkbTypes.displayString(layer.wkbType())
        detail = "featureCount %d, numberMatched %d, QGIS type %s" % (count, matched, gtype)
        ok = count == matched
        undrawn = collections.Counter()
        if matched <= BIG:
            read = collections.Counter()
            for f in layer.getFeatures():
                g = f.geometry()
                read[QgsWkbTypes.displayString(g.wkbType()) if not g.isNull() else "none"] += 1
                if not g.isNull() and g.type() != layer.geometryType():
                    undrawn[QgsWkbTypes.displayString(g.wkbType())] += 1
            detail += ", read %d: %s" % (sum(read.values()), dict(read))
            ok = ok and sum(read.values()) == matched
        bad += report(ok, cid, detail)
        if undrawn:
            # QGIS types an OAPIF layer by its first feature and draws no
            # feature of another kind.
            note(cid, "QGIS draws none of its %s (the layer is typed %s); the collections %s_points and %s_polygons hold each kind"
                 % (dict(undrawn), gtype, cid, cid))
    return bad


def tile_of(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def check_tiles(api, authcfg, work):
    """(b) Each TileJSON's tiles as a QGIS vector tile layer, drawn."""
    from qgis.core import (QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsDataSourceUri,
                           QgsMapRendererSequentialJob, QgsMapSettings, QgsProject, QgsRectangle,
                           QgsVectorTileLayer)
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    bad = 0
    print("\n(b) vector tiles (provider vectortile, type=xyz, from each TileJSON)")
    for name in ("towns", "villages", "households", "contact_points", "visits", "projects", "river_works", "h3"):
        try:
            tj = api.json("/tiles/%s.json" % name)
        except Exception as e:  # a layer the user may not read
            bad += report(False, name, "TileJSON: %s" % e)
            continue
        uri = QgsDataSourceUri()
        uri.setParam("type", "xyz")
        uri.setParam("url", tj["tiles"][0])
        uri.setParam("zmin", str(tj["minzoom"]))
        uri.setParam("zmax", str(tj["maxzoom"]))
        uri.setAuthConfigId(authcfg)
        layer = QgsVectorTileLayer(bytes(uri.encodedUri()).decode(), name)
        if not layer.isValid():
            bad += report(False, name, "QGIS could not load the tiles")
            continue
        # Draw the layer's bounds at 1024 px, then a town-sized window at
        # zoom 13 around the TileJSON's centre.
        w, s, e, n = tj["bounds"]
        lon, lat = tj["center"][0], tj["center"][1]
        to3857 = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"),
                                        QgsCoordinateReferenceSystem("EPSG:3857"), QgsProject.instance())
        results = []
        for label, box in (("bounds", (w, s, e, n)), ("centre", (lon - 0.02, lat - 0.02, lon + 0.02, lat + 0.02))):
            ms = QgsMapSettings()
            ms.setLayers([layer])
            ms.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
            ms.setExtent(to3857.transformBoundingBox(QgsRectangle(*box)))
            ms.setOutputSize(QSize(1024, 1024))
            ms.setBackgroundColor(QColor(255, 255, 255))
            job = QgsMapRendererSequentialJob(ms)
            job.start()
            job.waitForFinished()
            img = job.renderedImage()
            img.save(os.path.join(work, "%s-%s.png" % (name, label)))
            painted = sum(1 for yy in range(0, img.height(), 4) for xx in range(0, img.width(), 4)
                          if img.pixel(xx, yy) & 0xFFFFFF != 0xFFFFFF)
            results.append((label, painted, [str(er) for er in job.errors()]))
        ok = all(p > 0 and not errs for _, p, errs in results)
        detail = "zoom %s-%s; " % (tj["minzoom"], tj["maxzoom"]) + ", ".join(
            "%s: %d of 65536 sampled pixels painted%s" % (l, p, " errors %s" % errs if errs else "") for l, p, errs in results)
        # QGIS 3.22 reads Mapbox GL styles (styleUrl), not TileJSON.
        bad += report(ok, name, detail)
    return bad


def check_exports(api, work):
    """(c) Files from /api/v1/export opened with QGIS's OGR provider."""
    from qgis.core import QgsVectorLayer, QgsWkbTypes

    bad = 0
    print("\n(c) exports (provider ogr)")
    villages = api.json("/ogc/collections/villages/items?limit=10000")
    names = sorted(f["properties"]["name"] for f in villages["features"])

    gpkg = os.path.join(work, "villages.gpkg")
    with open(gpkg, "wb") as f:
        f.write(api.get("/api/v1/export/villages?format=gpkg"))
    layer = QgsVectorLayer(gpkg, "villages", "ogr")
    got = sorted(f["name"] for f in layer.getFeatures()) if layer.isValid() else []
    bad += report(layer.isValid() and got == names, "villages.gpkg",
                  "%d features, type %s, names %s the API's" % (len(got), QgsWkbTypes.displayString(layer.wkbType()),
                                                                "equal to" if got == names else "DIFFERENT from"))

    shz = os.path.join(work, "villages_gbk.zip")
    with open(shz, "wb") as f:
        f.write(api.get("/api/v1/export/villages?format=shp&encoding=gbk"))
    shp = [n for n in zipfile.ZipFile(shz).namelist() if n.endswith(".shp")][0]
    cpg = [n for n in zipfile.ZipFile(shz).namelist() if n.endswith(".cpg")]
    cpg_text = zipfile.ZipFile(shz).read(cpg[0]).decode().strip() if cpg else "none"
    layer = QgsVectorLayer("/vsizip/%s/%s" % (shz, shp), "villages_gbk", "ogr")
    got = sorted(f["name"] for f in layer.getFeatures()) if layer.isValid() else []
    encoding = layer.dataProvider().encoding() if layer.isValid() else "?"
    bad += report(layer.isValid() and got == names, "villages shp (gbk)",
                  "%d features, .cpg %r, provider encoding %s, type %s, names %s the API's (first %s)" % (
                      len(got), cpg_text, encoding, QgsWkbTypes.displayString(layer.wkbType()),
                      "equal to" if got == names else "DIFFERENT from", got[:1]))

    projects = api.json("/ogc/collections/projects/items?limit=10000")
    want = collections.Counter(f["geometry"]["type"] for f in projects["features"])
    gpkg = os.path.join(work, "projects.gpkg")
    with open(gpkg, "wb") as f:
        f.write(api.get("/api/v1/export/projects?format=gpkg"))
    layer = QgsVectorLayer(gpkg, "projects", "ogr")
    got = collections.Counter(QgsWkbTypes.displayString(f.geometry().wkbType()) for f in layer.getFeatures())
    bad += report(layer.isValid() and got == want, "projects.gpkg",
                  "QGIS type %s, read %s, API %s" % (QgsWkbTypes.displayString(layer.wkbType()), dict(got), dict(want)))
    # QGIS offers a mixed GeoPackage layer as one sublayer per kind.
    for kind in ("Point", "Polygon"):
        sub = QgsVectorLayer("%s|layername=projects|geometrytype=%s" % (gpkg, kind), "projects " + kind, "ogr")
        n = sub.featureCount() if sub.isValid() else -1
        bad += report(n == want.get(kind, 0), "projects.gpkg " + kind,
                      "geometrytype=%s sublayer: %d features, type %s" % (kind, n, QgsWkbTypes.displayString(sub.wkbType())))
    return bad


def check_style(api, base, authcfg, work, style_path):
    """(d) The GIS view's style for the villages, as QGIS 3.22 reads it."""
    from osgeo import ogr
    from qgis.core import (QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsDataSourceUri, QgsGeometry,
                           QgsMapBoxGlStyleConversionContext, QgsMapBoxGlStyleConverter,
                           QgsMapRendererSequentialJob, QgsMapSettings, QgsPointXY, QgsProject, QgsRectangle,
                           QgsVectorTileLayer)
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    print("\n(d) the web map's style (Mapbox GL v8 from the GIS view) through QgsMapBoxGlStyleConverter")
    if not style_path:
        note("style", "no STYLE_JSON given (the villages' style saved from the GIS view): skipped")
        return 0
    with open(style_path, encoding="utf-8") as f:
        style = json.load(f)
    bad = 0
    src = style.get("sources", {}).get("villages", {})
    tiles = (src.get("tiles") or [""])[0]
    bad += report(style.get("version") == 8 and tiles.startswith("http"), "style file",
                  "version %s, sources %s, villages tiles %s" % (style.get("version"), sorted(style.get("sources", {})), tiles))
    conv = QgsMapBoxGlStyleConverter()
    result = conv.convert(style, QgsMapBoxGlStyleConversionContext())
    renderer = conv.renderer()
    rules = renderer.styles() if renderer else []
    bad += report(result == QgsMapBoxGlStyleConverter.Success and not conv.warnings() and renderer is not None,
                  "conversion", "result %s %s, %d rules, warnings %s" % (result, conv.errorMessage(), len(rules), conv.warnings()))
    for r in rules:
        print("         rule %-28s %-9s %s  filter %s" % (r.styleName(), r.symbol().color().name() if r.symbol() else "",
                                                      "on" if r.isEnabled() else "OFF", r.filterExpression()))
    # The style's tiles (with the window it was made for), from this server.
    parts = urllib.parse.urlsplit(tiles)
    url = base.rstrip("/") + parts.path + ("?" + parts.query if parts.query else "")
    uri = QgsDataSourceUri()
    uri.setParam("type", "xyz")
    uri.setParam("url", url)
    uri.setParam("zmin", str(src.get("minzoom", 5)))
    uri.setParam("zmax", str(src.get("maxzoom", 16)))
    uri.setAuthConfigId(authcfg)
    layer = QgsVectorTileLayer(bytes(uri.encodedUri()).decode(), "villages")
    if not layer.isValid() or renderer is None:
        return bad + report(False, "villages tiles", "QGIS could not load %s" % url)
    layer.setRenderer(renderer)
    if conv.labeling():
        layer.setLabeling(conv.labeling())

    # One village per coverage class of the style, the largest, with its
    # coverage in the style's window from the API.
    fills = [l for l in style["layers"] if l["type"] == "fill" and l.get("source-layer") == "villages"
             and l.get("metadata", {}).get("lianxin:class")]
    window = dict(urllib.parse.parse_qsl(parts.query))
    q = urllib.parse.urlencode({"limit": 10000, **({"datetime": "%s/%s" % (window["from"], window["to"])}
                                                   if window.get("from") and window.get("to") else {})})
    villages = api.json("/ogc/collections/village_coverage/items?" + q)["features"]
    to3857 = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"),
                                    QgsCoordinateReferenceSystem("EPSG:3857"), QgsProject.instance())
    for fl in fills:
        c = fl["metadata"]["lianxin:class"]
        lo, hi = c["min"], c["max"]
        inside = [v for v in villages if (v["properties"].get(c["attr"]) is None) == (lo is None and hi is None)
                  and (v["properties"].get(c["attr"]) is None
                       or ((lo is None or v["properties"][c["attr"]] >= lo) and (hi is None or v["properties"][c["attr"]] < hi)))]
        if not inside:
            note(fl["id"], "no village in this class")
            continue
        geoms = [(QgsGeometry.fromWkt(ogr.CreateGeometryFromJson(json.dumps(v["geometry"])).ExportToWkt()), v)
                 for v in inside]
        g, v = max(geoms, key=lambda gv: gv[0].area())
        g.transform(to3857)
        spot = g.poleOfInaccessibility(1.0)[0].asPoint()
        box = g.boundingBox()
        box.scale(1.2)
        ms = QgsMapSettings()
        ms.setLayers([layer])
        ms.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
        ms.setExtent(box)
        ms.setOutputSize(QSize(512, 512))
        ms.setBackgroundColor(QColor(255, 255, 255))
        job = QgsMapRendererSequentialJob(ms)
        job.start()
        job.waitForFinished()
        img = job.renderedImage()
        img.save(os.path.join(work, "style-%s.png" % v["properties"]["code"]))
        px = ms.mapToPixel().transform(QgsPointXY(spot))
        got = QColor(img.pixel(int(px.x()), int(px.y())))
        # The fill's colour at its opacity over the white background.
        want = QColor(fl["paint"]["fill-color"])
        a = float(fl["paint"].get("fill-opacity", 1))
        want = [round(a * ch + (1 - a) * 255) for ch in (want.red(), want.green(), want.blue())]
        have = [got.red(), got.green(), got.blue()]
        ok = max(abs(x - y) for x, y in zip(have, want)) <= 6 and not job.errors()
        bad += report(ok, "village %s" % v["properties"]["code"],
                      "%s %s, %s: QGIS drew rgb%s at its centre, want rgb%s (%s at opacity %g)%s" % (
                          v["properties"]["name"], c["attr"], v["properties"].get(c["attr"]), tuple(have), tuple(want),
                          fl["paint"]["fill-color"], a, " errors %s" % [str(e) for e in job.errors()] if job.errors() else ""))
    return bad


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__ + "\nusage: qgis-check.py BASE_URL USER API_TOKEN [STYLE_JSON]")
    sys.exit(main(*sys.argv[1:]))
