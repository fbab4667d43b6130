package export

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"strings"
)

// The field dictionary of a shapefile zip (fields.csv) says two things a
// GIS user cannot read from the .dbf (GIS staff review, nits 2 and 13):
//
//   - each field's type as the .dbf holds it (GDAL chooses a .dbf type
//     from the values: a count the catalogue calls Integer64 is stored as
//     Integer (9.0) when its values are small), not the catalogue's;
//   - that an empty figure of a coverage layer is withheld by the privacy
//     rules (a suppressed village, a hidden special-group count), not zero
//     and not missing data.

// withheldNote is added to the figures a coverage layer may withhold.
const (
	withheldNote   = "; empty: withheld by the privacy rules (not zero, not missing data)"
	withheldNoteZH = "；空值：按隐私规则不公布（不是 0，也不是缺数据）"
)

// withheldFields are the fields of the aggregate layers left empty when the
// privacy rules withhold them.
var withheldFields = map[string]bool{
	"households": true, "visited_households": true, "visited_residents": true, "coverage": true, "reached": true,
	"residents_needed": true, "visits": true, "problems_collected": true, "problems_resolved": true,
	"special_unvisited": true, "special_waiting_households": true, "special_households": true, "residents": true, "visited_share": true,
	"open_problems": true, "households_needed": true, "households_needed_typical": true, "coverage_if_visited": true,
}

// shapefileDictionary is fields.csv for the shapefile whose .dbf is at
// dbfPath: the dictionary's columns, the type read from the .dbf when
// it can be, the withheld note on a coverage layer's figures, what a field
// held as text holds (shapefileText), and how many of a field's values
// were cut at the .dbf's 254 bytes (cut, by field) and where they are whole.
func shapefileDictionary(l *Layer, dbfPath string, cut map[string]int) []byte {
	types := dbfFieldTypes(dbfPath)
	text := l.shapefileText()
	_, key := featureKey(l)
	var b bytes.Buffer
	b.WriteString("\ufeffshapefile_field,field,type,description,说明\r\n")
	for i, f := range l.Fields {
		n := shapefileNames[f.Name]
		typ := string(f.Type)
		if t, ok := types[strings.ToLower(n.Short)]; ok {
			typ = t
		}
		desc, zh := f.Description, n.ZH
		if l.Kind == Aggregate && withheldFields[f.Name] {
			desc += withheldNote
			zh += withheldNoteZH
		}
		if text != nil && text[i] {
			if f.Type == DateTime {
				desc += "; text: RFC 3339 in UTC+8 (2026-06-15T12:44:00+08:00), as the import reads it back (a .dbf date drops the time of day)"
				zh += "；文本：RFC 3339 北京时间（如 2026-06-15T12:44:00+08:00），导入时按原样读回（.dbf 的日期类型会丢掉时分）"
			} else {
				desc += "; text: every digit of the 64-bit number (a .dbf number is read as a double, which loses the last digits)"
				zh += "；文本：64 位整数的全部数字（.dbf 的数值会被读成双精度浮点，丢掉末几位）"
			}
		}
		if n := cut[f.Name]; n > 0 {
			desc += fmt.Sprintf("; %d values longer than the .dbf's %d bytes are cut here: whole in %s (by %s)", n, dbfTextBytes, longTextName, key)
			zh += fmt.Sprintf("；有 %d 个值超过 .dbf 的 %d 字节，在此被截断：完整文字见 %s（按 %s 对应）", n, dbfTextBytes, longTextName, key)
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s\r\n", n.Short, f.Name, appendCSVString(nil, typ, true),
			appendCSVString(nil, desc, true), appendCSVString(nil, zh, true))
	}
	return b.Bytes()
}

// dbfFieldTypes reads a .dbf's field descriptors (dBase III: a 32-byte
// header, then 32 bytes a field up to 0x0D) as GDAL names their types, by
// lower-case field name, as ogrinfo writes them: Integer (9.0), Real
// (24.15), String (80.0), Date (10.0).
// Nil when the file cannot be read.
func dbfFieldTypes(path string) map[string]string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 32 {
		return nil
	}
	headerLen := int(binary.LittleEndian.Uint16(b[8:10]))
	out := map[string]string{}
	for i := 32; i+32 <= len(b) && i+32 <= headerLen && b[i] != 0x0D; i += 32 {
		d := b[i : i+32]
		name := strings.ToLower(string(bytes.TrimRight(d[:11], "\x00")))
		width, decimals := int(d[16]), int(d[17])
		switch d[11] {
		case 'N', 'F':
			if decimals == 0 && width < 19 {
				if width < 10 {
					out[name] = fmt.Sprintf("Integer (%d.0)", width)
				} else {
					out[name] = fmt.Sprintf("Integer64 (%d.0)", width)
				}
			} else {
				out[name] = fmt.Sprintf("Real (%d.%d)", width, decimals)
			}
		case 'C':
			out[name] = fmt.Sprintf("String (%d.0)", width)
		case 'D':
			out[name] = "Date (10.0)" // stored as YYYYMMDD, read as YYYY-MM-DD
		case 'L':
			out[name] = "Logical"
		}
	}
	return out
}
