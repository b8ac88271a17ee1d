package app

import (
	"testing"
	"time"
)

func TestLeaseClock(t *testing.T) {
	l := newLeaseClock(time.Hour)
	if l.Held() {
		t.Fatal("held before the first renewal")
	}
	l.renewed(time.Now())
	if !l.Held() {
		t.Fatal("not held after a renewal")
	}
	l = newLeaseClock(20 * time.Millisecond)
	l.renewed(time.Now())
	deadline := time.Now().Add(5 * time.Second)
	for l.Held() {
		if time.Now().After(deadline) {
			t.Fatal("still held long after a lease")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
