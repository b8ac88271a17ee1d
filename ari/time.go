package ari

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// TimeLayout is the layout of ARI timestamps, e.g.
// "2026-11-26T15:25:12.603+0000" (AST_ISO8601_FORMAT "%FT%T.%q%z" in
// main/utils.c).
const TimeLayout = "2006-01-02T15:04:05.000-0700"

// Time is a timestamp in an ARI model or event. It decodes ARI's layout
// (TimeLayout) as well as RFC 3339; an empty string or null decodes to the
// zero time.
type Time struct {
	time.Time
}

// UnmarshalJSON decodes an ARI or RFC 3339 timestamp string.
func (t *Time) UnmarshalJSON(data []byte) error {
	if bytes.Equal(data, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if n := len(data); n >= 2 && data[0] == '"' && data[n-1] == '"' && bytes.IndexByte(data[1:n-1], '\\') < 0 {
		// encoding/json has validated the value; without escapes its
		// contents are the string (every event carries a timestamp).
		s = string(data[1 : n-1])
	} else if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("ari: timestamp: %w", err)
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	// Parse accepts a fraction the layout lacks, so the second layout also
	// takes ARI times without milliseconds, or with "Z".
	for _, layout := range []string{TimeLayout, "2006-01-02T15:04:05Z0700", time.RFC3339Nano} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v
			return nil
		}
	}
	return fmt.Errorf("ari: timestamp %q: not in ARI or RFC 3339 layout", s)
}

// MarshalJSON encodes t in ARI's layout, and the zero time as "".
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return json.Marshal(t.Format(TimeLayout))
}
