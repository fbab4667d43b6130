package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// Encodings we read. GBK files are decoded as GB18030, its superset.
const (
	EncodingAuto    = ""
	EncodingUTF8    = "utf-8"
	EncodingGB18030 = "gb18030"
)

// ParseEncoding reads an --encoding value.
func ParseEncoding(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return EncodingAuto, nil
	case "utf-8", "utf8":
		return EncodingUTF8, nil
	case "gbk", "gb2312", "gb18030", "cp936":
		return EncodingGB18030, nil
	}
	return "", OptionError("encoding", OptBadEncoding, map[string]any{"value": s, "allowed": []string{"auto", "utf-8", "gbk", "gb18030"}})
}

// sniffBytes is how much of a file encoding detection looks at.
const sniffBytes = 64 << 10

// decodeText wraps r so that it yields UTF-8: it detects the encoding from
// the first bytes unless enc forces one, drops a UTF-8 BOM, and refuses
// binary data. It returns the encoding it chose.
func decodeText(r io.Reader, enc, file string) (io.Reader, string, error) {
	br := bufio.NewReaderSize(r, sniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, "", fmt.Errorf("read %s: %w", file, err)
	}
	// The window holds the whole file when Peek met its end: then a
	// character cut at the window's end is the file's fault, not the cut's.
	atEOF := errors.Is(err, io.EOF)
	if len(head) == 0 {
		return nil, "", fileInvalid(file, "", 0, FileEmpty, nil, "%s is empty", file)
	}
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		return nil, "", fileInvalid(file, "", 0, FileUTF16, nil, "%s is UTF-16; save it as UTF-8 (or GBK) text", file)
	}
	if looksBinary(head) {
		return nil, "", fileInvalid(file, "", 0, FileNotText, nil, "%s is not a text file (binary data in its first bytes)", file)
	}
	bom := bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	// Chinese text that is valid UTF-8 is UTF-8: read as GBK it would land
	// as mojibake, with no error to say so.
	if enc == EncodingGB18030 && (bom || (validUTF8Window(head) && !isASCII(head))) {
		return nil, "", fileInvalid(file, "", 0, FileNotGBK, nil, "%s is UTF-8 text, not GBK: import it without --encoding gbk (or with --encoding utf-8)", file)
	}
	if enc == EncodingAuto {
		switch {
		case bom || validUTF8Window(head):
			enc = utf8OrLate(r, head) // a GBK line further on (lateencoding.go)
		case validGB18030Window(head, atEOF):
			enc = EncodingGB18030
		default:
			return nil, "", fileInvalid(file, "", 0, FileUnknownEncoding, nil, "%s is neither UTF-8 nor GBK/GB18030 text; save it as UTF-8 or pass --encoding", file)
		}
	}
	if bom {
		if _, err := br.Discard(3); err != nil {
			return nil, "", err
		}
	}
	if enc == EncodingGB18030 {
		return transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), enc, nil
	}
	return br, enc, nil
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// looksBinary reports NUL bytes or mostly control characters: no CSV or
// GeoJSON has them.
func looksBinary(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return true
	}
	ctl := 0
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != 0x1e && c != 0x0c {
			ctl++
		}
	}
	return ctl*20 > len(b)
}

// validUTF8Window is utf8.Valid for a sniffed window, leaving out a rune
// started in its last bytes and not finished there. When the window was cut
// from a longer file that is the cut's doing; at the end of the file the
// file itself was cut short, as an upload broken
// off mid-character is: it is still UTF-8 text, and the reader above then
// says where the file ends, which tells the user more than "not UTF-8".
// Only the last one to three bytes are forgiven, so GBK text elsewhere in
// the window still fails.
func validUTF8Window(b []byte) bool {
	return utf8.Valid(b[:utf8CompleteLen(b)])
}

// utf8CompleteLen is the length of b without a last rune that began but
// did not end in it. A stray continuation byte or an invalid lead is kept,
// so that utf8.Valid still refuses it.
func utf8CompleteLen(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return i
			}
			break
		}
	}
	return len(b)
}

// validGB18030Window reports whether a sniffed window decodes as GB18030
// with no replacement character. When the window was cut from a longer file
// (atEOF false), a last character the cut split is left out; at the end of
// the file nothing is trimmed. A fixed trim of four bytes split two-byte
// characters and refused GBK files that fit the window whole.
func validGB18030Window(b []byte, atEOF bool) bool {
	if !atEOF {
		b = b[:gb18030CompleteLen(b)]
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil {
		return false
	}
	return !bytes.ContainsRune(out, utf8.RuneError)
}

// gb18030CompleteLen is the length of b up to the start of its last
// character, if that character needs more bytes than b holds. GB18030's
// trail bytes 0x40-0x7E look like ASCII, so the character boundaries are
// found walking from the start, by the encoding's rules: a byte below 0x80
// stands alone; a lead byte 0x81-0xFE starts a four-byte sequence when the
// next byte is a digit 0x30-0x39, else a two-byte one. Malformed sequences
// are stepped over as their lead says and left to the decoder to refuse.
func gb18030CompleteLen(b []byte) int {
	i := 0
	for i < len(b) {
		c := b[i]
		if c < 0x81 || c == 0xFF {
			i++
			continue
		}
		if i+1 >= len(b) {
			return i // a lead byte, cut
		}
		size := 2
		if d := b[i+1]; d >= 0x30 && d <= 0x39 {
			size = 4
		}
		if i+size > len(b) {
			return i
		}
		i += size
	}
	return len(b)
}

// errLineTooLong is returned by a lineLimiter once a line exceeds its limit.
var errLineTooLong = errors.New("line too long")

// lineLimiter passes bytes through and fails once more than limit bytes come
// without a newline, so that a reader above it (encoding/csv buffers a whole
// record) never holds a huge line in memory.
type lineLimiter struct {
	r     io.Reader
	limit int
	run   int // bytes since the last newline
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i := 0; i < n; i++ {
		if p[i] == '\n' {
			l.run = 0
			continue
		}
		l.run++
		if l.run > l.limit {
			return i, errLineTooLong
		}
	}
	return n, err
}

// byteLimiter fails once more than limit bytes were read since the last
// reset: GeoJSON features are bounded by it, whatever their line breaks.
type byteLimiter struct {
	r     io.Reader
	limit int64
	n     int64
	total int64
}

func (b *byteLimiter) Read(p []byte) (int, error) {
	if b.n >= b.limit {
		return 0, errLineTooLong
	}
	if int64(len(p)) > b.limit-b.n {
		p = p[:b.limit-b.n]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	b.total += int64(n)
	return n, err
}

func (b *byteLimiter) reset() { b.n = 0 }

// countingReader counts bytes for the progress bar.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
