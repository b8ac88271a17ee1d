package state_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/clusterpbx/voicemail/state"
)

// After a deposit, a publisher sends the phones the counts that came with
// the change, unless a newer version has been claimed meanwhile, and checks
// afterwards that no change slipped in while it published.
func ExampleStore_ClaimMWI() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	store, err := state.New(state.Config{}, rdb)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	mb, _ := state.ParseMailbox("1001")
	now := time.Now()
	id := state.NewMessageID(now)
	mwi, err := store.Deposit(ctx, state.Message{
		ID:        id,
		Mailbox:   mb,
		Recording: "voicemail/default/1001/msg/" + id, // recordings.MessageName
		CallerNum: "5551234",
		Received:  now,
		Duration:  12 * time.Second,
	})
	if errors.Is(err, state.ErrMailboxFull) {
		return // The caller heard "mailbox full" before recording.
	}
	if err != nil {
		log.Fatal(err)
	}
	for {
		ok, err := store.ClaimMWI(ctx, mb, mwi.Version)
		if err != nil || !ok {
			return // A newer change is published by whoever made it.
		}
		publish(mb, mwi.New, mwi.Old)
		if mwi, err = store.MWIState(ctx, mb); err != nil {
			return // The reconciler will catch up.
		}
	}
}

// publish stands for sending the counts to the phones (MinivmMWI or ARI's
// /mailboxes).
func publish(mb state.MailboxID, newMsgs, oldMsgs int) {
	fmt.Println(mb, newMsgs, oldMsgs)
}
