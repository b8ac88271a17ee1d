package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap/zaptest"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/state/redistest"
)

// These tests run the janitor's sweeps against a real Redis (a private
// redis-server) and a fake Asterisk recordings directory; they need no
// testenv. The sweep against the real Asterisk is in fsck_integration_test.go.

// fakeRecordings is one Asterisk's stored recordings: our own
// storedLister and audioDeleter interfaces.
type fakeRecordings struct {
	mu      sync.Mutex
	names   map[string]bool
	deleted []string
	listErr error
}

func newFakeRecordings(names ...string) *fakeRecordings {
	f := &fakeRecordings{names: map[string]bool{}}
	for _, n := range names {
		f.names[n] = true
	}
	return f
}

func (f *fakeRecordings) ListStored(context.Context) ([]ari.StoredRecording, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listErr != nil {
		return nil, f.listErr
	}
	out := make([]ari.StoredRecording, 0, len(f.names))
	for n := range f.names {
		out = append(out, ari.StoredRecording{Name: n, Format: "wav"})
	}
	return out, nil
}

// Delete deletes like recordings.Store.Delete: names not ours are refused.
func (f *fakeRecordings) Delete(_ context.Context, names ...string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range names {
		if !recordings.IsOurs(n) {
			return fmt.Errorf("delete %s: %w", n, recordings.ErrInvalidName)
		}
		delete(f.names, n)
		f.deleted = append(f.deleted, n)
	}
	return nil
}

func (f *fakeRecordings) has(n string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.names[n]
}

func (f *fakeRecordings) deletions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.deleted)
}

// hookedIndex runs before(n) before the n-th scan (from 1): a change made
// while a sweep runs.
type hookedIndex struct {
	audioIndex
	mu     sync.Mutex
	n      int
	before func(n int)
}

func (h *hookedIndex) ScanAudio(ctx context.Context) (*state.Inventory, error) {
	h.mu.Lock()
	h.n++
	n := h.n
	h.mu.Unlock()
	if h.before != nil {
		h.before(n)
	}
	return h.audioIndex.ScanAudio(ctx)
}

// sweepFixture is a Redis with mailbox 1001's records and one fake
// Asterisk holding their audio and more.
type sweepFixture struct {
	rdb   *redis.Client
	store *state.Store
	audio *fakeRecordings
	mb    state.MailboxID
	// referenced audio: a message, its introduction, a greeting, a take in
	// a live session
	msg, intro, greeting, take string
	// orphan is audio of ours nothing points at; foreign are names the app
	// did not make.
	orphan  string
	foreign []string
}

func newSweepFixture(t *testing.T) *sweepFixture {
	t.Helper()
	rdb := redistest.Start(t)
	st, err := state.New(state.Config{PINHashCost: 4}, rdb)
	must(t, err)
	f := &sweepFixture{
		rdb:      rdb,
		store:    st,
		mb:       state.MailboxID{Number: "1001", Context: "default"},
		msg:      "voicemail/default/1001/msg/m1",
		intro:    "voicemail/default/1001/msg/m1-i",
		greeting: "voicemail/default/1001/greeting/unavail-g1",
		take:     "voicemail/default/1001/greeting/busy-t1",
		orphan:   "voicemail/default/1001/msg/m2",
		foreign:  []string{"other/app/file", "voicemail/default/1001/notes/x", "vm-custom-prompt"},
	}
	ctx := callCtx(t)
	_, err = st.Deposit(ctx, state.Message{ID: "m1", Mailbox: f.mb, Recording: f.msg, Intro: f.intro,
		Received: time.UnixMilli(1732634712000), Duration: 3 * time.Second})
	must(t, err)
	_, err = st.SetGreeting(ctx, f.mb, state.GreetingUnavail, f.greeting)
	must(t, err)
	must(t, st.SaveSession(ctx, state.Session{ChannelID: "ch-1", Instance: "i", Epoch: 1,
		Menu: []byte(`{"take":{"kind":"busy","recording":"` + f.take + `"}}`)}))
	f.audio = newFakeRecordings(append([]string{f.msg, f.intro, f.greeting, f.take, f.orphan}, f.foreign...)...)
	return f
}

func (f *sweepFixture) sweeper(t *testing.T, grace time.Duration) *sweeper {
	return &sweeper{index: f.store, book: f.store, grace: grace, prefix: sweepPrefix,
		sources: []audioSource{{name: "a", list: f.audio, delete: f.audio}}, log: zaptest.NewLogger(t)}
}

// sweepUntil sweeps until cond holds, at most for 10s.
func sweepUntil(t *testing.T, sw *sweeper, force bool, cond func(SweepReport, error) bool) SweepReport {
	t.Helper()
	ctx := callCtx(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		rep, err := sw.Sweep(ctx, nil, force)
		if cond(rep, err) {
			return rep
		}
		if err != nil && !errors.Is(err, ErrSweepHeld) {
			t.Fatalf("sweep: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up sweeping; last report %+v, %v", rep, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSweepDeletesOnlyOrphansPastGrace(t *testing.T) {
	f := newSweepFixture(t)
	sw := f.sweeper(t, 300*time.Millisecond)
	rep, err := sw.Sweep(callCtx(t), nil, false)
	must(t, err)
	if !slices.Equal(rep.Orphans, []string{f.orphan}) || rep.Added != 1 || len(rep.Due) != 0 || len(rep.Removed) != 0 {
		t.Fatalf("first sweep = %+v, want the orphan noted, nothing due", rep)
	}
	if rep.Stored != 8 || rep.Ours != 5 {
		t.Errorf("first sweep saw %d stored, %d ours; want 8 and 5", rep.Stored, rep.Ours)
	}
	rep = sweepUntil(t, sw, false, func(r SweepReport, err error) bool { return len(r.Removed) > 0 })
	if !slices.Equal(rep.Removed, []string{f.orphan}) {
		t.Fatalf("removed %v, want only %s", rep.Removed, f.orphan)
	}
	if got := f.audio.deletions(); !slices.Equal(got, []string{f.orphan}) {
		t.Errorf("deleted %v, want only the orphan", got)
	}
	for _, keep := range append([]string{f.msg, f.intro, f.greeting, f.take}, f.foreign...) {
		if !f.audio.has(keep) {
			t.Errorf("%s was deleted", keep)
		}
	}
	cands, _, err := f.store.OrphanCandidates(callCtx(t))
	must(t, err)
	if len(cands) != 0 {
		t.Errorf("candidates after the deletion: %v", cands)
	}
}

func TestSweepReferencedAgainRestartsGrace(t *testing.T) {
	f := newSweepFixture(t)
	ctx := callCtx(t)
	const grace = 400 * time.Millisecond
	sw := f.sweeper(t, grace)
	_, err := sw.Sweep(ctx, nil, false)
	must(t, err)
	// The orphan becomes a message (a deposit whose reply was lost), then
	// the owner deletes that message: its audio is an orphan again, and its
	// grace starts again.
	_, err = f.store.Deposit(ctx, state.Message{ID: "m2", Mailbox: f.mb, Recording: f.orphan,
		Received: time.UnixMilli(1732634713000), Duration: time.Second})
	must(t, err)
	rep, err := sw.Sweep(ctx, nil, false)
	must(t, err)
	if len(rep.Orphans) != 0 {
		t.Fatalf("orphans while referenced: %v", rep.Orphans)
	}
	time.Sleep(grace) // the first sighting is now older than grace
	_, _, err = f.store.CloseFolder(ctx, f.mb, state.FolderNew, nil, []string{"m2"})
	must(t, err)
	rep, err = sw.Sweep(ctx, nil, false)
	must(t, err)
	if rep.Added != 1 || len(rep.Due) != 0 || len(rep.Removed) != 0 {
		t.Fatalf("sweep after the message went = %+v; want the orphan noted afresh, not due", rep)
	}
	rep = sweepUntil(t, sw, false, func(r SweepReport, err error) bool { return len(r.Removed) > 0 })
	if !slices.Equal(rep.Removed, []string{f.orphan}) {
		t.Errorf("removed %v", rep.Removed)
	}
}

func TestSweepRescuesWhatBecameReferenced(t *testing.T) {
	f := newSweepFixture(t)
	ctx := callCtx(t)
	sw := f.sweeper(t, 0)
	_, err := sw.Sweep(ctx, nil, false)
	must(t, err)
	// Between deciding what is due and deleting, the orphan gets a
	// reference: the last scan sees it and the audio stays.
	idx := &hookedIndex{audioIndex: f.store, before: func(n int) {
		if n == 2 {
			_, err := f.store.SetGreeting(ctx, f.mb, state.GreetingTemp, f.orphan)
			must(t, err)
		}
	}}
	sw.index = idx
	rep, err := sw.Sweep(ctx, nil, false)
	must(t, err)
	if !slices.Equal(rep.Due, []string{f.orphan}) || !slices.Equal(rep.Rescued, []string{f.orphan}) || len(rep.Removed) != 0 {
		t.Fatalf("sweep = %+v; want the orphan due, then rescued", rep)
	}
	if !f.audio.has(f.orphan) {
		t.Fatal("the rescued recording was deleted")
	}
	cands, _, err := f.store.OrphanCandidates(ctx)
	must(t, err)
	if _, ok := cands[f.orphan]; ok {
		t.Error("the rescued recording is still a candidate")
	}
}

func TestSweepHoldsWhenMostAudioIsOrphan(t *testing.T) {
	f := newSweepFixture(t)
	ctx := callCtx(t)
	// Metadata lost: many recordings of ours, nothing in Redis for them.
	for i := range holdMin + 5 {
		f.audio.names[fmt.Sprintf("voicemail/default/1001/msg/lost%d", i)] = true
	}
	sw := f.sweeper(t, 0)
	_, err := sw.Sweep(ctx, nil, false)
	must(t, err)
	rep, err := sw.Sweep(ctx, nil, false)
	if !errors.Is(err, ErrSweepHeld) || !rep.Held || len(rep.Removed) != 0 || len(f.audio.deletions()) != 0 {
		t.Fatalf("sweep = %+v, %v; want held, nothing deleted", rep, err)
	}
	rep, err = sw.Sweep(ctx, nil, true)
	must(t, err)
	if len(rep.Removed) != holdMin+6 {
		t.Errorf("forced sweep removed %d, want %d", len(rep.Removed), holdMin+6)
	}
	if !f.audio.has(f.msg) || !f.audio.has(f.greeting) {
		t.Error("a forced sweep deleted referenced audio")
	}
}

func TestSweepSourcesAndLock(t *testing.T) {
	f := newSweepFixture(t)
	ctx := callCtx(t)
	down := newFakeRecordings()
	down.listErr = errors.New("connection refused")
	sw := f.sweeper(t, 0)
	sw.sources = append(sw.sources, audioSource{name: "b", list: down, delete: down})
	rep, err := sw.Sweep(ctx, nil, false)
	must(t, err)
	if rep.Errors != 1 || !slices.Equal(rep.Orphans, []string{f.orphan}) {
		t.Fatalf("sweep with one Asterisk down = %+v; want its error counted, the other swept", rep)
	}
	// A sweeper that lost its lock deletes nothing.
	rep, err = sw.Sweep(ctx, func(context.Context) bool { return false }, false)
	if err == nil || len(rep.Removed) != 0 || !f.audio.has(f.orphan) {
		t.Fatalf("sweep without the lock = %+v, %v; want an error and nothing deleted", rep, err)
	}
	// No Asterisk answers: no sweep, nothing forgotten.
	sw.sources = sw.sources[1:]
	if _, err := sw.Sweep(ctx, nil, false); err == nil {
		t.Fatal("sweep with no listing succeeded")
	}
	cands, _, _ := f.store.OrphanCandidates(ctx)
	if _, ok := cands[f.orphan]; !ok {
		t.Error("a failed listing forgot the candidate")
	}
}

func TestJanitorOneInstanceAtATime(t *testing.T) {
	f := newSweepFixture(t)
	ctx := callCtx(t)
	newJ := func(id string) (*janitor, *prometheus.Registry) {
		reg := prometheus.NewRegistry()
		return &janitor{sweeper: f.sweeper(t, 0), trash: f.store, trashKeep: time.Hour, lock: f.store, instance: id,
			interval: time.Minute, metrics: newJanitorMetrics(reg), log: zaptest.NewLogger(t)}, reg
	}
	a, _ := newJ("a")
	b, _ := newJ("b")
	ran, rep, err := a.once(ctx)
	if err != nil || !ran || rep.Added != 1 {
		t.Fatalf("a.once = %v, %+v, %v", ran, rep, err)
	}
	// a swept: the cluster rests for an interval, b does not sweep.
	ran, _, err = b.once(ctx)
	if err != nil || ran {
		t.Fatalf("b.once while a's sweep rests = %v, %v; want skipped", ran, err)
	}
	if got := testutil.ToFloat64(a.metrics.sweeps.WithLabelValues("done")); got != 1 {
		t.Errorf("a's done sweeps = %v", got)
	}
	if got := testutil.ToFloat64(b.metrics.sweeps.WithLabelValues("skipped")); got != 1 {
		t.Errorf("b's skipped sweeps = %v", got)
	}
	if got := testutil.ToFloat64(a.metrics.orphans); got != 1 {
		t.Errorf("a's orphans gauge = %v, want 1", got)
	}
	// fsck may take the resting lock; a failed sweep releases it.
	ok, err := f.store.AcquireJanitor(ctx, "fsck", time.Minute, true)
	if err != nil || !ok {
		t.Fatalf("fsck acquire = %v, %v", ok, err)
	}
	_, err = f.store.ReleaseJanitor(ctx, "fsck")
	must(t, err)
	f.audio.listErr = errors.New("asterisk down")
	ran, _, err = b.once(ctx)
	if err == nil || !ran {
		t.Fatalf("b.once with Asterisk down = %v, %v; want a failed sweep", ran, err)
	}
	f.audio.listErr = nil
	ran, rep, err = a.once(ctx)
	if err != nil || !ran || !slices.Equal(rep.Removed, []string{f.orphan}) {
		t.Fatalf("a.once after b's failure = %v, %+v, %v; want the orphan removed", ran, rep, err)
	}
	if got := testutil.ToFloat64(a.metrics.removed); got != 1 {
		t.Errorf("a's removed = %v", got)
	}
	if got := testutil.ToFloat64(b.metrics.sweeps.WithLabelValues("failed")); got != 1 {
		t.Errorf("b's failed sweeps = %v", got)
	}
	if got := testutil.ToFloat64(b.metrics.failures); got != 1 {
		t.Errorf("b's errors = %v", got)
	}
}

// A janitor's turn purges the messages kept in a trash past trash_keep,
// and only those, and deletes their audio at once (a week of deletions
// left to the sweep could look like lost metadata to it), while a message
// deleted since stays restorable with its audio.
func TestJanitorPurgesTheTrash(t *testing.T) {
	f := newSweepFixture(t)
	ctx := callCtx(t)
	_, err := f.store.CreateMailbox(ctx, state.NewMailbox{ID: f.mb, Name: "Alice", PIN: "2580"})
	must(t, err)
	// m1 was deleted eight days ago: a store whose clock says so.
	past, err := state.New(state.Config{PINHashCost: 4}, f.rdb,
		state.WithClock(func() time.Time { return time.Now().Add(-8 * 24 * time.Hour) }))
	must(t, err)
	_, err = past.TrashMessage(ctx, f.mb, "m1")
	must(t, err)
	recent := "voicemail/default/1001/msg/m3"
	_, err = f.store.Deposit(ctx, state.Message{ID: "m3", Mailbox: f.mb, Recording: recent,
		Received: time.UnixMilli(1732634713000), Duration: 3 * time.Second})
	must(t, err)
	_, err = f.store.TrashMessage(ctx, f.mb, "m3")
	must(t, err)
	f.audio.names[recent] = true // listed, before any sweep runs

	j := &janitor{sweeper: f.sweeper(t, time.Hour), trash: f.store, trashKeep: 7 * 24 * time.Hour, lock: f.store,
		instance: "a", interval: time.Minute, metrics: newJanitorMetrics(prometheus.NewRegistry()), log: zaptest.NewLogger(t)}
	ran, rep, err := j.once(ctx)
	if err != nil || !ran {
		t.Fatalf("once = %v, %v", ran, err)
	}
	trash, err := f.store.Trash(ctx, f.mb)
	must(t, err)
	if len(trash) != 1 || trash[0].ID != "m3" {
		t.Errorf("trash after the janitor's turn %+v, want m3 alone", trash)
	}
	if f.audio.has(f.msg) || f.audio.has(f.intro) || !f.audio.has(recent) {
		t.Errorf("after the purge: m1's audio stored %v, its introduction %v, m3's %v; want only m3's",
			f.audio.has(f.msg), f.audio.has(f.intro), f.audio.has(recent))
	}
	if slices.Contains(rep.Orphans, recent) || len(rep.Removed) != 0 {
		t.Errorf("sweep: orphans %v, removed %v; want m3's audio referenced, nothing removed before grace", rep.Orphans, rep.Removed)
	}
}

// The methods recordings.Store needs of ARI, so that fsck checks a
// recording by name on the fake too.

func (f *fakeRecordings) GetStored(_ context.Context, name string) (ari.StoredRecording, error) {
	if !f.has(name) {
		return ari.StoredRecording{}, fmt.Errorf("get %s: %w", name, ari.ErrNotFound)
	}
	return ari.StoredRecording{Name: name, Format: "wav"}, nil
}

func (f *fakeRecordings) DeleteStored(ctx context.Context, name string) error {
	if !f.has(name) {
		return fmt.Errorf("delete %s: %w", name, ari.ErrNotFound)
	}
	return f.Delete(ctx, name)
}

func (f *fakeRecordings) CopyStored(context.Context, string, string) (ari.StoredRecording, error) {
	return ari.StoredRecording{}, errors.New("fake: copy not supported")
}

func (f *fakeRecordings) StoredFile(context.Context, string) ([]byte, error) {
	return nil, errors.New("fake: file not supported")
}
