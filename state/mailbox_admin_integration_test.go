package state

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestCreateMailboxByAdmin(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	id := mustID(t, "2001@sales")
	review := true
	mb, err := s.CreateMailbox(ctx, NewMailbox{ID: id, Name: "Zoë", Email: "zoe@example.com",
		Language: "fr", Options: Options{Review: &review}, PIN: "48151", MustChangePIN: true})
	if err != nil {
		t.Fatal(err)
	}
	if mb.Name != "Zoë" || mb.Email != "zoe@example.com" || mb.Language != "fr" || mb.Review == nil || !*mb.Review ||
		!mb.ManagedByAPI || !mb.PINIsDefault || mb.PINSource != "admin" || mb.Created.IsZero() {
		t.Errorf("created %+v", mb)
	}
	got, err := s.Authenticate(ctx, id, "48151")
	if err != nil || !got.PINIsDefault {
		t.Fatalf("Authenticate with the one-time PIN = %+v, %v; want a login that must choose a PIN", got, err)
	}
	if _, err := s.CreateMailbox(ctx, NewMailbox{ID: id, PIN: "2580"}); !errors.Is(err, ErrMailboxExists) {
		t.Errorf("second create = %v, want ErrMailboxExists", err)
	}
	page, err := s.ListMailboxes(ctx, MailboxQuery{})
	if err != nil || len(page.Mailboxes) != 1 || page.Mailboxes[0].Mailbox.ID != id {
		t.Errorf("ListMailboxes = %+v, %v", page, err)
	}

	// Bad input never reaches Redis.
	before := len(allKeys(t, rdb))
	for name, m := range map[string]NewMailbox{
		"name with a newline": {ID: mustID(t, "2002"), Name: "a\nb", PIN: "2580"},
		"email without @":     {ID: mustID(t, "2002"), Email: "nobody", PIN: "2580"},
		"email with two":      {ID: mustID(t, "2002"), Email: "a@b@c", PIN: "2580"},
		"language":            {ID: mustID(t, "2002"), Language: "../en", PIN: "2580"},
		"long name":           {ID: mustID(t, "2002"), Name: strings.Repeat("x", 101), PIN: "2580"},
		"PIN":                 {ID: mustID(t, "2002"), PIN: "12ab"},
		"no PIN":              {ID: mustID(t, "2002")},
		"id":                  {ID: MailboxID{Number: "../1", Context: "default"}, PIN: "2580"},
	} {
		if _, err := s.CreateMailbox(ctx, m); !errors.Is(err, ErrInvalidMailboxField) && !errors.Is(err, ErrInvalidPIN) && !errors.Is(err, ErrInvalidMailbox) {
			t.Errorf("%s: CreateMailbox = %v, want a validation error", name, err)
		}
	}
	if after := len(allKeys(t, rdb)); after != before {
		t.Errorf("refused creations wrote %d keys", after-before)
	}
}

func TestProvisionLeavesAPIMailboxesAlone(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	api, seeded := mustID(t, "3001"), mustID(t, "3002")
	if _, err := s.CreateMailbox(ctx, NewMailbox{ID: api, Name: "From the API", PIN: "2580"}); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Provision(ctx, []MailboxConfig{
		{ID: api, Name: "From the YAML", PIN: "9999"},
		{ID: seeded, Name: "Seeded", PIN: "1357"},
	})
	if err != nil || rep.Created != 1 || rep.Skipped != 1 {
		t.Fatalf("Provision = %+v, %v; want 1 created, 1 skipped", rep, err)
	}
	if mb, _ := s.Mailbox(ctx, api); mb.Name != "From the API" {
		t.Errorf("provisioning renamed an API mailbox to %q", mb.Name)
	}
	if _, err := s.Authenticate(ctx, api, "2580"); err != nil {
		t.Errorf("provisioning replaced an API mailbox's PIN: %v", err)
	}

	// A change through the API makes a seeded mailbox the API's.
	name := "Renamed"
	review := false
	mb, err := s.UpdateMailbox(ctx, seeded, MailboxUpdate{Name: &name, Options: Options{Review: &review}})
	if err != nil || mb.Name != "Renamed" || !mb.ManagedByAPI || mb.Review == nil || *mb.Review {
		t.Fatalf("UpdateMailbox = %+v, %v", mb, err)
	}
	rep, err = s.Provision(ctx, []MailboxConfig{{ID: seeded, Name: "Seeded", PIN: "1357"}})
	if err != nil || rep.Skipped != 1 {
		t.Fatalf("Provision = %+v, %v; want it skipped", rep, err)
	}
	if mb, _ := s.Mailbox(ctx, seeded); mb.Name != "Renamed" {
		t.Errorf("provisioning undid an API change: name %q", mb.Name)
	}
	// Clearing the review override.
	mb, err = s.UpdateMailbox(ctx, seeded, MailboxUpdate{Reset: []string{"review"}})
	if err != nil || mb.Review != nil {
		t.Errorf("review after clearing = %v, %v", mb.Review, err)
	}
	if _, err := s.UpdateMailbox(ctx, mustID(t, "3999"), MailboxUpdate{Name: &name}); !errors.Is(err, ErrMailboxNotFound) {
		t.Errorf("update of an unknown mailbox = %v", err)
	}
	bad := "x\x00"
	if _, err := s.UpdateMailbox(ctx, seeded, MailboxUpdate{Name: &bad}); !errors.Is(err, ErrInvalidMailboxField) {
		t.Errorf("update with a NUL = %v", err)
	}
}

func TestProvisionStoresReview(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	id := mustID(t, "3101")
	on := true
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, Options: Options{Review: &on}}}); err != nil {
		t.Fatal(err)
	}
	if mb, _ := s.Mailbox(ctx, id); mb.Review == nil || !*mb.Review || mb.ManagedByAPI {
		t.Errorf("provisioned review = %v, managed by API %v", mb.Review, mb.ManagedByAPI)
	}
	rep, err := s.Provision(ctx, []MailboxConfig{{ID: id}})
	if err != nil || rep.Updated != 1 {
		t.Fatalf("Provision = %+v, %v", rep, err)
	}
	if mb, _ := s.Mailbox(ctx, id); mb.Review != nil {
		t.Errorf("review left at %v after the YAML dropped it", *mb.Review)
	}
}

func TestDeleteMailbox(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	id, other := mustID(t, "4001"), mustID(t, "4002")
	// An address, so that each deposit queues an email in the outbox.
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, Name: "Doomed", Email: "doomed@example.org"}, {ID: other}}); err != nil {
		t.Fatal(err)
	}
	// A failed login, so that the day's count of failures exists.
	if _, err := s.Authenticate(ctx, id, "000000"); err == nil {
		t.Fatal("a wrong PIN was accepted")
	}
	m1 := testMessage(id, "m1", 0)
	m2 := testMessage(id, "m2", 1)
	m2.Intro = "voicemail/default/4001/msg/m2-intro"
	deposit(t, s, m1)
	deposit(t, s, m2)
	deposit(t, s, testMessage(other, "m3", 2))
	if _, err := s.Move(ctx, id, "m2", FolderWork); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetGreeting(ctx, id, GreetingUnavail, "voicemail/default/4001/greeting/unavail-v1"); err != nil {
		t.Fatal(err)
	}
	before, err := s.MWIState(ctx, id)
	if err != nil {
		t.Fatal(err)
	}

	audio, mwi, err := s.DeleteMailbox(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(audio)
	want := []string{m1.Recording, m2.Recording, m2.Intro, "voicemail/default/4001/greeting/unavail-v1"}
	slices.Sort(want)
	if !slices.Equal(audio, want) {
		t.Errorf("audio to delete %v, want %v", audio, want)
	}
	if mwi.New != 0 || mwi.Old != 0 || mwi.Version <= before.Version {
		t.Errorf("MWI after delete %+v, want 0/0 past version %d", mwi, before.Version)
	}
	if won, err := s.ClaimMWI(ctx, id, mwi.Version); err != nil || !won {
		t.Errorf("the lamp-off version is not claimable: %v, %v", won, err)
	}
	if _, err := s.Mailbox(ctx, id); !errors.Is(err, ErrMailboxNotFound) {
		t.Errorf("Mailbox after delete = %v", err)
	}
	for _, k := range allKeys(t, rdb) {
		if strings.Contains(k, "{4001@default}") && !strings.HasSuffix(k, ":ver") &&
			!strings.HasSuffix(k, ":mwi:pub") && !strings.HasSuffix(k, ":deleted") {
			t.Errorf("key %s left after delete (a mailbox created again would inherit it)", k)
		}
	}
	if c, _ := s.Counts(ctx, other); c.New != 1 {
		t.Errorf("another mailbox lost its message: %+v", c)
	}
	if _, _, err := s.DeleteMailbox(ctx, id); !errors.Is(err, ErrMailboxNotFound) {
		t.Errorf("second delete = %v", err)
	}

	// The YAML does not bring it back; the API does.
	rep, err := s.Provision(ctx, []MailboxConfig{{ID: id, Name: "Doomed"}})
	if err != nil || rep.Skipped != 1 || rep.Created != 0 {
		t.Fatalf("Provision after delete = %+v, %v; want it skipped", rep, err)
	}
	page, _ := s.ListMailboxes(ctx, MailboxQuery{})
	if len(page.Mailboxes) != 1 || page.Mailboxes[0].Mailbox.ID != other {
		t.Errorf("listing after delete: %+v", page.Mailboxes)
	}
	if ids, _ := s.MailboxIDs(ctx); slices.Contains(ids, id) {
		t.Errorf("provisioning indexed a deleted mailbox again: %v", ids)
	}
	if _, err := s.CreateMailbox(ctx, NewMailbox{ID: id, PIN: "2580"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Counts(ctx, id); c != (Counts{}) {
		t.Errorf("a mailbox created again has messages: %+v", c)
	}
	mwi2 := deposit(t, s, testMessage(id, "m4", 3))
	if mwi2.Version <= mwi.Version {
		t.Errorf("version went back from %d to %d: publishers would never claim it", mwi.Version, mwi2.Version)
	}
}

func TestDeleteMailboxRetriesWhenAMessageArrives(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	id := mustID(t, "4101")
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id}}); err != nil {
		t.Fatal(err)
	}
	deposit(t, s, testMessage(id, "m1", 0))
	// A hook that deposits once, after DeleteMailbox read the folders and
	// before its script runs.
	var once atomic.Bool
	rdb.AddHook(depositOnScript{fn: func() {
		if once.CompareAndSwap(false, true) {
			deposit(t, s, testMessage(id, "m2", 1))
		}
	}})
	audio, _, err := s.DeleteMailbox(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(audio) != 2 || !once.Load() {
		t.Errorf("audio %v after a message arrived during the delete (hook ran: %v)", audio, once.Load())
	}
	if c, _ := s.Counts(ctx, id); c != (Counts{}) {
		t.Errorf("counts after delete %+v", c)
	}
}

// depositOnScript runs fn before the first mailbox_delete.lua is sent,
// alone or in a pipeline (with WAIT, under Sentinel).
type depositOnScript struct{ fn func() }

func (h depositOnScript) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h depositOnScript) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			h.check(cmd)
		}
		return next(ctx, cmds)
	}
}

func (h depositOnScript) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.check(cmd)
		return next(ctx, cmd)
	}
}

func (h depositOnScript) check(cmd redis.Cmder) {
	args := cmd.Args()
	if len(args) > 1 && (cmd.Name() == "evalsha" || cmd.Name() == "eval") &&
		(fmt.Sprint(args[1]) == mailboxDeleteScript.Hash() || strings.Contains(fmt.Sprint(args[1]), "tombstone")) {
		h.fn()
	}
}

func TestSetAdminPIN(t *testing.T) {
	s, _ := newTestStore(t, Config{MaxFailures: 2})
	ctx := testCtx(t)
	id := mustID(t, "5001")
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, PIN: "1357"}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, _ = s.Authenticate(ctx, id, "0000")
	}
	if l, _ := s.Lockout(ctx, id); l.Remaining == 0 {
		t.Fatal("not locked out after 2 failures")
	}
	if err := s.SetAdminPIN(ctx, id, "864209", true); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.Lockout(ctx, id); l.Remaining != 0 || l.Failures != 0 {
		t.Errorf("lockout after a reset: %+v", l)
	}
	mb, err := s.Authenticate(ctx, id, "864209")
	if err != nil || !mb.PINIsDefault {
		t.Fatalf("login with the one-time PIN = %+v, %v; want the walk-through", mb, err)
	}
	// The owner then chooses a PIN: the walk-through ends.
	if err := s.SetPIN(ctx, id, "97531"); err != nil {
		t.Fatal(err)
	}
	if mb, _ := s.Authenticate(ctx, id, "97531"); mb.PINIsDefault {
		t.Error("still must change the PIN after choosing one")
	}
	// Provisioning does not overwrite an administrator's PIN.
	if err := s.SetAdminPIN(ctx, id, "246810", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, PIN: "1357"}}); err != nil {
		t.Fatal(err)
	}
	if mb, err := s.Authenticate(ctx, id, "246810"); err != nil || mb.PINIsDefault || mb.PINSource != "" && mb.PINSource != "admin" {
		t.Errorf("after provisioning, the admin's PIN: %+v, %v", mb, err)
	}
	if err := s.SetAdminPIN(ctx, mustID(t, "5999"), "246810", false); !errors.Is(err, ErrMailboxNotFound) {
		t.Errorf("reset of an unknown mailbox = %v", err)
	}
	if err := s.SetAdminPIN(ctx, id, "abc", false); !errors.Is(err, ErrInvalidPIN) {
		t.Errorf("reset to letters = %v", err)
	}
}

func TestListMailboxesPagesAndSearches(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	var boxes []MailboxConfig
	for i := range 12 {
		boxes = append(boxes, MailboxConfig{ID: mustID(t, fmt.Sprintf("60%02d", i)), Name: fmt.Sprintf("User %d", i)})
	}
	boxes = append(boxes, MailboxConfig{ID: mustID(t, "7000@sales"), Name: "Sally Sales", Email: "sally@example.com"})
	if _, err := s.Provision(ctx, boxes); err != nil {
		t.Fatal(err)
	}
	deposit(t, s, testMessage(mustID(t, "6003"), "m1", 0))

	var all []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		page, err := s.ListMailboxes(ctx, MailboxQuery{After: after, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Mailboxes {
			all = append(all, e.Mailbox.ID.String())
			if e.Mailbox.ID.Number == "6003" && e.Counts.New != 1 {
				t.Errorf("counts of 6003 in the listing: %+v", e.Counts)
			}
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if len(all) != 13 || !slices.IsSorted(all) {
		t.Errorf("paged listing %v", all)
	}
	for _, tt := range []struct {
		q    MailboxQuery
		want int
	}{
		{MailboxQuery{Context: "sales"}, 1},
		{MailboxQuery{Search: "SALLY"}, 1},
		{MailboxQuery{Search: "example.com"}, 1},
		{MailboxQuery{Search: "user 1"}, 3}, // User 1, User 10, User 11
		{MailboxQuery{Search: "6011@"}, 1},
		{MailboxQuery{Search: "nobody"}, 0},
	} {
		page, err := s.ListMailboxes(ctx, tt.q)
		if err != nil || len(page.Mailboxes) != tt.want {
			t.Errorf("ListMailboxes(%+v) = %d mailboxes, %v; want %d", tt.q, len(page.Mailboxes), err, tt.want)
		}
	}
	for _, q := range []MailboxQuery{{Limit: -1}, {Limit: MaxListLimit + 1}, {After: "x"}, {After: "6001"}, {Context: "a/b"}, {Search: "\x00"}} {
		if _, err := s.ListMailboxes(ctx, q); !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("ListMailboxes(%+v) = %v, want ErrInvalidQuery", q, err)
		}
	}

	// A stale index entry is skipped; a missing one is found again.
	if err := rdb.ZAdd(ctx, mailboxIndexKey, redis.Z{Member: "6100@default"}).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ZRem(ctx, mailboxIndexKey, "6005@default").Err(); err != nil {
		t.Fatal(err)
	}
	page, err := s.ListMailboxes(ctx, MailboxQuery{})
	if err != nil || len(page.Mailboxes) != 12 {
		t.Fatalf("listing with a stale and a missing entry: %d, %v", len(page.Mailboxes), err)
	}
	n, err := s.ReindexMailboxes(ctx)
	if err != nil || n != 13 {
		t.Fatalf("ReindexMailboxes = %d, %v; want 13", n, err)
	}
	page, _ = s.ListMailboxes(ctx, MailboxQuery{})
	if len(page.Mailboxes) != 13 {
		t.Errorf("after reindexing, %d mailboxes listed", len(page.Mailboxes))
	}
	ids, err := s.MailboxIDs(ctx)
	if err != nil || len(ids) != 14 { // the stale entry stays: a hint
		t.Errorf("MailboxIDs = %d ids, %v", len(ids), err)
	}
}

func TestAuditLog(t *testing.T) {
	s, _ := newTestStore(t, Config{AuditMax: 100})
	ctx := testCtx(t)
	for i := range 250 {
		if _, err := s.AppendAudit(ctx, AuditEntry{Actor: "ops", Source: "api", Action: "mailbox.create",
			Target: fmt.Sprintf("%d@default", 1000+i), Result: "ok", Detail: "line\nbreak", Remote: "127.0.0.1"}); err != nil {
			t.Fatal(err)
		}
	}
	var all []AuditEntry
	before := ""
	for {
		page, next, err := s.AuditLog(ctx, before, 40)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		before = next
	}
	// XADD MAXLEN ~ trims whole nodes: about AuditMax are kept.
	if len(all) < 100 || len(all) > 250 {
		t.Errorf("%d entries kept with AuditMax 100", len(all))
	}
	if all[0].Target != "1249@default" || all[0].Detail != "linebreak" || all[0].Actor != "ops" ||
		time.Since(all[0].Time) > time.Minute {
		t.Errorf("newest entry %+v", all[0])
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID && len(all[i].ID) == len(all[i-1].ID) {
			t.Fatalf("entries out of order at %d: %s after %s", i, all[i].ID, all[i-1].ID)
		}
	}
	if _, _, err := s.AuditLog(ctx, "not-an-id", 0); !errors.Is(err, ErrInvalidQuery) {
		t.Errorf("AuditLog with a bad cursor = %v", err)
	}
}

func TestMWIChangedReachesWatchers(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx, cancel := context.WithCancel(testCtx(t))
	got := make(chan MailboxID, 10)
	done := make(chan error, 1)
	go func() { done <- s.WatchMWIChanged(ctx, func(id MailboxID) { got <- id }) }()
	id := mustID(t, "8001@sales")
	// The subscription starts asynchronously: notify until heard.
	deadline := time.After(10 * time.Second)
	for heard := false; !heard; {
		if err := s.NotifyMWIChanged(ctx, id); err != nil {
			t.Fatal(err)
		}
		select {
		case g := <-got:
			if g != id {
				t.Fatalf("heard %v, want %v", g, id)
			}
			heard = true
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("no notification heard within 10s")
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("WatchMWIChanged returned %v", err)
	}
}
