package geo

// H3 index layout (64 bits, high to low): 1 reserved bit, 4 mode bits,
// 3 mode-dependent bits, 4 resolution bits (52–55), 7 base-cell bits, then
// fifteen 3-bit digits for resolutions 1..15, resolution 15 in the lowest
// three bits. Digits finer than the cell's resolution are all 7.
const (
	h3ResShift  = 52
	h3ResMask   = int64(15) << h3ResShift
	h3DigitBits = 3
	h3MaxRes    = 15
)

// ParentCellBits returns the ancestor of an H3 cell at resolution res by bit
// manipulation alone: it writes res into the resolution field (bits 52–55)
// and sets the digits for resolutions res+1..15 to 7. The caller guarantees
// that cell is a valid cell and 0 <= res <= its resolution; ParentCell checks
// both, this function checks neither.
//
// It exists so that Go and SQL agree on one formula. The SQL migration
// carries the same expression, for a bigint cell and an integer res:
//
//	(cell & ~(15::bigint << 52)) | (res::bigint << 52) | ((1::bigint << (3*(15-res))) - 1)
func ParentCellBits(cell int64, res int) int64 {
	r := int64(res)
	return (cell &^ h3ResMask) | (r << h3ResShift) | (int64(1)<<(h3DigitBits*(h3MaxRes-res)) - 1)
}
