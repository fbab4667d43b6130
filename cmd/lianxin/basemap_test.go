package main

import "testing"

func TestCheckBasemapURL(t *testing.T) {
	cases := []struct {
		url    string
		wantOK bool
	}{
		{"", true},
		{"https://tile.example.org/{z}/{x}/{y}.png", true},
		{"http://t0.tianditu.gov.cn/img_w/wmts?SERVICE=WMTS&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY", true},
		{"https://maps.example.org/style.json", true},
		{"tile.example.org/{z}/{x}/{y}.png", false},
		{"file:///etc/passwd", false},
		{"javascript:alert(1)", false},
		{"https://", false},
	}
	for _, tc := range cases {
		err := checkBasemapURL(tc.url)
		if (err == nil) != tc.wantOK {
			t.Errorf("checkBasemapURL(%q) = %v, want ok=%v", tc.url, err, tc.wantOK)
		}
	}
}
