package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// A tile declares its length, gzipped or not, so it is not sent in chunks.
func TestTileContentLength(t *testing.T) {
	srv, path := tileServer(t)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	for _, enc := range []string{"gzip", "identity"} {
		t.Run(enc, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, hs.URL+path, nil)
			req.Header.Set("Accept-Encoding", enc)
			res, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || len(body) == 0 {
				t.Fatalf("GET %s (Accept-Encoding %s) = %d with %d bytes, want 200 with a tile", path, enc, res.StatusCode, len(body))
			}
			if got := res.Header.Get("Content-Length"); got != strconv.Itoa(len(body)) || len(res.TransferEncoding) > 0 {
				t.Errorf("GET %s (Accept-Encoding %s): Content-Length %q, transfer encoding %v for %d bytes, want the length and no chunks",
					path, enc, got, res.TransferEncoding, len(body))
			}
		})
	}
}
