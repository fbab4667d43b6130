package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"lianxin"
	"lianxin/api"
	"lianxin/demo/demotest"
	"lianxin/ingest"
)

// Short timeouts, so the slow clients below are cut off quickly; the rate
// is the one an honest slow upload must keep. The request deadline is
// shorter than the slow upload too: it bounds the work after the upload.
const (
	slowHeaderTimeout  = time.Second
	slowReadTimeout    = time.Second
	slowBodyMinRate    = 64 << 10
	slowRequestTimeout = 2 * time.Second
)

// slowServer is `lianxin serve`'s HTTP server (api.Server.ListenAndServe,
// with its timeouts) on a real socket on 127.0.0.1, over a small demo
// county, with uploads enabled and every request in the system scope.
type slowServer struct {
	addr, url string // the server's address and its database's URL
	villages  []string
}

func startSlowServer(t *testing.T) *slowServer {
	t.Helper()
	st, url, county := demotest.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	imports := ingest.NewService(ctx, st, log, "")
	scope := lianxin.SystemScope()
	addr := freeAddr(t)
	srv := api.NewServer(api.Config{
		Addr: addr, RequestTimeout: slowRequestTimeout, BodyLimit: "64M",
		ReadHeaderTimeout: slowHeaderTimeout, ReadTimeout: slowReadTimeout, BodyMinRate: slowBodyMinRate,
		WriteTimeout: 30 * time.Second,
	}, api.Deps{Logger: log, Health: st, Import: imports, DefaultScope: &scope})
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server shutdown: %v", err)
		}
	})
	for i := 0; ; i++ {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			break
		}
		if i == 100 {
			t.Fatalf("server on %s did not answer: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var villages []string
	for _, v := range county.Villages {
		villages = append(villages, v.Code)
		if len(villages) == 20 {
			break
		}
	}
	return &slowServer{addr: addr, url: url, villages: villages}
}

// freeAddr finds a port nobody listens on (ListenAndServe takes an address,
// not a listener).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// dribble writes chunk to conn every interval until the server closes the
// connection or limit passes; it reports whether the server closed it, and
// how long that took.
func dribble(t *testing.T, conn net.Conn, chunk []byte, interval, limit time.Duration) (bool, time.Duration) {
	t.Helper()
	closed := make(chan struct{})
	go func() {
		// Whatever the server answers (nothing, or an error status), the
		// connection ends with EOF or a reset.
		_, _ = io.Copy(io.Discard, conn)
		close(closed)
	}()
	start := time.Now()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for time.Since(start) < limit {
		select {
		case <-closed:
			return true, time.Since(start)
		case <-tick.C:
			if _, err := conn.Write(chunk); err != nil {
				return true, time.Since(start)
			}
		}
	}
	return false, time.Since(start)
}

// TestSlowClientsAreCutOff sends a request whose headers, or whose body,
// arrive a byte at a time: the server must hang up soon after its header
// or read timeout rather than hold the connection (and a goroutine) for as
// long as the client likes.
func TestSlowClientsAreCutOff(t *testing.T) {
	s := startSlowServer(t)
	// Far longer than the timeouts: a server that waits for the client
	// keeps the connection open all this time.
	const limit = 20 * time.Second
	cases := []struct {
		name    string
		start   string // sent at once
		dribble []byte // then sent every 100 ms
	}{
		{"headers", "GET /healthz HTTP/1.1\r\nHost: lianxin\r\nX-Slow: ", []byte("a")},
		{"upload body", "POST /api/v1/imports/households HTTP/1.1\r\nHost: lianxin\r\n" +
			"Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: 1000000\r\n\r\n" +
			"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.csv\"\r\n\r\n" +
			"external_id,village_code,residents,lon,lat\n", []byte("S")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", s.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tc.start); err != nil {
				t.Fatal(err)
			}
			closed, after := dribble(t, conn, tc.dribble, 100*time.Millisecond, limit)
			if !closed {
				t.Fatalf("dribbling %s for %s: the server still holds the connection; want it cut off after about %s",
					tc.name, after.Round(time.Millisecond), slowReadTimeout)
			}
			t.Logf("dribbling %s: cut off after %s", tc.name, after.Round(time.Millisecond))
		})
	}
	// The server still answers everyone else.
	res, err := http.Get("http://" + s.addr + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz after the slow clients: %v %v, want 200", res, err)
	}
	res.Body.Close()
}

// paced is a request body that arrives at about rate bytes/s: an honest
// upload over a slow link.
type paced struct {
	r     io.Reader
	rate  int
	chunk int
}

func (p *paced) Read(b []byte) (int, error) {
	if len(b) > p.chunk {
		b = b[:p.chunk]
	}
	n, err := p.r.Read(b)
	time.Sleep(time.Duration(n) * time.Second / time.Duration(p.rate))
	return n, err
}

// TestSlowLargeUploadLands uploads an import that takes several times the
// read timeout, and longer than the request deadline, to send, at a steady
// rate above the minimum: it must land whole, like any upload.
func TestSlowLargeUploadLands(t *testing.T) {
	s := startSlowServer(t)
	const rows = 20000
	path, _ := demotest.HouseholdsFile(t, s.url, s.villages, rows, "SLOW") // each point in its village
	csv, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "slow.csv")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(csv)
	mw.Close()
	// Several read timeouts' worth of sending, at four times the minimum
	// rate.
	rate := 4 * slowBodyMinRate
	if want := time.Duration(body.Len()) * time.Second / time.Duration(rate); want < 3*slowReadTimeout || want < slowRequestTimeout {
		t.Fatalf("the upload takes %s to send; make it longer than 3 read timeouts (%s) and the request deadline (%s)",
			want, 3*slowReadTimeout, slowRequestTimeout)
	}
	req, err := http.NewRequest(http.MethodPost, "http://"+s.addr+"/api/v1/imports/households",
		&paced{r: bytes.NewReader(body.Bytes()), rate: rate, chunk: 8 << 10})
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(body.Len())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("uploading %d bytes at %d bytes/s (read timeout %s): %v; want 202", body.Len(), rate, slowReadTimeout, err)
	}
	var rec ingest.Record
	err = json.NewDecoder(res.Body).Decode(&rec)
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted || err != nil {
		t.Fatalf("uploading %d bytes in %s: status %d (%v), want 202", body.Len(), time.Since(start).Round(time.Millisecond), res.StatusCode, err)
	}
	t.Logf("uploaded %d bytes in %s with a read timeout of %s and a request deadline of %s",
		body.Len(), time.Since(start).Round(time.Millisecond), slowReadTimeout, slowRequestTimeout)
	for deadline := time.Now().Add(2 * time.Minute); rec.Status == ingest.StatusRunning; {
		if time.Now().After(deadline) {
			t.Fatalf("import %d still running after 2 minutes", rec.ID)
		}
		time.Sleep(200 * time.Millisecond)
		res, err := http.Get(fmt.Sprintf("http://%s/api/v1/imports/%d", s.addr, rec.ID))
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(res.Body).Decode(&rec)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if rec.Status != ingest.StatusSucceeded || rec.Inserted != rows || rec.Rejected != 0 {
		t.Fatalf("slow upload's import: status %s inserted %d rejected %d (%s); want succeeded, inserted %d, none rejected",
			rec.Status, rec.Inserted, rec.Rejected, rec.Message, rows)
	}
}
