package ingest

import "fmt"

// maxWKTNesting is the deepest bracket nesting of a geometry a layer stores:
// MULTIPOLYGON(((x y, …))) has three levels.
const maxWKTNesting = 3

// checkWKTNesting refuses WKT nested deeper than any stored geometry before
// it is parsed: the WKT parser splits every level afresh, so a cell of
// nested GEOMETRYCOLLECTION(…) costs time quadratic in its length (seconds
// for a few hundred kilobytes) and would stall an import on one row.
func checkWKTNesting(s string) error {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			if depth++; depth > maxWKTNesting {
				return fmt.Errorf("WKT nested deeper than %d brackets (a MULTIPOLYGON has %d)", maxWKTNesting, maxWKTNesting)
			}
		case ')':
			depth--
		}
	}
	return nil
}
