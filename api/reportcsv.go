package api

// ReportCSV rewrites a report CSV as coverage.WriteCSV writes it into the
// API's format=csv: zh gives the Chinese header and enumerated values of
// lang=zh, excel the code cells as ="…" (excel=true, the API's default).
// `lianxin report --lang zh` writes its CSV through it, so the command line
// and the API (and the web map's downloads of it) share one catalogue of
// Chinese column names (zhHeaders, zhValues).
func ReportCSV(raw []byte, zh, excel bool) ([]byte, error) {
	return reportCSV(raw, reportCSVOptions{zh: zh, excel: excel})
}
