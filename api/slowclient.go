package api

import (
	"io"
	"net/http"
	"time"
)

// paceBodies lets a request body outlast the server's ReadTimeout as long as
// it keeps arriving at minRate bytes/s or faster, averaged since the handler
// started: each read moves the connection's read deadline to
// start + readTimeout + bytesSoFar/minRate. So a large upload over a slow
// but honest link completes, while a client dribbling a body (a slow-loris
// holding a connection and a goroutine) is cut off soon after readTimeout.
// One rule for every route, so no handler has to remember to set its own
// deadline. The write deadline moves with it (plus writeTimeout), so the
// answer to a long upload can still be written.
//
// Requests without a body are left alone: ReadTimeout and
// ReadHeaderTimeout of the http.Server apply as they are.
func paceBodies(next http.Handler, readTimeout, writeTimeout time.Duration, minRate int64) http.Handler {
	if readTimeout <= 0 || minRate <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &pacedBody{ReadCloser: r.Body, rc: http.NewResponseController(w), start: time.Now(),
				grace: readTimeout, writeTimeout: writeTimeout, minRate: minRate}
		}
		next.ServeHTTP(w, r)
	})
}

// pacedBody is a request body that extends its connection's deadlines as
// bytes arrive (paceBodies).
type pacedBody struct {
	io.ReadCloser
	rc           *http.ResponseController
	start        time.Time
	grace        time.Duration
	writeTimeout time.Duration
	minRate      int64 // bytes per second
	read         int64
	deadline     time.Time // the read deadline last set
	unsupported  bool      // the connection takes no deadlines (HTTP/2, tests)
}

// deadlineStep is how far the deadline must move before it is set again, so
// a fast upload does not reset it on every read.
const deadlineStep = 250 * time.Millisecond

func (b *pacedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n <= 0 || b.unsupported {
		return n, err
	}
	b.read += int64(n)
	earned := time.Duration(float64(b.read) / float64(b.minRate) * float64(time.Second))
	deadline := b.start.Add(b.grace + earned)
	if deadline.Sub(b.deadline) < deadlineStep {
		return n, err
	}
	if setErr := b.rc.SetReadDeadline(deadline); setErr != nil {
		b.unsupported = true
		return n, err
	}
	b.deadline = deadline
	if b.writeTimeout > 0 {
		_ = b.rc.SetWriteDeadline(deadline.Add(b.writeTimeout))
	}
	return n, err
}
