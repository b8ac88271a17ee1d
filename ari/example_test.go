package ari_test

import (
	"context"
	"log"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
)

// A Stasis app answers a call and plays a greeting with a playback id it
// chose, so it can match the PlaybackFinished event.
func ExampleNew() {
	c, err := ari.New(ari.Config{
		URL:      "http://127.0.0.1:8088/ari",
		Username: "vm",
		Password: "vmsecret",
		Timeout:  3 * time.Second,
	}, ari.WithLogger(zap.NewNop()))
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	const channelID = "1764170712.42"
	if err := c.Answer(ctx, channelID); err != nil {
		if ari.IsGone(err) {
			return // The caller hung up first.
		}
		log.Fatal(err)
	}
	pb, err := c.Play(ctx, channelID, "greeting-1", []string{"sound:vm-intro", "sound:beep"}, "en")
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("playback %s is %s", pb.ID, pb.State)
}

// Run the event stream and dispatch typed events.
func ExampleStream() {
	c, err := ari.New(ari.Config{URL: "http://127.0.0.1:8088/ari", Username: "vm", Password: "vmsecret"})
	if err != nil {
		log.Fatal(err)
	}
	s, err := c.Stream(ari.StreamConfig{Apps: []string{"voicemail"}},
		ari.WithOnConnect(func(ctx context.Context, reconnect bool) {
			if app, err := c.Application(ctx, "voicemail"); err == nil && reconnect {
				log.Printf("reconciling %d parked channels", len(app.ChannelIDs))
			}
		}))
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = s.Run(ctx) }()
	for ev := range s.Events() {
		switch e := ev.(type) {
		case *ari.StasisStart:
			log.Printf("call %s args %v", e.Channel.ID, e.Args)
		case *ari.ChannelDtmfReceived:
			log.Printf("digit %s on %s", e.Digit, ari.ChannelID(e))
		case *ari.StasisEnd:
			log.Printf("call %s ended", e.Channel.ID)
		}
	}
}
