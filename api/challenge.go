package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// challenge sets a 401's WWW-Authenticate (RFC 9110 §11.6.1): Bearer for
// API tokens, and for a reading request from a client other than a browser
// Basic too, which desktop GIS and curl --anyauth wait for before they send
// user:token (Basic credentials only read, so a write is not offered it).
// A browser's request (it sends Sec-Fetch-Mode; GDAL, QGIS and curl do
// not) gets no Basic challenge: the web map's fetch would pop up the
// browser's password dialog.
func challenge(c echo.Context) {
	h := c.Response().Header()
	h.Set(echo.HeaderWWWAuthenticate, `Bearer realm="lianxin"`)
	r := c.Request()
	if m := r.Method; (m == http.MethodGet || m == http.MethodHead) && r.Header.Get("Sec-Fetch-Mode") == "" {
		h.Add(echo.HeaderWWWAuthenticate, `Basic realm="lianxin", charset="UTF-8"`)
	}
}
