package sipp_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/clusterpbx/voicemail/testenv"
	"github.com/clusterpbx/voicemail/testenv/sipp"
)

// A caller dials *97 as extension 1001, types the PIN and hangs up 10 s
// after the answer.
func ExampleCall() {
	env, err := testenv.Load()
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := sipp.Call(ctx, sipp.CallOptions{
		Target: env.SIP, From: "1001", FromName: "Alice", To: "*97",
		Talk: 10 * time.Second,
		DTMF: []sipp.DTMFStep{{After: 2 * time.Second, Digits: "1234#"}},
	})
	switch {
	case errors.Is(err, sipp.ErrNotAnswered):
		fmt.Println("rejected:", res.Status, res.Reason)
	case err != nil:
		fmt.Println(err, res.Output)
	default:
		fmt.Println("answered after", res.AnswerDelay, "hung up by Asterisk:", res.RemoteHangup)
	}
}

// A test waits for mailbox 1001's light to show one new message.
func ExampleWatch() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr, err := sipp.WatcherAddr("1001")
	if err != nil {
		fmt.Println(err)
		return
	}
	w, err := sipp.Watch(ctx, addr)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.Close()
	// … leave a message for 1001 …
	s, err := w.WaitFor(ctx, func(s sipp.Summary) bool { return s.New == 1 })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("light on:", s.MessagesWaiting, s.New, "new,", s.Old, "old")
}
