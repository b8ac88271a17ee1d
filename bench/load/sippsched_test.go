package load

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestScheduleLabels(t *testing.T) {
	s, err := parseSchedule("3:2580#, 23.5:1", false, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"", "", "", "", "keys 2580# at 3s", "keys 1 at 23.5s"}
	if got := s.keyLabels(); !slices.Equal(got, want) {
		t.Errorf("labels %q, want %q", got, want)
	}
	keys := s.schedule().Keys
	if len(keys) != 6 || keys[4].At != 3*time.Second+4*keyStep || keys[5].At != 23500*time.Millisecond || keys[5].Digit != '1' {
		t.Errorf("keys %+v", keys)
	}
	for _, bad := range []string{"", "3", "x:1", "3:"} {
		if _, err := parseSchedule(bad, false, time.Minute); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	// Every built-in schedule is valid.
	for _, target := range []string{TargetOurs, TargetAVM} {
		for _, flow := range []string{FlowListen, FlowDeposit} {
			s := scheduleFor(target, flow)
			if n := len(s.keyLabels()); n != len(s.schedule().Keys) || n == 0 {
				t.Errorf("%s %s: %d labels for %d keys", target, flow, n, len(s.schedule().Keys))
			}
		}
	}
}

func TestReadSippLog(t *testing.T) {
	dir := t.TempDir()
	log := "10000;start;100\n10001;start;600\n10002;start;700\n10000;bye;16;cause=16;20100\n10001;bye;21;cause=21;20600\n10002;timeout;;90700\n"
	if err := os.WriteFile(filepath.Join(dir, "calls.log"), []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	calls := make([]callResult, 4)
	t0 := time.Unix(1000, 0)
	if err := readSippLog(filepath.Join(dir, "calls.log"), t0, map[string]int{"10000": 0, "10001": 1, "10002": 2, "10003": 3}, calls); err != nil {
		t.Fatal(err)
	}
	if c := calls[0]; !c.ok || c.end.Sub(c.start) != 20*time.Second {
		t.Errorf("call 0: %+v", c)
	}
	if c := calls[1]; c.ok || c.reason == "" {
		t.Errorf("call 1 (cause 21): %+v", c)
	}
	if c := calls[2]; c.ok || c.end.Sub(c.start) != 90*time.Second {
		t.Errorf("call 2 (timeout): %+v", c)
	}
	if c := calls[3]; c.ok || !c.start.IsZero() {
		t.Errorf("call 3 (not logged): %+v", c)
	}
	stat := "StartTime;LastResetTime;CurrentTime;ElapsedTime(P);CurrentCall;\n1;2;3;4;0;\n1;2;3;4;7;\n1;2;3;4;3;\n"
	if err := os.WriteFile(filepath.Join(dir, "stat.csv"), []byte(stat), 0o644); err != nil {
		t.Fatal(err)
	}
	if n := peakCurrentCalls(filepath.Join(dir, "stat.csv")); n != 7 {
		t.Errorf("peak %d, want 7", n)
	}
}

// Poisson arrivals: as many calls as asked, in order, the first a second
// after sipp starts, at the mean rate asked (200 calls over 110 s: gaps of
// 0.55 s on average), the same for the same seed, never a negative wait.
func TestPoissonDelays(t *testing.T) {
	const conc, rate = 200, 50
	length := 110 * time.Second
	d := poissonDelays(42, conc, length, rate)
	if len(d) != conc {
		t.Fatalf("%d delays, want %d", len(d), conc)
	}
	if d[0] != time.Second {
		t.Errorf("first arrival after %s, want 1s", d[0])
	}
	arrival := func(i int) time.Duration { return d[i] + time.Duration(i)*time.Second/rate }
	for i := 1; i < conc; i++ {
		if d[i] < 0 || arrival(i) < arrival(i-1) {
			t.Fatalf("call %d: wait %s, arrives at %s after %s", i, d[i], arrival(i), arrival(i-1))
		}
	}
	mean := (arrival(conc-1) - arrival(0)) / (conc - 1)
	if want := length / conc; mean < want*3/4 || mean > want*5/4 {
		t.Errorf("mean gap %s, want about %s", mean, want)
	}
	if !slices.Equal(d, poissonDelays(42, conc, length, rate)) {
		t.Error("the same seed gave other arrivals")
	}
	if slices.Equal(d, poissonDelays(43, conc, length, rate)) {
		t.Error("another seed gave the same arrivals")
	}
}
