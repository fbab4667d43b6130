package main

import "testing"

func TestParseRate(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		bad  bool
	}{
		{"16K", 16 << 10, false},
		{"16k", 16 << 10, false},
		{"1M", 1 << 20, false},
		{"4096", 4096, false},
		{"64K/s", 64 << 10, false},
		{"0", 0, false},
		{"", 0, true},
		{"-1K", 0, true},
		{"fast", 0, true},
		{"99999999999999M", 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseRate("body-min-rate", tc.in)
			if (err != nil) != tc.bad || got != tc.want {
				t.Fatalf("parseRate(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.bad)
			}
		})
	}
}
