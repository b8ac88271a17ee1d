package load

import (
	"bufio"
	"math"
	"strings"
	"testing"
)

func TestDTMFHistogram(t *testing.T) {
	text := `# HELP voicemail_dtmf_to_prompt_seconds Time from a key's ARI event coming in …
# TYPE voicemail_dtmf_to_prompt_seconds histogram
voicemail_dtmf_to_prompt_seconds_bucket{le="0.001"} 10
voicemail_dtmf_to_prompt_seconds_bucket{le="0.0025"} 80
voicemail_dtmf_to_prompt_seconds_bucket{le="0.005"} 98
voicemail_dtmf_to_prompt_seconds_bucket{le="0.01"} 100
voicemail_dtmf_to_prompt_seconds_bucket{le="+Inf"} 101
voicemail_dtmf_to_prompt_seconds_sum 0.2
voicemail_dtmf_to_prompt_seconds_count 101
voicemail_calls_total{mode="main"} 7
`
	one, err := parseHistograms(bufio.NewScanner(strings.NewReader(text)), dtmfMetric)
	if err != nil {
		t.Fatal(err)
	}
	h := one[dtmfMetric]
	before := histogram{0.001: 10, 0.0025: 20, 0.005: 20, 0.01: 20, math.Inf(1): 21}
	d := h.sub(before)
	if d.count() != 80 {
		t.Fatalf("count %v, want 80", d.count())
	}
	for q, want := range map[float64]float64{0.5: 0.0025, 0.9: 0.005, 0.99: 0.01, 1: 0.01} {
		if got := d.quantile(q); got != want {
			t.Errorf("quantile %v = %v, want %v", q, got, want)
		}
	}
	if got := d.within(0.005); got != 78.0/80 {
		t.Errorf("within 5 ms %v, want %v", got, 78.0/80)
	}
	// Both of the app's clocks in one read; a metric not exposed (an
	// older app) is an empty histogram.
	hs, err := parseHistograms(bufio.NewScanner(strings.NewReader(text+
		"voicemail_dtmf_to_play_sent_seconds_bucket{le=\"0.001\"} 90\nvoicemail_dtmf_to_play_sent_seconds_bucket{le=\"+Inf\"} 101\n")),
		dtmfMetric, sentMetric, "voicemail_absent_seconds")
	if err != nil {
		t.Fatal(err)
	}
	if hs[dtmfMetric].count() != 101 || hs[sentMetric][0.001] != 90 || hs[sentMetric].count() != 101 || len(hs["voicemail_absent_seconds"]) != 0 {
		t.Errorf("parsed %v", hs)
	}
	if (histogram{}).quantile(0.5) != 0 {
		t.Error("an empty histogram has a quantile")
	}
}
