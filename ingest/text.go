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
	if enc == EncodingGB18030 && (bom || (validUTF8Prefix(head) && !isASCII(head))) {
		return nil, "", fileInvalid(file, "", 0, FileNotGBK, nil, "%s is UTF-8 text, not GBK: import it without --encoding gbk (or with --encoding utf-8)", file)
	}
	if enc == EncodingAuto {
		switch {
		case bom || validUTF8Prefix(head):
			enc = utf8OrLate(r, head) // a GBK line further on (lateencoding.go)
		case validGB18030(head):
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

// validUTF8Prefix is utf8.Valid, allowing a rune cut at the end of the
// sniffed window.
func validUTF8Prefix(b []byte) bool {
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		if utf8.Valid(b) {
			return true
		}
		b = b[:len(b)-1]
	}
	return utf8.Valid(b)
}

// validGB18030 reports whether b decodes as GB18030 without replacement
// characters (a cut character at the end is allowed).
func validGB18030(b []byte) bool {
	if len(b) > 4 {
		b = b[:len(b)-4]
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil {
		return false
	}
	return !bytes.ContainsRune(out, utf8.RuneError)
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
