package main

import (
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

// TestDecodeQR checks the test's own decoder on symbols of each supported
// mode and version, so that the enrollment test can trust it.
func TestDecodeQR(t *testing.T) {
	for _, tc := range []struct {
		text  string
		level qrcode.RecoveryLevel
	}{
		{"ABCD-EFGH-IJKL-MNOP", qrcode.Medium},
		{"0123456789", qrcode.Low},
		{"hello, phone 42", qrcode.Medium},
		{"KHAOSAT ENROLMENT CODE 7Q2X-9ZZA", qrcode.Medium},
		{"https://khaosat.example/enroll?code=abc", qrcode.Low},
	} {
		png, err := qrcode.Encode(tc.text, tc.level, 256)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeQR(png)
		if err != nil || got != tc.text {
			t.Errorf("decode %q: %q, %v", tc.text, got, err)
		}
	}
}
