package ingest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"lianxin"
)

// File codes name what is wrong with a file as a whole — its header, its
// encoding, its format — as the reject codes name what is wrong with a
// row: the refusal (an invalid *lianxin.Error, and the import record's
// Problems) carries each problem's code and parameters, so that the web
// map and `lianxin ingest --lang zh` word it in the clerk's language while
// the message keeps its English sentence.
const (
	FileEmpty            = "empty_file"         // nothing in the file
	FileNoRows           = "no_rows"            // only a header, or an empty collection
	FileUTF16            = "utf16"              // UTF-16 text
	FileNotText          = "not_text"           // binary data in its first bytes
	FileNotGBK           = "not_gbk"            // GBK asked for, but the file is UTF-8
	FileUnknownEncoding  = "unknown_encoding"   // neither UTF-8 nor GBK/GB18030
	FileNotUTF8          = "not_utf8"           // {line} not UTF-8 text
	FileUnknownColumn    = "unknown_column"     // {column, position, suggestion?}
	FileMissingColumn    = "missing_column"     // {column, aliases, column_zh, aliases_zh}
	FileLonLatPair       = "lon_lat_pair"       // one of lon and lat without the other
	FileMissingGeometry  = "missing_geometry"   // {hint, hint_zh}: no geometry column
	FileTitleRow         = "title_row"          // {value}: a title above the header
	FileAmbiguousColumns = "ambiguous_columns"  // {first, second, field}
	FileBadQuote         = "bad_quote"          // {line}: truncated, or a stray quote
	FileLineTooLong      = "line_too_long"      // {line}
	FileWorkbook         = "workbook"           // an Excel workbook
	FileUnknownType      = "unknown_file_type"  // {ext}
	FileNotGeoJSON       = "not_geojson"        // does not start with '{'
	FileGeoJSONType      = "geojson_type"       // {type} other than FeatureCollection
	FileNoFeaturesMember = "no_features_member" // a GeoJSON object without "features"
	FileTruncated        = "truncated"          // {feature}: ends inside the GeoJSON
	FileBadJSON          = "bad_json"           // {feature, byte}
	FileFeatureTooLarge  = "feature_too_large"  // {feature}
	FileMissingProps     = "missing_properties" // {columns}: required properties absent
	FileNoFeatures       = "no_features"        // a GeoPackage or Shapefile with none
	FileManyLayers       = "many_layers"        // {count, layers, want}
	FileBadZip           = "bad_zip"            // not a readable zip
	FileNoShapefile      = "no_shapefile"       // a zip without a .shp
	FileNoSuchShapefile  = "no_such_shapefile"  // {name, names}
	FileUnreadable       = "unreadable"         // {detail}: GDAL could not read it
	FileNotFound         = "file_not_found"     // {path}: no such file (the command line)
	// A Shapefile zip's longtext.csv (longtext.go), each with {file, line}.
	FileLongTextHeader    = "longtext_header"    // {file, header, want}
	FileLongTextRow       = "longtext_row"       // {file, line}: not key, field, text; or bad CSV
	FileLongTextTwice     = "longtext_twice"     // {file, line, first, key, field}
	FileLongTextField     = "longtext_field"     // {file, line, field}: no column of the shapefile
	FileLongTextMismatch  = "longtext_mismatch"  // {file, line, key, field, feature}
	FileLongTextUnmatched = "longtext_unmatched" // {file, line, key, field}: no feature has the key
)

// FileCodes lists every file code; the web map words each
// (i18n.js imp.problem.*) and so does ProblemZH (a test checks).
var FileCodes = []string{
	FileEmpty, FileNoRows, FileUTF16, FileNotText, FileNotGBK, FileUnknownEncoding, FileNotUTF8, FileUnknownColumn,
	FileMissingColumn, FileLonLatPair, FileMissingGeometry, FileTitleRow, FileAmbiguousColumns, FileBadQuote,
	FileLineTooLong, FileWorkbook, FileUnknownType, FileNotGeoJSON, FileGeoJSONType, FileNoFeaturesMember,
	FileTruncated, FileBadJSON, FileFeatureTooLarge, FileMissingProps, FileNoFeatures, FileManyLayers, FileBadZip,
	FileNoShapefile, FileNoSuchShapefile, FileUnreadable, FileNotFound,
	FileLongTextHeader, FileLongTextRow, FileLongTextTwice, FileLongTextField, FileLongTextMismatch, FileLongTextUnmatched,
}

// IsFileCode reports whether code is one of FileCodes: a problem of the
// file, not of a row.
func IsFileCode(code string) bool { return slices.Contains(FileCodes, code) }

// fileInvalid is the invalid error of a file with one problem; its
// message is the English sentence format gives.
func fileInvalid(file, unit string, line int64, code string, params map[string]any, format string, args ...any) *lianxin.Error {
	msg := fmt.Sprintf(format, args...)
	return fileProblems(file, line, msg, []RowError{{File: file, Unit: unit, Line: line, Reason: msg, Code: code, Params: params}})
}

// fileProblems is the invalid error of a file with problems; Details
// carry them (the API's error body, as rejected rows are).
func fileProblems(file string, line int64, msg string, ps []RowError) *lianxin.Error {
	return &lianxin.Error{Code: lianxin.EInvalid, Message: msg,
		Details: map[string]any{"file": file, "line": line, "problems": ps}}
}

// ProblemsOf is the file problems err carries, or none.
func ProblemsOf(err error) []RowError {
	var le *lianxin.Error
	if !errors.As(err, &le) {
		return nil
	}
	d, ok := le.Details.(map[string]any)
	if !ok {
		return nil
	}
	ps, _ := d["problems"].([]RowError)
	return ps
}

// zhName is a field's Chinese column name (its first alias in Chinese),
// and the other names it may go by: missing_column's column_zh and
// aliases_zh.
func zhName(f *Field) (string, []string) {
	for i, a := range f.Aliases {
		if strings.IndexFunc(a, func(r rune) bool { return r > unicode.MaxASCII }) >= 0 {
			rest := append([]string{f.Name}, f.Aliases[:i]...)
			return a, append(rest, f.Aliases[i+1:]...)
		}
	}
	return f.Name, f.Aliases
}

// ProblemZH words a file problem in Chinese from its code and
// parameters, as the web map does (i18n.js imp.problem.*); an uncoded one
// keeps its English reason.
func ProblemZH(e RowError) string {
	p := func(k string) string {
		if v, ok := e.Params[k+"_zh"]; ok {
			return paramText(v)
		}
		return paramText(e.Params[k])
	}
	switch e.Code {
	case FileEmpty:
		return "文件是空的：第一行应是列名（表头），之后每行一条记录"
	case FileNoRows:
		return "文件里没有数据：只有表头，或是空的要素集合"
	case FileUTF16:
		return "文件是 UTF-16 编码：请另存为 UTF-8（或 GBK）文本"
	case FileNotText:
		return "不是文本文件（开头是二进制数据）：文件选对了吗？"
	case FileNotGBK:
		return "文件是 UTF-8 文本，不是 GBK：请把编码选为自动或 UTF-8 再导入"
	case FileUnknownEncoding:
		return "文件既不是 UTF-8 也不是 GBK/GB18030 文本：请另存为 UTF-8，或选择正确的编码"
	case FileNotUTF8:
		return "第 " + p("line") + " 行不是有效的 UTF-8 文字：文件是 GBK 编码吗？请把编码选为 GBK 再导入"
	case FileUnknownColumn:
		r := "表头第 " + p("position") + " 列“" + p("column") + "”不是可识别的列名"
		if s := p("suggestion"); s != "" {
			r += "（是不是“" + s + "”？）"
		}
		return r
	case FileMissingColumn:
		return "缺少必填列“" + p("column") + "”（也可写作 " + p("aliases") + "）"
	case FileLonLatPair:
		return "经度和纬度要成对：请同时给出“经度”和“纬度”两列"
	case FileMissingGeometry:
		return "缺少位置：请给出" + p("hint")
	case FileTitleRow:
		return "“" + p("value") + "”是表头上方的标题行吗？请删除这一行，让列名位于第一行"
	case FileAmbiguousColumns:
		return "“" + p("first") + "”和“" + p("second") + "”两列都表示 " + p("field") + "：请只保留其中一列"
	case FileBadQuote:
		return "第 " + p("line") + " 行格式有误：文件被截断，或未加引号的单元格里有引号"
	case FileLineTooLong:
		return "第 " + p("line") + " 行超过一行的长度上限：文件选对了吗？"
	case FileWorkbook:
		return "这是 Excel 工作簿，不能直接导入：请在 Excel 中另存为 CSV，再导入该 CSV"
	case FileNotFound:
		return "找不到文件“" + p("path") + "”：文件名和所在的文件夹写对了吗？"
	case FileUnknownType:
		return "不支持的文件类型“" + p("ext") + "”：请使用 .csv、.geojson、.geojsonl、.gpkg 或 .zip（压缩的 Shapefile）"
	case FileNotGeoJSON:
		return "不是 GeoJSON：文件不以“{”开头"
	case FileGeoJSONType:
		return "GeoJSON 的类型为 " + p("type") + "：应为 FeatureCollection（要素集合）或每行一个要素"
	case FileNoFeaturesMember:
		return "GeoJSON 对象中没有“features”（要素）"
	case FileTruncated:
		return "文件在第 " + p("feature") + " 个要素中途结束（文件被截断？）"
	case FileBadJSON:
		return "第 " + p("feature") + " 个要素不是有效的 JSON（第 " + p("byte") + " 字节处）"
	case FileFeatureTooLarge:
		return "第 " + p("feature") + " 个要素超过一行的大小上限：文件选对了吗？"
	case FileMissingProps:
		return "第 1 个要素的属性缺少 " + p("columns") + "（属性名即列名，如同 CSV 的表头）"
	case FileNoFeatures:
		return "文件中没有要素"
	case FileManyLayers:
		return "文件含 " + p("count") + " 个图层（" + p("layers") + "）：请在“源图层”中指定要导入的一个，或把它命名为 " + p("want")
	case FileBadZip:
		return "不是可读取的 zip 文件"
	case FileNoShapefile:
		return "zip 中没有 Shapefile（.shp）：应包含一个 Shapefile 的 .shp、.shx、.dbf 和 .prj"
	case FileNoSuchShapefile:
		return "zip 中没有名为 " + p("name") + " 的 Shapefile；其中有 " + p("names")
	case FileUnreadable:
		return "GDAL 无法读取该文件：" + p("detail")
	case FileLongTextHeader:
		return "zip 中 " + p("file") + " 第 1 行（表头）是“" + p("header") + "”：应为 " + p("want")
	case FileLongTextRow:
		return "zip 中 " + p("file") + " 第 " + p("line") + " 行格式有误：每行应有三格（编号、字段、完整文字），前两格不能为空"
	case FileLongTextTwice:
		return "zip 中 " + p("file") + " 第 " + p("line") + " 行：" + p("key") + " 的字段 " + p("field") + " 重复（第 " + p("first") + " 行已有）"
	case FileLongTextField:
		return "zip 中 " + p("file") + " 第 " + p("line") + " 行：字段 " + p("field") + " 不是该 Shapefile 的字段"
	case FileLongTextMismatch:
		return "zip 中 " + p("file") + " 第 " + p("line") + " 行：Shapefile 里 " + p("key") + " 的字段 " + p("field") + "（第 " + p("feature") + " 个要素）不是这段完整文字的开头：请两处一起修改，或删去 " + p("file") + " 的这一行"
	case FileLongTextUnmatched:
		return "zip 中 " + p("file") + " 第 " + p("line") + " 行：Shapefile 里没有编号为 " + p("key") + " 的要素"
	}
	return e.Reason
}

// paramText writes a parameter for a sentence (a row reject's, ReasonZH, or
// a refused file's): lists joined with 、.
func paramText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case []string:
		return strings.Join(v, "、")
	case []any:
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = fmt.Sprint(x)
		}
		return strings.Join(s, "、")
	case float64: // a number read back from JSON: 10, 120.0213, never 1e+06
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

// MessageZH words a refused file's problems in Chinese, one sentence
// each after the file's name; without problems it is "".
func MessageZH(file string, ps []RowError) string {
	if len(ps) == 0 {
		return ""
	}
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = ProblemZH(p)
	}
	return file + "：" + strings.Join(s, "；")
}
