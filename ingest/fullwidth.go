package ingest

import "strings"

// halfWidth reads full-width characters as their half-width forms: the
// full-width ASCII block U+FF01–U+FF5E (Ｍ０００１, ２０２６－０９－１５, ：, ／,
// ．) and the ideographic space U+3000, which a Chinese input method in
// full-width mode types. Only those: an NFKC-like fold of the block that
// means the same characters, leaving every other character (Chinese text,
// 、 and 。) as it is. Codes, ids, numbers, yes/no, dates and coordinates are
// read through it once, where cells are read (parseValue, convert), so
// ＲＶ００２１ and RV0021 are the same diary id; free text (names, notes) is
// stored as typed.
func halfWidth(s string) string {
	if !hasFullWidth(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			b.WriteRune(r - 0xFF01 + '!')
		case r == 0x3000:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func hasFullWidth(s string) bool {
	for _, r := range s {
		if (r >= 0xFF01 && r <= 0xFF5E) || r == 0x3000 {
			return true
		}
	}
	return false
}

// HalfWidth is halfWidth for the other ways a code comes in (the web
// diary's 农户编号 and 队员代码).
func HalfWidth(s string) string { return halfWidth(s) }

// readsHalfWidth reports a field whose text is a code, an id, a number, a
// yes/no, a date or a word from a list, read as half-width; a free-text
// field (a name, notes) keeps what was typed.
func readsHalfWidth(f *Field) bool {
	return f.Type != Text || len(f.Enum) > 0 || isCode(f) || keepsDigits(f)
}

// keepsDigits reports a personal field whose digits are the value (a phone
// or ID card number): like a code, Excel's scientific notation loses them.
func keepsDigits(f *Field) bool {
	return f.Name == "phone" || f.Name == "id_number"
}
