package ingest

import (
	"bufio"
	"bytes"
	"io"
)

// utf8OrLate is the encoding of a file whose sniffed start is valid UTF-8:
// UTF-8, unless that start is plain ASCII (English headers, codes and
// numbers) and the file's first non-ASCII text, further on, is GBK and not
// UTF-8 — a long diary whose notes are filled in only late, saved by a
// Chinese Excel. Such a file was refused at its first Chinese line
// ("not valid UTF-8: is the file GBK?") although README says GBK is
// detected. The look ahead needs a file it can seek (the command line's and
// an upload's, both files on disk); it reads the rest of the file once, by
// byte, without counting it as progress, and puts the file back where it was.
func utf8OrLate(r io.Reader, head []byte) string {
	if len(head) < sniffBytes || !isASCII(head) {
		return EncodingUTF8 // the whole file was sniffed, or its start has non-ASCII UTF-8
	}
	c, ok := r.(*countingReader)
	if !ok {
		return EncodingUTF8
	}
	rs, ok := c.r.(io.ReadSeeker)
	if !ok {
		return EncodingUTF8
	}
	pos, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return EncodingUTF8
	}
	enc := lateEncoding(bufio.NewReaderSize(rs, sniffBytes))
	if _, err := rs.Seek(pos, io.SeekStart); err != nil {
		// Not put back: the reader would miss bytes. Give up the guess
		// and say so at the first non-ASCII line, as before.
		return EncodingUTF8
	}
	return enc
}

// lateEncoding skips ASCII and judges the first non-ASCII text of br.
func lateEncoding(br *bufio.Reader) string {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return EncodingUTF8 // ASCII to the end
		}
		if b >= 0x80 {
			_ = br.UnreadByte()
			break
		}
	}
	win, err := br.Peek(4096)
	atEOF := err != nil // fewer bytes than asked: the file ends in win
	if i := bytes.LastIndexByte(win, '\n'); i >= 0 {
		win, atEOF = win[:i+1], true // whole lines: no character cut at the end
	}
	if validUTF8Window(win) {
		return EncodingUTF8
	}
	if validGB18030Window(win, atEOF) {
		return EncodingGB18030
	}
	return EncodingUTF8
}
