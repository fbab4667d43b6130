package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
)

// ogrSource runs GDAL's ogr2ogr to turn a GeoPackage or (zipped) Shapefile
// into GeoJSONSeq on a pipe: GDAL reads those formats, reprojects to WGS84
// (assuming lon/lat when the file declares no CRS) and writes UTF-8, and the
// GeoJSON decoder streams its output. We never hand-write readers for
// formats a well-kept library reads.
type ogrSource struct {
	cmd    *exec.Cmd
	stdout io.ReadCloser
	stderr *limitedBuffer
	file   string
}

// ogrArgs builds ogr2ogr's arguments. path is a local file; a .zip is read
// through GDAL's /vsizip/. enc forces a Shapefile's DBF encoding.
func ogrArgs(path, format, enc, sourceLayer string) []string {
	src := path
	if format == FormatShapefileZip {
		src = "/vsizip/" + path
	}
	args := []string{"-f", "GeoJSONSeq", "/vsistdout/", src, "-lco", "RS=NO", "-lco", "COORDINATE_PRECISION=9"}
	if enc == EncodingGB18030 {
		args = append([]string{"--config", "SHAPE_ENCODING", "CP936"}, args...)
	} else if enc == EncodingUTF8 {
		args = append([]string{"--config", "SHAPE_ENCODING", "UTF-8"}, args...)
	}
	if sourceLayer != "" {
		args = append(args, sourceLayer)
	}
	return args
}

func startOGR(ctx context.Context, path, format, enc, sourceLayer, file string) (*ogrSource, error) {
	bin, err := exec.LookPath("ogr2ogr")
	if err != nil {
		return nil, fmt.Errorf("reading %s needs GDAL's ogr2ogr (apt-get install gdal-bin): %w", file, err)
	}
	cmd := exec.CommandContext(ctx, bin, ogrArgs(path, format, enc, sourceLayer)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	o := &ogrSource{cmd: cmd, stdout: stdout, stderr: &limitedBuffer{limit: 8 << 10}, file: file}
	cmd.Stderr = o.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start ogr2ogr for %s: %w", file, err)
	}
	return o, nil
}

// wait reaps ogr2ogr and turns its failure into an error naming the file.
func (o *ogrSource) wait() error {
	_, _ = io.Copy(io.Discard, o.stdout)
	err := o.cmd.Wait()
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		msg := strings.TrimSpace(o.stderr.String())
		msg = strings.ReplaceAll(msg, "\n", " ")
		if msg == "" {
			msg = ee.String()
		}
		return invalidf("%s: GDAL could not read it: %s", o.file, msg)
	}
	return fmt.Errorf("ogr2ogr for %s: %w", o.file, err)
}

func (o *ogrSource) reader() *bufio.Reader { return bufio.NewReaderSize(o.stdout, 1<<16) }

// limitedBuffer keeps the first limit bytes written to it.
type limitedBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	limit int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.limit - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	// GDAL's own warnings about assumed CRS are not the reason it failed.
	var keep []string
	for _, l := range strings.Split(b.buf.String(), "\n") {
		if strings.HasPrefix(l, "Warning 1: No SRS set") || strings.TrimSpace(l) == "" {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}
