package state

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestProvisionReviewAndNotify checks that the review setting and the
// notification settings, which share the provisioning scripts' arguments,
// each land in their own field on create and on update.
func TestProvisionReviewAndNotify(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	id := mustID(t, "3201")
	on, off := true, false
	steps := []struct {
		name   string
		review *bool
		notify NotifySettings
	}{
		{"create", &on, NotifySettings{Pager: "p@example.test", Attach: "mp3", DeleteAfterEmail: true, Timezone: "Europe/Paris"}},
		{"update both", &off, NotifySettings{Pager: "q@example.test", Attach: "none", Timezone: "America/Toronto"}},
		{"update review only", nil, NotifySettings{Pager: "q@example.test", Attach: "none", Timezone: "America/Toronto"}},
		{"clear notify", &on, NotifySettings{}},
	}
	for _, st := range steps {
		if _, err := s.Provision(ctx, []MailboxConfig{{ID: id, Name: "Ann", Options: Options{Review: st.review}, Notify: st.notify}}); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		mb, err := s.Mailbox(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if !reflect.DeepEqual(mb.Review, st.review) || mb.Notify != st.notify || mb.Name != "Ann" {
			t.Errorf("%s: review %v, notify %+v, name %q; want %v, %+v", st.name, mb.Review, mb.Notify, mb.Name, st.review, st.notify)
		}
	}
}

// TestHiddenMailboxes checks the hidden flag through provisioning (create
// and update), the admin create and update, and the directory, which
// leaves hidden mailboxes and mailboxes without a name out.
func TestHiddenMailboxes(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx := testCtx(t)
	ann, bob, cy := mustID(t, "3301@dir"), mustID(t, "3302@dir"), mustID(t, "3303@dir")
	other := mustID(t, "3304@elsewhere")
	if _, err := s.Provision(ctx, []MailboxConfig{
		{ID: ann, Name: "Ann Smith", Hidden: true},
		{ID: bob, Name: "Bob Smythe"},
		{ID: cy}, // no name: nothing to spell
		{ID: other, Name: "Olga Smith"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetGreeting(ctx, bob, GreetingName, "voicemail/dir/3302/greeting/greet-1"); err != nil {
		t.Fatal(err)
	}
	dir := func() []DirectoryEntry {
		t.Helper()
		d, err := s.Directory(ctx, "dir")
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	want := []DirectoryEntry{{Number: "3302", Name: "Bob Smythe", NameRecording: "voicemail/dir/3302/greeting/greet-1"}}
	if got := dir(); !reflect.DeepEqual(got, want) {
		t.Fatalf("directory = %+v, want %+v", got, want)
	}
	// The YAML lists Ann again, and hides Bob.
	if _, err := s.Provision(ctx, []MailboxConfig{{ID: ann, Name: "Ann Smith"}, {ID: bob, Name: "Bob Smythe", Hidden: true}}); err != nil {
		t.Fatal(err)
	}
	if got := dir(); len(got) != 1 || got[0].Number != "3301" {
		t.Fatalf("directory after provisioning = %+v, want Ann only", got)
	}
	// The admin API lists Bob again; a mailbox it creates hidden is not offered.
	if mb, err := s.UpdateMailbox(ctx, bob, MailboxUpdate{Hidden: new(false)}); err != nil || mb.Hidden {
		t.Fatalf("update: hidden %v, %v", mb.Hidden, err)
	}
	if mb, err := s.CreateMailbox(ctx, NewMailbox{ID: mustID(t, "3305@dir"), Name: "Dee Smart", PIN: "2468", Hidden: true}); err != nil || !mb.Hidden {
		t.Fatalf("create: hidden %v, %v", mb.Hidden, err)
	}
	if got := dir(); len(got) != 2 || got[0].Number != "3301" || got[1].Number != "3302" {
		t.Fatalf("directory after the admin changes = %+v, want Ann and Bob", got)
	}
}

// TestDirectoryTwoRoundTrips: the directory reads the index, then one
// pipeline, however many mailboxes the context holds.
func TestDirectoryTwoRoundTrips(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	var boxes []MailboxConfig
	for i := range 30 {
		boxes = append(boxes, MailboxConfig{ID: mustID(t, fmt.Sprintf("%d@big", 4000+i)), Name: fmt.Sprintf("Ann Smith%d", i)})
	}
	if _, err := s.Provision(ctx, boxes); err != nil {
		t.Fatal(err)
	}
	hook := &dirHook{}
	rdb.AddHook(hook)
	d, err := s.Directory(ctx, "big")
	if err != nil || len(d) != 30 {
		t.Fatalf("directory: %d entries, %v", len(d), err)
	}
	if c, p := hook.cmds.Load(), hook.pipelines.Load(); c != 1 || p != 1 {
		t.Errorf("%d lone commands and %d pipelines, want one of each", c, p)
	}
}

// dirHook counts the lone ZRANGEs and the pipelines of HMGETs a client
// sends (a new connection's handshake passes through the hooks too).
type dirHook struct{ cmds, pipelines atomic.Int64 }

func (h *dirHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *dirHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "zrange" {
			h.cmds.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (h *dirHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if slices.ContainsFunc(cmds, func(c redis.Cmder) bool { return c.Name() == "hmget" }) {
			h.pipelines.Add(1)
		}
		return next(ctx, cmds)
	}
}
