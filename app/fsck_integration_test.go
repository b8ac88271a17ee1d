package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap/zaptest"

	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
)

// fsckOnFixture returns an fsck of the fixture's Redis and fake Asterisk,
// and the mailboxes whose counts it published.
func fsckOnFixture(t *testing.T, f *sweepFixture, grace time.Duration) (*fsck, func() []string) {
	var mu sync.Mutex
	var published []string
	log := zaptest.NewLogger(t)
	fk := &fsck{
		store:   f.store,
		sweeper: f.sweeper(t, grace),
		exists:  []*recordings.Store{recordings.New(f.audio, log)},
		publish: func(_ context.Context, id state.MailboxID, _ state.MWI) error {
			mu.Lock()
			defer mu.Unlock()
			published = append(published, id.String())
			return nil
		},
		instance: "test",
		log:      log,
	}
	return fk, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Sorted(slices.Values(published))
	}
}

// kinds returns "KIND MAILBOX MESSAGE-OR-GREETING" of each problem.
func kinds(rep *FsckReport) []string {
	var out []string
	for _, p := range rep.Problems {
		out = append(out, p.Kind+" "+p.Mailbox+" "+p.Message+p.Greeting)
	}
	slices.Sort(out)
	return out
}

func TestFsckReportsAndRepairs(t *testing.T) {
	f := newSweepFixture(t)
	ctx := callCtx(t)
	other := state.MailboxID{Number: "2002", Context: "default"}
	deposit := func(mb state.MailboxID, id, rec string) {
		t.Helper()
		_, err := f.store.Deposit(ctx, state.Message{ID: id, Mailbox: mb, Recording: rec,
			Received: time.UnixMilli(1732634712000), Duration: time.Second})
		must(t, err)
	}
	// Pointers at missing audio: a message (m3), m1's introduction, the
	// busy greeting.
	deposit(f.mb, "m3", "voicemail/default/1001/msg/m3")
	delete(f.audio.names, f.intro)
	_, err := f.store.SetGreeting(ctx, f.mb, state.GreetingBusy, "voicemail/default/1001/greeting/busy-gone")
	must(t, err)
	// Records and folders that disagree: an id without a record, a record
	// in no folder, a record naming another folder, a message in two
	// folders, an id that is none.
	f.audio.names["voicemail/default/1001/msg/m4"] = true
	deposit(f.mb, "m4", "voicemail/default/1001/msg/m4")
	f.rdb.ZAdd(ctx, "vm:{1001@default}:f:2", redis.Z{Score: 1, Member: "m4"})
	f.rdb.ZAdd(ctx, "vm:{1001@default}:f:1", redis.Z{Score: 1, Member: "ghost"})
	f.rdb.ZAdd(ctx, "vm:{1001@default}:f:1", redis.Z{Score: 1, Member: "not an id"})
	f.rdb.HSet(ctx, "vm:{1001@default}:msg:lost", "folder", "0", "recording", f.msg)
	f.rdb.HSet(ctx, "vm:{1001@default}:msg:m1", "folder", "3")
	// MWI: 1001's versions were never claimed (no publisher ran); 2002's
	// claim is ahead of its version.
	f.audio.names["voicemail/default/2002/msg/n1"] = true
	deposit(other, "n1", "voicemail/default/2002/msg/n1")
	f.rdb.Set(ctx, "vm:{2002@default}:mwi:pub", "50", 0)
	// And an orphan that a sweep already noted.
	fk, published := fsckOnFixture(t, f, 0)
	_, err = fk.sweeper.Sweep(ctx, nil, false)
	must(t, err)

	rep, err := fk.run(ctx, fsckOptions{})
	if !errors.Is(err, ErrFsckProblems) {
		t.Fatalf("fsck = %v, want ErrFsckProblems", err)
	}
	want := []string{
		"bad-id 1001@default not an id",
		"duplicate 1001@default m4",
		"folder-mismatch 1001@default m1",
		"greeting-audio 1001@default busy",
		"intro-audio 1001@default m1",
		"message-audio 1001@default m3",
		"mwi-claim-ahead 2002@default ",
		"mwi-unpublished 1001@default ",
		"stray-id 1001@default ghost",
		"stray-record 1001@default lost",
	}
	if got := kinds(rep); !slices.Equal(got, want) {
		t.Fatalf("problems:\n got %q\nwant %q", got, want)
	}
	if len(rep.Orphans) != 1 || rep.Orphans[0].Recording != f.orphan || !rep.Orphans[0].PastGrace || rep.Orphans[0].FirstSeen == nil {
		t.Errorf("orphans = %+v, want %s past grace", rep.Orphans, f.orphan)
	}
	if rep.Found != len(want)+1 || rep.Repaired != 0 {
		t.Errorf("found %d repaired %d, want %d and 0", rep.Found, rep.Repaired, len(want)+1)
	}
	// Without --repair nothing changes.
	if !f.audio.has(f.orphan) || f.rdb.ZScore(ctx, "vm:{1001@default}:f:1", "ghost").Err() != nil {
		t.Fatal("fsck without --repair changed something")
	}
	if got := published(); len(got) != 0 {
		t.Errorf("published without --repair: %v", got)
	}

	rep, err = fk.run(ctx, fsckOptions{Repair: true})
	if !errors.Is(err, ErrFsckProblems) {
		t.Fatalf("fsck --repair = %v, want ErrFsckProblems (a duplicate needs a person)", err)
	}
	var left []string
	for _, p := range rep.Problems {
		if !p.Repaired {
			left = append(left, p.Kind)
		}
	}
	slices.Sort(left)
	if !slices.Equal(left, []string{"duplicate"}) {
		t.Errorf("left unrepaired: %v, want the duplicate only", left)
	}
	if !rep.Orphans[0].Removed || f.audio.has(f.orphan) {
		t.Errorf("the orphan past grace was not deleted: %+v", rep.Orphans[0])
	}
	if got := published(); !slices.Equal(got, []string{"1001@default", "2002@default"}) {
		t.Errorf("published %v, want both mailboxes", got)
	}
	if _, err := f.store.Message(ctx, f.mb, "m3"); !errors.Is(err, state.ErrMessageNotFound) {
		t.Errorf("message m3 without audio: %v, want removed", err)
	}
	if m, err := f.store.Message(ctx, f.mb, "m1"); err != nil || m.Intro != "" || m.Folder != state.FolderNew {
		t.Errorf("m1 after repair = %+v, %v; want in New, without its introduction", m, err)
	}
	if g, _ := f.store.Greetings(ctx, f.mb); g[state.GreetingBusy] != "" || g[state.GreetingUnavail] != f.greeting {
		t.Errorf("greetings after repair = %v", g)
	}
	if c, _ := f.store.Counts(ctx, f.mb); c != (state.Counts{New: 2, Work: 1}) {
		t.Errorf("counts after repair = %+v, want m1 and m4 in New, m4 in Work", c)
	}
	if f.rdb.Exists(ctx, "vm:{1001@default}:msg:lost").Val() != 0 {
		t.Error("the stray record is still there")
	}
	for _, keep := range []string{f.msg, f.greeting, f.take} {
		if !f.audio.has(keep) {
			t.Errorf("repair deleted referenced audio %s", keep)
		}
	}

	rep, err = fk.run(ctx, fsckOptions{})
	if !errors.Is(err, ErrFsckProblems) {
		t.Fatalf("fsck after repair = %v", err)
	}
	if got := kinds(rep); !slices.Equal(got, []string{"duplicate 1001@default m4"}) {
		t.Errorf("problems after repair: %q", got)
	}
}

// TestIntegrationJanitorAndFsck runs a sweep and voicemail fsck against
// the real Asterisk: orphan audio goes while a message's audio, a greeting
// and a take in a live session stay, and fsck finds and repairs a message
// whose audio was lost. The Asterisk's recordings directory is shared by
// every test (and keeps their leftovers), so the sweep is limited to a
// mailbox context of this test's own.
func TestIntegrationJanitorAndFsck(t *testing.T) {
	h := startHarness(t, func(c *Config) { c.Janitor.Enabled = false })
	ctx := callCtx(t)
	h.leaveMessage(ctx, "1001", "Carol <2001>", 3*time.Second)
	src := h.waitMessages(ctx, state.FolderNew, 1)[0].Recording
	st := h.store()

	var r [6]byte
	_, _ = rand.Read(r[:])
	mb := state.MailboxID{Number: "1001", Context: "jt" + hex.EncodeToString(r[:])}
	scope := "voicemail/" + mb.Context + "/"
	copyAudio := func(name string) string {
		t.Helper()
		_, err := h.caller.Client.CopyStored(ctx, src, name)
		must(t, err)
		t.Cleanup(func() { _ = h.caller.Client.DeleteStored(context.Background(), name) })
		return name
	}
	name := func(n string, err error) string {
		t.Helper()
		must(t, err)
		return n
	}
	msgID := state.NewMessageID(time.Now())
	msgRec := copyAudio(name(recordings.MessageName(mb, msgID)))
	_, err := st.Deposit(ctx, state.Message{ID: msgID, Mailbox: mb, Recording: msgRec, Received: time.Now(), Duration: 3 * time.Second})
	must(t, err)
	greeting := copyAudio(name(recordings.GreetingName(mb, state.GreetingUnavail, state.NewMessageID(time.Now()))))
	_, err = st.SetGreeting(ctx, mb, state.GreetingUnavail, greeting)
	must(t, err)
	take := copyAudio(name(recordings.GreetingName(mb, state.GreetingBusy, state.NewMessageID(time.Now()))))
	must(t, st.SaveSession(ctx, state.Session{ChannelID: "jt-" + mb.Context, Instance: "it", Epoch: 1,
		Menu: []byte(`{"take":{"kind":"busy","recording":"` + take + `"}}`)}))
	orphan := copyAudio(name(recordings.MessageName(mb, state.NewMessageID(time.Now()))))
	foreign := copyAudio(scope + "1001/notes/keep") // not a name the app makes

	sw := newSweeper(h.app.store, h.app.nodes, 300*time.Millisecond, zaptest.NewLogger(t))
	sw.prefix = scope
	rep, err := sw.Sweep(ctx, nil, false)
	must(t, err)
	if !slices.Equal(rep.Orphans, []string{orphan}) || rep.Ours != 4 {
		t.Fatalf("first sweep = %+v; want 4 of ours, one orphan", rep)
	}
	rep = sweepUntil(t, sw, false, func(r SweepReport, err error) bool { return len(r.Removed) > 0 })
	if !slices.Equal(rep.Removed, []string{orphan}) {
		t.Fatalf("removed %v, want only %s", rep.Removed, orphan)
	}
	if h.storedExists(ctx, orphan) {
		t.Error("the orphan is still stored")
	}
	for _, keep := range []string{msgRec, greeting, take, foreign, src} {
		if !h.storedExists(ctx, keep) {
			t.Errorf("%s was deleted", keep)
		}
	}

	// The message's audio is lost: voicemail fsck, the command, finds it
	// and --repair removes the message.
	must(t, h.caller.Client.DeleteStored(ctx, msgRec))
	env := h.env
	args := []string{"fsck", "--json", "--redis.addrs", h.rdb.Options().Addr, "--ari.url", env.ARIURL,
		"--ari.username", env.ARIUser, "--ari.password_file", writeFile(t, "ari-password", env.ARIPass), "--log.level", "error", "--instance.id", "fsck-test"}
	fsckRun := func(extra ...string) (int, FsckReport) {
		t.Helper()
		var out, errOut bytes.Buffer
		code := Main(ctx, append(slices.Clone(args), extra...), &out, &errOut)
		var rep FsckReport
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("fsck %v: exit %d, output not JSON (%v): %s\nstderr: %s", extra, code, err, out.String(), errOut.String())
		}
		return code, rep
	}
	ofMailbox := func(rep FsckReport) []FsckProblem {
		var out []FsckProblem
		for _, p := range rep.Problems {
			if p.Mailbox == mb.String() {
				out = append(out, p)
			}
		}
		return out
	}
	code, frep := fsckRun()
	problems := ofMailbox(frep)
	if code != 1 || !slices.ContainsFunc(problems, func(p FsckProblem) bool {
		return p.Kind == fsckMessageAudio && p.Message == msgID && p.Recording == msgRec
	}) {
		t.Fatalf("fsck: exit %d, problems of %s %+v; want exit 1 and the message without audio", code, mb, problems)
	}
	if _, err := st.Message(ctx, mb, msgID); err != nil {
		t.Fatalf("fsck without --repair changed the message: %v", err)
	}
	_, frep = fsckRun("--repair")
	for _, p := range ofMailbox(frep) {
		if !p.Repaired {
			t.Errorf("not repaired: %+v", p)
		}
	}
	if _, err := st.Message(ctx, mb, msgID); !errors.Is(err, state.ErrMessageNotFound) {
		t.Errorf("the message without audio after --repair: %v, want removed", err)
	}
	if c, _ := st.Counts(ctx, mb); c != (state.Counts{}) {
		t.Errorf("counts of %s after --repair = %+v, want none", mb, c)
	}
	if g, _ := st.Greetings(ctx, mb); g[state.GreetingUnavail] != greeting {
		t.Errorf("the greeting, whose audio is there, was touched: %v", g)
	}
	_, frep = fsckRun()
	if p := ofMailbox(frep); len(p) != 0 {
		t.Errorf("problems of %s after --repair: %+v", mb, p)
	}
}
