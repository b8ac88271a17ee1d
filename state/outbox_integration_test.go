package state

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// provisionNotified provisions mb with an email address, and a pager
// address when pager is set.
func provisionNotified(tb testing.TB, s *Store, mb MailboxID, pager string, notify NotifySettings) {
	tb.Helper()
	notify.Pager = pager
	if _, err := s.Provision(testCtx(tb), []MailboxConfig{{ID: mb, Name: "Ann Owner", Email: "ann@example.test", Notify: notify}}); err != nil {
		tb.Fatalf("Provision: %v", err)
	}
}

// takeAll takes mb's due notifications for consumer.
func takeAll(tb testing.TB, s *Store, mb MailboxID, consumer string, claimIdle time.Duration) []Notification {
	tb.Helper()
	ns, _, err := s.TakeNotifications(testCtx(tb), mb, consumer, claimIdle, 50)
	if err != nil {
		tb.Fatalf("TakeNotifications: %v", err)
	}
	return ns
}

func TestDepositQueuesNotificationsWithTheMessage(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	withMail := mustID(t, "1001@default")
	without := mustID(t, "1002@default")
	provisionNotified(t, s, withMail, "ann-pager@example.test", NotifySettings{})
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: without, Name: "No Mail"}}); err != nil {
		t.Fatal(err)
	}
	m := testMessage(withMail, "m1732634712042-aaaaaaaa", 0)
	m.Urgent = true
	deposit(t, s, m)
	// A retried deposit queues nothing more.
	deposit(t, s, m)
	deposit(t, s, testMessage(without, "m1732634712042-bbbbbbbb", 0))

	ns := takeAll(t, s, withMail, "a", time.Minute)
	if len(ns) != 2 {
		t.Fatalf("took %d notifications, want 2 (email and pager): %+v", len(ns), ns)
	}
	targets := []string{ns[0].Target, ns[1].Target}
	slices.Sort(targets)
	if !slices.Equal(targets, []string{TargetEmail, TargetPager}) {
		t.Errorf("targets %v", targets)
	}
	n := ns[0]
	if n.MessageID != m.ID || n.MsgNum != 1 || n.CallerNum != m.CallerNum || n.CallerName != m.CallerName ||
		!n.Received.Equal(m.Received) || n.Duration != m.Duration || n.Recording != m.Recording || !n.Urgent ||
		n.Forwarded || n.Enqueued.IsZero() || n.Attempts != 0 {
		t.Errorf("notification %+v does not report %+v", n, m)
	}
	if got := takeAll(t, s, without, "a", time.Minute); len(got) != 0 {
		t.Errorf("a mailbox without addresses got notifications: %+v", got)
	}
	got, err := s.Message(ctx, withMail, m.ID)
	if err != nil || !got.Urgent {
		t.Errorf("Message: %+v, %v; want it urgent", got, err)
	}
	// The outbox is in the mailbox's slot: on a Cluster, the script would
	// have failed with CROSSSLOT otherwise.
	if n, err := rdb.Exists(ctx, outboxKey(withMail)).Result(); err != nil || n != 1 {
		t.Errorf("outbox key: %d, %v", n, err)
	}
}

func TestForwardedCopyIsNotifiedAsForwarded(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	to := mustID(t, "1003@default")
	provisionNotified(t, s, to, "", NotifySettings{})
	m := testMessage(to, "m1732634712042-cccccccc", 0)
	m.Origin = "1001@default"
	deposit(t, s, m)
	ns := takeAll(t, s, to, "a", time.Minute)
	if len(ns) != 1 || !ns[0].Forwarded || ns[0].Origin != "1001@default" || ns[0].Target != TargetEmail {
		t.Fatalf("took %+v, want one forwarded email", ns)
	}
}

func TestOutboxVisitSendsAndForgets(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001@default")
	provisionNotified(t, s, mb, "", NotifySettings{})
	deposit(t, s, testMessage(mb, "m1732634712042-aaaaaaaa", 0))

	visits, err := s.DueOutboxes(ctx, time.Minute, 10)
	if err != nil || len(visits) != 1 || visits[0].Mailbox != mb {
		t.Fatalf("DueOutboxes: %+v, %v", visits, err)
	}
	// Leased: another sender is not given it.
	if again, err := s.DueOutboxes(ctx, time.Minute, 10); err != nil || len(again) != 0 {
		t.Fatalf("DueOutboxes during a visit: %+v, %v", again, err)
	}
	ns := takeAll(t, s, mb, "a", time.Minute)
	if len(ns) != 1 {
		t.Fatalf("took %+v", ns)
	}
	res, err := s.NotificationSent(ctx, ns[0], false)
	if err != nil || !res.Acked || res.Deleted {
		t.Fatalf("NotificationSent: %+v, %v", res, err)
	}
	if err := s.ScheduleOutbox(ctx, visits[0], time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{outboxKey(mb), outboxTriesKey(mb)} {
		if n, _ := rdb.Exists(ctx, key).Result(); n != 0 {
			t.Errorf("%s left after the last notification was sent", key)
		}
	}
	if n, _ := rdb.ZCard(ctx, mailDueKey()).Result(); n != 0 {
		t.Errorf("the mailbox is still in the due index")
	}
	if _, err := s.Message(ctx, mb, "m1732634712042-aaaaaaaa"); err != nil {
		t.Errorf("the message went without delete after email: %v", err)
	}
}

func TestOutboxHintDuringVisitKeepsMailboxDue(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001@default")
	provisionNotified(t, s, mb, "", NotifySettings{})
	deposit(t, s, testMessage(mb, "m1732634712042-aaaaaaaa", 0))
	visits, err := s.DueOutboxes(ctx, time.Minute, 10)
	if err != nil || len(visits) != 1 {
		t.Fatalf("DueOutboxes: %+v, %v", visits, err)
	}
	ns := takeAll(t, s, mb, "a", time.Minute)
	// A message arrives after the take, before the visit ends.
	deposit(t, s, testMessage(mb, "m1732634712043-bbbbbbbb", 1))
	if _, err := s.NotificationSent(ctx, ns[0], false); err != nil {
		t.Fatal(err)
	}
	if err := s.ScheduleOutbox(ctx, visits[0], time.Minute); err != nil {
		t.Fatal(err)
	}
	again, err := s.DueOutboxes(ctx, time.Minute, 10)
	if err != nil || len(again) != 1 {
		t.Fatalf("the mailbox is not due after a message came during the visit: %+v, %v", again, err)
	}
	if ns := takeAll(t, s, mb, "a", time.Minute); len(ns) != 1 || ns[0].MessageID != "m1732634712043-bbbbbbbb" {
		t.Fatalf("took %+v", ns)
	}
}

func TestOutboxRetryAfterBackoffByAnySender(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001@default")
	provisionNotified(t, s, mb, "", NotifySettings{})
	deposit(t, s, testMessage(mb, "m1732634712042-aaaaaaaa", 0))
	const claimIdle = 10 * time.Second
	ns := takeAll(t, s, mb, "a", claimIdle)
	if len(ns) != 1 {
		t.Fatalf("took %+v", ns)
	}
	policy := RetryPolicy{Backoff: 300 * time.Millisecond, GiveUp: time.Hour, ClaimIdle: claimIdle}
	out, next, err := s.NotificationFailed(ctx, ns[0], "a", "451 try later", false, policy)
	if err != nil || out != FailRetry {
		t.Fatalf("NotificationFailed: %v, %v", out, err)
	}
	// Not due yet: neither sender gets it.
	if got := takeAll(t, s, mb, "b", claimIdle); len(got) != 0 && time.Now().Before(next) {
		t.Fatalf("taken before its retry time: %+v", got)
	}
	var got []Notification
	eventually(t, 5*time.Second, "the retry to be due", func() bool {
		got = takeAll(t, s, mb, "b", claimIdle)
		return len(got) == 1
	})
	if got[0].Attempts != 1 || got[0].ID != ns[0].ID {
		t.Errorf("retried %+v, want attempt 1 of %s", got[0], ns[0].ID)
	}
	rep, err := s.ListNotifications(ctx)
	if err != nil || len(rep.Pending) != 1 || rep.Pending[0].LastError != "451 try later" || rep.Pending[0].Attempts != 1 {
		t.Fatalf("ListNotifications: %+v, %v", rep, err)
	}
}

func TestOutboxSenderThatDiedLeavesItToAnother(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001@default")
	provisionNotified(t, s, mb, "", NotifySettings{})
	deposit(t, s, testMessage(mb, "m1732634712042-aaaaaaaa", 0))
	const claimIdle = 300 * time.Millisecond
	if ns := takeAll(t, s, mb, "dead", claimIdle); len(ns) != 1 {
		t.Fatalf("took %+v", ns)
	}
	// "dead" never reports. Its visit lease and its claim run out.
	if got := takeAll(t, s, mb, "b", claimIdle); len(got) != 0 {
		t.Fatalf("claimed while the first sender may still be sending: %+v", got)
	}
	var got []Notification
	eventually(t, 5*time.Second, "the idle notification to be claimable", func() bool {
		got = takeAll(t, s, mb, "b", claimIdle)
		return len(got) == 1
	})
	visits, err := s.DueOutboxes(ctx, claimIdle, 10)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.NotificationSent(ctx, got[0], false); err != nil {
		t.Fatal(err)
	}
	for _, v := range visits {
		if err := s.ScheduleOutbox(ctx, v, claimIdle); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := s.ListNotifications(ctx)
	if err != nil || len(rep.Pending) != 0 || len(rep.Dead) != 0 {
		t.Fatalf("left: %+v, %v", rep, err)
	}
}

func TestOutboxDeadLetters(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001@default")
	provisionNotified(t, s, mb, "ann-pager@example.test", NotifySettings{})
	deposit(t, s, testMessage(mb, "m1732634712042-aaaaaaaa", 0))
	ns := takeAll(t, s, mb, "a", time.Minute)
	if len(ns) != 2 {
		t.Fatalf("took %+v", ns)
	}
	policy := RetryPolicy{Backoff: time.Second, GiveUp: time.Hour, ClaimIdle: time.Minute}
	// A permanent failure is dead at once; a temporary one past the
	// give-up time too.
	out, _, err := s.NotificationFailed(ctx, ns[0], "a", "550 no such user", true, policy)
	if err != nil || out != FailDead {
		t.Fatalf("permanent: %v, %v", out, err)
	}
	late := policy
	late.GiveUp = time.Millisecond
	time.Sleep(5 * time.Millisecond) // so that the give-up time has passed on Redis' clock
	out, _, err = s.NotificationFailed(ctx, ns[1], "a", "dial tcp: connection refused", false, late)
	if err != nil || out != FailDead {
		t.Fatalf("past give-up: %v, %v", out, err)
	}
	rep, err := s.ListNotifications(ctx)
	if err != nil || len(rep.Pending) != 0 || len(rep.Dead) != 2 {
		t.Fatalf("ListNotifications: %+v, %v", rep, err)
	}
	// A dead letter's id is never an outbox entry's (mail_failed.lua):
	// its sequence number starts at 2^40, the outbox's at 0.
	for _, d := range rep.Dead {
		_, seq, _ := strings.Cut(d.ID, "-")
		if n, err := strconv.ParseUint(seq, 10, 64); err != nil || n < 1<<40 {
			t.Errorf("dead letter id %s: want a sequence of 2^40 or more", d.ID)
		}
	}
	reasons := []string{rep.Dead[0].Reason, rep.Dead[1].Reason}
	slices.Sort(reasons)
	if !slices.Equal(reasons, []string{"550 no such user", "dial tcp: connection refused"}) || rep.Dead[0].DeadAt.IsZero() {
		t.Errorf("dead letters %+v", rep.Dead)
	}
	if _, dead, err := s.RescanOutboxes(ctx); err != nil || dead != 2 {
		t.Errorf("RescanOutboxes counted %d dead, %v", dead, err)
	}

	// retry puts one back as a fresh notification; drop deletes the other.
	var retried, dropped DeadLetter
	for _, d := range rep.Dead {
		if d.Target == TargetEmail {
			retried = d
		} else {
			dropped = d
		}
	}
	if ok, err := s.RetryNotification(ctx, mb, retried.ID, time.Minute); err != nil || !ok {
		t.Fatalf("RetryNotification: %v, %v", ok, err)
	}
	if ok, err := s.DropNotification(ctx, mb, dropped.ID); err != nil || !ok {
		t.Fatalf("DropNotification: %v, %v", ok, err)
	}
	if ok, err := s.DropNotification(ctx, mb, dropped.ID); err != nil || ok {
		t.Fatalf("second DropNotification: %v, %v", ok, err)
	}
	if _, err := s.DropNotification(ctx, mb, "../x"); !errors.Is(err, ErrNotificationNotFound) {
		t.Fatalf("DropNotification of a malformed id: %v", err)
	}
	got := takeAll(t, s, mb, "a", time.Minute)
	if len(got) != 1 || got[0].Target != TargetEmail || got[0].Attempts != 0 || got[0].MessageID != retried.MessageID {
		t.Fatalf("after retry took %+v", got)
	}
	rep, err = s.ListNotifications(ctx)
	if err != nil || len(rep.Dead) != 0 || len(rep.Pending) != 1 {
		t.Fatalf("after retry and drop: %+v, %v", rep, err)
	}
}

func TestNotificationSentDeletesTheMessageAfterEmail(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001@default")
	provisionNotified(t, s, mb, "", NotifySettings{DeleteAfterEmail: true})
	box, err := s.Mailbox(ctx, mb)
	if err != nil || !box.Notify.DeleteAfterEmail {
		t.Fatalf("Mailbox: %+v, %v", box, err)
	}
	m := testMessage(mb, "m1732634712042-aaaaaaaa", 0)
	m.Intro = m.Recording + "-i"
	mwi := deposit(t, s, m)
	deposit(t, s, testMessage(mb, "m1732634712043-bbbbbbbb", 1))
	ns := takeAll(t, s, mb, "a", time.Minute)
	if len(ns) != 2 {
		t.Fatalf("took %+v", ns)
	}
	var first Notification
	for _, n := range ns {
		if n.MessageID == m.ID {
			first = n
		}
	}
	// Until the relay accepts it, the message stays.
	if _, err := s.Message(ctx, mb, m.ID); err != nil {
		t.Fatalf("message gone before its email was accepted: %v", err)
	}
	res, err := s.NotificationSent(ctx, first, true)
	if err != nil || !res.Deleted || !res.Acked {
		t.Fatalf("NotificationSent: %+v, %v", res, err)
	}
	if !slices.Equal(res.Removed, []string{m.Recording, m.Intro}) {
		t.Errorf("removed %v, want the audio and the introduction", res.Removed)
	}
	if res.MWI.New != 1 || res.MWI.Version <= mwi.Version {
		t.Errorf("MWI after %+v, before %+v", res.MWI, mwi)
	}
	if _, err := s.Message(ctx, mb, m.ID); !errors.Is(err, ErrMessageNotFound) {
		t.Errorf("Message after delete after email: %v", err)
	}
	// Sent again (a sender that came back): nothing more happens.
	res, err = s.NotificationSent(ctx, first, true)
	if err != nil || res.Acked || res.Deleted {
		t.Errorf("second NotificationSent: %+v, %v", res, err)
	}
}

func TestRescanOutboxesRepairsTheIndex(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	var boxes []MailboxID
	for i := range 5 {
		mb := mustID(t, fmt.Sprintf("10%02d@default", i))
		boxes = append(boxes, mb)
		provisionNotified(t, s, mb, "", NotifySettings{})
		deposit(t, s, testMessage(mb, fmt.Sprintf("m1732634712042-%08d", i), 0))
	}
	// The index is lost (as if every Deposit crashed before its hint).
	if err := rdb.Del(ctx, mailDueKey()).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := s.DueOutboxes(ctx, time.Minute, 10); err != nil || len(v) != 0 {
		t.Fatalf("DueOutboxes without an index: %+v, %v", v, err)
	}
	outboxes, _, err := s.RescanOutboxes(ctx)
	if err != nil || outboxes != len(boxes) {
		t.Fatalf("RescanOutboxes: %d, %v", outboxes, err)
	}
	v, err := s.DueOutboxes(ctx, time.Minute, 10)
	if err != nil || len(v) != len(boxes) {
		t.Fatalf("DueOutboxes after the rescan: %+v, %v", v, err)
	}
}

func TestProvisionStoresNotifySettings(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001@default")
	want := NotifySettings{Pager: "p@example.test", Attach: "mp3", DeleteAfterEmail: true, Timezone: "Europe/Paris"}
	provisionNotified(t, s, mb, want.Pager, want)
	got, err := s.Mailbox(ctx, mb)
	if err != nil || got.Notify != want {
		t.Fatalf("Mailbox: %+v, %v; want %+v", got.Notify, err, want)
	}
	// Updated in place, and unchanged counts as such.
	want2 := NotifySettings{Attach: "none", Timezone: "America/Montreal"}
	rep, err := s.Provision(ctx, []MailboxConfig{{ID: mb, Name: "Ann Owner", Email: "ann@example.test", Notify: want2}})
	if err != nil || rep.Updated != 1 {
		t.Fatalf("Provision update: %+v, %v", rep, err)
	}
	if got, _ := s.Mailbox(ctx, mb); got.Notify != want2 {
		t.Errorf("after update %+v, want %+v", got.Notify, want2)
	}
	rep, err = s.Provision(ctx, []MailboxConfig{{ID: mb, Name: "Ann Owner", Email: "ann@example.test", Notify: want2}})
	if err != nil || rep.Unchanged != 1 {
		t.Fatalf("Provision again: %+v, %v", rep, err)
	}
}

func TestTakeNotificationsRejectsBadArguments(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001@default")
	for _, tc := range []struct {
		consumer string
		idle     time.Duration
		count    int
	}{{"", time.Second, 1}, {"a", 0, 1}, {"a", time.Second, 0}, {"a", time.Second, maxTake + 1}} {
		if _, _, err := s.TakeNotifications(ctx, mb, tc.consumer, tc.idle, tc.count); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("TakeNotifications(%q, %v, %d): %v", tc.consumer, tc.idle, tc.count, err)
		}
	}
	if _, err := s.DueOutboxes(ctx, 0, 1); err == nil || !strings.Contains(err.Error(), "lease") {
		t.Errorf("DueOutboxes with no lease: %v", err)
	}
}
