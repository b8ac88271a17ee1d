package app

import (
	"testing"

	"github.com/clusterpbx/voicemail/ari"
)

// TestHandledEventsAreModelled catches a misspelt name in handledEvents,
// which Asterisk would accept and match with nothing.
func TestHandledEventsAreModelled(t *testing.T) {
	for _, typ := range handledEvents {
		ev, err := ari.DecodeEvent([]byte(`{"type":"` + typ + `","application":"voicemail"}`))
		if err != nil {
			t.Errorf("%s: %v", typ, err)
			continue
		}
		if _, ok := ev.(*ari.Unknown); ok {
			t.Errorf("%s is not an event type the ari package models", typ)
		}
	}
}
