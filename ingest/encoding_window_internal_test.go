package ingest

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// gb is s in GB18030, as a Chinese Excel saves it.
func gb(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q as GB18030: %v", s, err)
	}
	return b
}

// The characters a window can cut: 中 is two bytes in GBK, 𠮷 (a name
// character outside GBK) four in GB18030, 张 three in UTF-8 and 𠮷 four.
var cutChars = []string{"中", "𠮷"}

// A window cut anywhere inside a character is still judged by the
// characters before the cut. A GB18030 file that ends inside one is not
// whole text; a UTF-8 one is UTF-8 cut short (a broken-off upload), which
// the reader above reports as the file ending early.
func TestEncodingWindowCut(t *testing.T) {
	for _, c := range cutChars {
		for _, eol := range []string{"", "\n", "\r\n"} {
			text := "户编号,户主\nH0001,张建" + c + eol
			for _, enc := range []struct {
				name  string
				bytes []byte
				valid func([]byte, bool) bool
			}{
				{"GB18030", gb(t, text), validGB18030Window},
				{"UTF-8", []byte(text), utf8Window},
			} {
				full := enc.bytes
				if !enc.valid(full, true) {
					t.Errorf("%s file %q whole: refused, want accepted", enc.name, text)
				}
				// Every cut from inside 张 to the end: the window was cut,
				// so an unfinished last character is left out.
				start := len(full) - len(eol) - 12
				for n := start; n <= len(full); n++ {
					if !enc.valid(full[:n], false) {
						t.Errorf("%s file %q cut after byte %d of %d: refused, want accepted", enc.name, text, n, len(full))
					}
				}
				// The file ending inside c: GB18030 refused, UTF-8 accepted.
				if eol == "" {
					size := len(gb(t, c))
					if enc.name == "UTF-8" {
						size = len(c)
					}
					for k := 1; k < size; k++ {
						cut := full[:len(full)-k]
						if got, want := enc.valid(cut, true), enc.name == "UTF-8"; got != want {
							t.Errorf("%s file ending %d bytes into %q (% x): accepted %v, want %v", enc.name, size-k, c, cut[len(cut)-4:], got, want)
						}
					}
				}
			}
		}
	}
}

// utf8Window is validUTF8Window in the shape of validGB18030Window: it
// judges a window the same whether or not the file ended there.
func utf8Window(b []byte, _ bool) bool { return validUTF8Window(b) }

// A lone invalid byte is refused whether or not the window was cut: the
// back-off leaves out only a character the cut split.
func TestEncodingWindowInvalid(t *testing.T) {
	cases := []struct {
		name  string
		b     []byte
		valid func([]byte, bool) bool
	}{
		{"GB18030 lead with a bad trail", []byte("abc\x81\x7fdef"), validGB18030Window},
		{"GB18030 0xFF at the end", []byte("abc\xff"), validGB18030Window},
		{"UTF-8 stray continuation at the end", []byte("abc\x80"), utf8Window},
		{"UTF-8 0xFF at the end", []byte("abc\xff"), utf8Window},
		{"UTF-8 GBK text", gb(t, "户编号,户主"), utf8Window},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, atEOF := range []bool{true, false} {
				if tc.valid(tc.b, atEOF) {
					t.Errorf("% x (at end of file %v): accepted, want refused", tc.b, atEOF)
				}
			}
		})
	}
}

// Files smaller and larger than the sniffed window, its end falling on
// every byte of a two-byte and a four-byte character, with LF and CRLF
// lines, are detected as what they are and read back unchanged.
func TestDecodeTextDetectsAtEveryCut(t *testing.T) {
	type file struct {
		name, text string
	}
	var files []file
	for _, c := range cutChars {
		for _, eol := range []string{"\n", "\r\n"} {
			line := "H0001,张建" + c + eol
			header := "户编号,户主" + eol
			// Small: the whole file in the window, ending in c and its line end.
			files = append(files, file{"small " + c + " " + strings.TrimSpace(strings.ReplaceAll(eol, "\r", "CR")),
				header + strings.Repeat(line, 3)})
			// Large: pad the first line so that the window's end moves
			// across every byte of a line.
			body := strings.Repeat(line, sniffBytes/len(line)+2)
			for pad := 0; pad < len(gb(t, line))+1; pad++ {
				files = append(files, file{"large " + c + " pad " + string(rune('a'+pad)) + " " + strings.ReplaceAll(eol, "\r", "CR"),
					"户编号,户主" + strings.Repeat("x", pad) + eol + body})
			}
		}
	}
	for _, f := range files {
		for _, enc := range []string{EncodingGB18030, EncodingUTF8} {
			raw := []byte(f.text)
			if enc == EncodingGB18030 {
				raw = gb(t, f.text)
			}
			r, got, err := decodeText(bytes.NewReader(raw), EncodingAuto, "h.csv")
			if err != nil || got != enc {
				t.Errorf("%s in %s (%d bytes): detected %q, %v; want %q", f.name, enc, len(raw), got, err, enc)
				continue
			}
			out, err := io.ReadAll(r)
			if err != nil || string(out) != f.text {
				t.Errorf("%s in %s: read back %d bytes (%v), want the %d bytes written", f.name, enc, len(out), err, len(f.text))
			}
		}
	}
}
