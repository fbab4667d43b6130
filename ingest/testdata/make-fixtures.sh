#!/usr/bin/env bash
# Rebuilds the GeoJSON, GeoPackage and zipped-Shapefile fixtures in good/
# from the hand-written CSVs with GDAL's ogr2ogr, and the GBK copy of the
# household register. Run from anywhere: bash ingest/testdata/make-fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/good"
rm -f ./*.geojson ./*.geojsonl ./*.gpkg ./*.shp.zip ./*.gbk.csv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
oo=(-oo GEOM_POSSIBLE_NAMES=wkt -oo "X_POSSIBLE_NAMES=lon,经度" -oo "Y_POSSIBLE_NAMES=lat,纬度" -oo KEEP_GEOM_COLUMNS=NO)
declare -A english=(
  [villages]=code,name,town_code,kind,resident_population,registered_households,rural,petition_case,wkt
  [households]=external_id,village_code,head_name,phone,id_number,residents,poor,seriously_ill,disabled,empty_nest,left_behind_children,community_correction,petition_case,lon,lat
  [visits]=external_id,member_code,household_id,village_code,project_code,occurred_at,kind,participants,notes,problems_collected,problems_resolved,petition_resolved,dispute_resolved,lon,lat
)
for csv in *.csv; do
  layer=${csv%.csv}
  srs=(-a_srs EPSG:4326)
  [ "$layer" = members ] && srs=()
  ogr2ogr -f GeoJSON "$layer.geojson" "$csv" "${oo[@]}" "${srs[@]}" -nln "$layer"
  ogr2ogr -f GPKG "$layer.gpkg" "$csv" "${oo[@]}" "${srs[@]}" -nln "$layer"
  # Shapefiles hold one geometry type and need a geometry: projects mix
  # points and polygons, members have none.
  case "$layer" in projects|members) continue ;; esac
  # DBF field names hold 10 bytes, which cuts Chinese headers mid-character:
  # Shapefiles get the English headers (truncated to 10 characters by GDAL).
  mkdir -p "$tmp/$layer"
  src=$csv
  if [ -n "${english[$layer]:-}" ]; then
    src=$tmp/$layer.csv
    { echo "${english[$layer]}"; tail -n +2 "$csv"; } > "$src"
  fi
  ogr2ogr -f "ESRI Shapefile" "$tmp/$layer/$layer.shp" "$src" "${oo[@]}" "${srs[@]}" -lco ENCODING=UTF-8 2>/dev/null
  (cd "$tmp/$layer" && zip -qX "$OLDPWD/$layer.shp.zip" ./*)
done
# Newline-delimited GeoJSON and a GBK register, as town clerks' Excel saves it.
ogr2ogr -f GeoJSONSeq households.geojsonl households.geojson -lco RS=NO
iconv -f UTF-8 -t GBK households.csv > households.gbk.csv
# Registers that end in a Chinese name (户主 moved last), in GBK with LF and
# CRLF lines and in GB18030 with a four-byte character last: encoding
# detection must not split the file's last character.
mkdir -p ../encoding
awk -F, -v OFS=, '{h=$3; for (i=3; i<NF; i++) $i=$(i+1); $NF=h; print}' households.csv > "$tmp/head-last.csv"
iconv -f UTF-8 -t GBK "$tmp/head-last.csv" > ../encoding/households-head-last.gbk.csv
sed 's/$/\r/' "$tmp/head-last.csv" | iconv -f UTF-8 -t GBK > ../encoding/households-head-last-crlf.gbk.csv
sed 's/陈刚$/陈𠮷/' "$tmp/head-last.csv" | iconv -f UTF-8 -t GB18030 > ../encoding/households-4byte-last.gb18030.csv
