package ari

import (
	"encoding/json"
	"testing"
	"time"
)

func TestTimeUnmarshal(t *testing.T) {
	utc := time.Date(2026, 11, 26, 15, 25, 12, 603e6, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{`"2026-11-26T15:25:12.603+0000"`, utc, false},
		{`"2026-11-26T16:25:12.603+0100"`, utc, false},
		{`"2026-11-26T15:25:12+0000"`, utc.Truncate(time.Second), false},
		{`"2026-11-26T15:25:12.603Z"`, utc, false},
		{`"2026-11-26T17:25:12.603+02:00"`, utc, false},
		{`"2026-11-26T15:25:12Z"`, utc.Truncate(time.Second), false},
		{`""`, time.Time{}, false},
		{`null`, time.Time{}, false},
		// Escaped: decoded by encoding/json rather than taken as it is.
		{`"2026-11-26T15:25:12.603\u002b0000"`, utc, false},
		{`"2026-11-26T15:25:12.603\"0000"`, time.Time{}, true},
		{`"yesterday"`, time.Time{}, true},
		{`12`, time.Time{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			var got Time
			err := json.Unmarshal([]byte(tc.in), &got)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Unmarshal(%s) error %v, want error %v", tc.in, err, tc.wantErr)
			}
			if !got.Equal(tc.want) {
				t.Errorf("Unmarshal(%s) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestTimeRoundTrip(t *testing.T) {
	in := Time{time.Date(2026, 11, 26, 15, 25, 12, 603e6, time.FixedZone("", 3600))}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `"2026-11-26T15:25:12.603+0100"` {
		t.Errorf("Marshal = %s", b)
	}
	var out Time
	if err := json.Unmarshal(b, &out); err != nil || !out.Equal(in.Time) {
		t.Errorf("round trip = %v, %v", out, err)
	}
	if b, _ := json.Marshal(Time{}); string(b) != `""` {
		t.Errorf("zero Marshal = %s, want \"\"", b)
	}
}
