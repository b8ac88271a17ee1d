package state

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestJanitorLockOneHolderAtATime(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	other := newStoreOn(t, Config{}, rdb) // another instance
	ctx := testCtx(t)
	a, b := NewJanitorToken("a"), NewJanitorToken("b")
	if a == NewJanitorToken("a") {
		t.Fatal("two tokens of one holder are equal")
	}
	if ok, err := s.AcquireJanitor(ctx, a, time.Minute, false); err != nil || !ok {
		t.Fatalf("first acquire = %v, %v", ok, err)
	}
	// A sweeping holder is never interrupted, not even by fsck.
	for _, evenResting := range []bool{false, true} {
		if ok, err := other.AcquireJanitor(ctx, b, time.Minute, evenResting); err != nil || ok {
			t.Fatalf("acquire while a sweeps (evenResting %v) = %v, %v; want refused", evenResting, ok, err)
		}
	}
	// Only the holder extends, rests or releases.
	if ok, err := other.ExtendJanitor(ctx, b, time.Minute); err != nil || ok {
		t.Fatalf("extend by b = %v, %v; want refused", ok, err)
	}
	if ok, err := other.RestJanitor(ctx, b, time.Minute); err != nil || ok {
		t.Fatalf("rest by b = %v, %v; want refused", ok, err)
	}
	if ok, err := other.ReleaseJanitor(ctx, b); err != nil || ok {
		t.Fatalf("release by b = %v, %v; want refused", ok, err)
	}
	if ok, err := s.ExtendJanitor(ctx, a, 2*time.Minute); err != nil || !ok {
		t.Fatalf("extend by a = %v, %v", ok, err)
	}
	if ttl := rdb.PTTL(ctx, janitorLockKey()).Val(); ttl <= time.Minute {
		t.Errorf("lock ttl after extending to 2m = %v", ttl)
	}
	// Resting after a sweep: the janitors wait, fsck may take over.
	if ok, err := s.RestJanitor(ctx, a, time.Minute); err != nil || !ok {
		t.Fatalf("rest by a = %v, %v", ok, err)
	}
	if ok, err := other.AcquireJanitor(ctx, b, time.Minute, false); err != nil || ok {
		t.Fatalf("acquire of a resting lock = %v, %v; want refused", ok, err)
	}
	if ok, err := s.ExtendJanitor(ctx, a, time.Minute); err != nil || ok {
		t.Fatalf("extend of a resting lock = %v, %v; want refused (a sweeps no more)", ok, err)
	}
	if ok, err := other.AcquireJanitor(ctx, b, time.Minute, true); err != nil || !ok {
		t.Fatalf("fsck acquire of a resting lock = %v, %v", ok, err)
	}
	if ok, err := other.ReleaseJanitor(ctx, b); err != nil || !ok {
		t.Fatalf("release by b = %v, %v", ok, err)
	}
	if ok, err := other.AcquireJanitor(ctx, b, 150*time.Millisecond, false); err != nil || !ok {
		t.Fatalf("acquire after release = %v, %v", ok, err)
	}
	// A holder that dies (never releases) blocks the others for its ttl only.
	eventually(t, 5*time.Second, "the lock to expire", func() bool {
		ok, err := s.AcquireJanitor(ctx, a, time.Minute, false)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	})
	// b's lock expired: b cannot extend a's.
	if ok, err := other.ExtendJanitor(ctx, b, time.Minute); err != nil || ok {
		t.Fatalf("extend of an expired lock = %v, %v; want refused", ok, err)
	}
	if _, err := s.AcquireJanitor(ctx, "", time.Minute, false); err == nil {
		t.Error("acquire with an empty token accepted")
	}
}

func TestNoteOrphansGraceOnRedisClock(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	const grace = 300 * time.Millisecond
	const x, y, z = "voicemail/default/1001/msg/x", "voicemail/default/1001/msg/y", "voicemail/default/1001/msg/z"

	note, err := s.NoteOrphans(ctx, []string{x, y}, grace, "")
	if err != nil {
		t.Fatal(err)
	}
	if note.Added != 2 || note.Forgotten != 0 || len(note.Due) != 0 {
		t.Fatalf("first note = %+v, want 2 added, none due", note)
	}
	redisNow, err := s.RedisTime(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := redisNow.Sub(note.Now); d < 0 || d > 5*time.Second {
		t.Errorf("note time %v is not Redis' clock %v", note.Now, redisNow)
	}
	// y became referenced: forgotten, so its grace starts again later.
	note, err = s.NoteOrphans(ctx, []string{x}, grace, "")
	if err != nil {
		t.Fatal(err)
	}
	if note.Added != 0 || note.Forgotten != 1 || len(note.Due) != 0 {
		t.Fatalf("second note = %+v, want y forgotten, x young", note)
	}
	// Once grace has passed on Redis' clock, x (an orphan at every note) is
	// due.
	eventually(t, 5*time.Second, "x to be due", func() bool {
		note, err := s.NoteOrphans(ctx, []string{x}, grace, "")
		if err != nil {
			t.Fatal(err)
		}
		return len(note.Due) > 0
	})
	// y, an orphan again only now, starts its grace period again.
	note, err = s.NoteOrphans(ctx, []string{x, y}, grace, "")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(note.Due, []string{x}) || note.Added != 1 {
		t.Fatalf("note = %+v, want y added and only x due (y was referenced within grace)", note)
	}
	cands, now, err := s.OrphanCandidates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(cands)); !slices.Equal(got, []string{x, y}) {
		t.Errorf("candidates = %v, want x and y", got)
	}
	if age := now.Sub(cands[x]); age < grace {
		t.Errorf("age of x = %v, want at least %v", age, grace)
	}

	// A sweep limited to a prefix forgets only candidates under it.
	if _, err := s.NoteOrphans(ctx, []string{z}, grace, "voicemail/other/"); err != nil {
		t.Fatal(err)
	}
	cands, _, _ = s.OrphanCandidates(ctx)
	if len(cands) != 3 {
		t.Errorf("candidates after a prefixed note = %v, want x, y and z", slices.Sorted(maps.Keys(cands)))
	}
	// A first-seen time ahead of Redis' clock (written under another clock,
	// or corrupt) starts the grace period again rather than counting as old.
	rdb.HSet(ctx, janitorOrphansKey(), x, "99999999999999", z, "garbage")
	note, err = s.NoteOrphans(ctx, []string{x, y, z}, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(note.Due, x) || slices.Contains(note.Due, z) || note.Added != 2 {
		t.Errorf("note with a future and a corrupt time = %+v, want x and z added again, not due", note)
	}
	if err := s.ForgetOrphans(ctx, x, y); err != nil {
		t.Fatal(err)
	}
	cands, _, _ = s.OrphanCandidates(ctx)
	if got := slices.Sorted(maps.Keys(cands)); !slices.Equal(got, []string{z}) {
		t.Errorf("candidates after ForgetOrphans(x, y) = %v, want z", got)
	}
	if err := s.ForgetOrphans(ctx); err != nil {
		t.Errorf("ForgetOrphans of nothing: %v", err)
	}
}

func TestScanAudioFindsEveryPointer(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	a, b := mustID(t, "1001"), mustID(t, "2002@sales")

	m1 := testMessage(a, "m1", 1)
	m2 := testMessage(a, "m2", 2)
	m2.Intro = "voicemail/default/1001/msg/m2-i"
	m3 := testMessage(b, "m3", 3)
	for _, m := range []Message{m1, m2, m3} {
		deposit(t, s, m)
	}
	if _, err := s.Move(ctx, a, "m2", FolderWork); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetGreeting(ctx, a, GreetingUnavail, "voicemail/default/1001/greeting/unavail-g1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetGreeting(ctx, b, GreetingName, "voicemail/sales/2002/greeting/greet-g2"); err != nil {
		t.Fatal(err)
	}
	// A call leaving a message and one reviewing a greeting take: their
	// audio is only in the session so far.
	menu := `{"menu":"deposit.record","deposit":{"recording":"voicemail/default/1001/msg/m9"},` +
		`"prefix":["recording:voicemail/default/1001/msg/m8-i","vm-sorry"]}`
	if err := s.SaveSession(ctx, Session{ChannelID: "ch-1", Instance: "i", Epoch: 1, Menu: []byte(menu)}); err != nil {
		t.Fatal(err)
	}
	take := `{"menu":"options.review","take":{"kind":"busy","recording":"voicemail/default/1001/greeting/busy-t1"}}`
	if err := s.SaveSession(ctx, Session{ChannelID: "ch-2", Instance: "i", Epoch: 1, Menu: []byte(take),
		Listing: []byte(`[{"id":"m1","rec":"voicemail/default/1001/msg/m1"}]`)}); err != nil {
		t.Fatal(err)
	}
	// Damage: an id without a record, a record in no folder, keys of other
	// kinds that must be skipped.
	rdb.ZAdd(ctx, folderKey(a, FolderOld), redis.Z{Score: 5, Member: "ghost"})
	rdb.HSet(ctx, messageKey(b, "lost"), fieldMsgFolder, "0", fieldMsgRecording, "voicemail/sales/2002/msg/lost")
	rdb.Set(ctx, mwiPublishedKey(a), "2", 0)
	rdb.Set(ctx, keyPrefix+"{1001@default}:auth:fail", "3", 0)
	rdb.Set(ctx, keyPrefix+"unrelated", "x", 0)

	inv, err := s.ScanAudio(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Sessions != 2 || len(inv.Mailboxes) != 2 {
		t.Fatalf("scanned %d sessions and %d mailboxes, want 2 and 2", inv.Sessions, len(inv.Mailboxes))
	}
	ra := inv.Mailboxes[a]
	if !slices.Equal(ra.Folders[FolderNew], []string{"m1"}) || !slices.Equal(ra.Folders[FolderWork], []string{"m2"}) ||
		!slices.Equal(ra.Folders[FolderOld], []string{"ghost"}) {
		t.Errorf("folders of %s = %v", a, ra.Folders)
	}
	if got := ra.Messages["m2"]; got != (MessageRecord{Folder: "2", Recording: m2.Recording, Intro: m2.Intro}) {
		t.Errorf("record of m2 = %+v", got)
	}
	if ra.Version != 3 || ra.Published != 2 {
		t.Errorf("MWI of %s: version %d published %d, want 3 and 2", a, ra.Version, ra.Published)
	}
	if _, ok := inv.Mailboxes[b].Messages["lost"]; !ok {
		t.Errorf("the record in no folder was not read")
	}
	want := []string{
		m1.Recording, m2.Recording, m2.Intro, m3.Recording, "voicemail/sales/2002/msg/lost",
		"voicemail/default/1001/greeting/unavail-g1", "voicemail/sales/2002/greeting/greet-g2",
		"voicemail/default/1001/msg/m9", "voicemail/default/1001/msg/m8-i", "voicemail/default/1001/greeting/busy-t1",
	}
	refs := inv.Referenced()
	for _, w := range want {
		if !refs[w] {
			t.Errorf("%s is not counted as referenced", w)
		}
	}
	if refs["vm-sorry"] {
		t.Error("a prompt name counted as a recording")
	}
}

func TestRepairMessageChecksAgain(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	m1, m2 := testMessage(mb, "m1", 1), testMessage(mb, "m2", 2)
	deposit(t, s, m1)
	deposit(t, s, m2)

	// Dangling: only when the record still names the missing audio.
	if done, _, err := s.RepairMessage(ctx, mb, "m1", RepairDangling, "voicemail/default/1001/msg/other"); err != nil || done {
		t.Fatalf("dangling repair with another recording = %v, %v; want nothing done", done, err)
	}
	done, mwi, err := s.RepairMessage(ctx, mb, "m1", RepairDangling, m1.Recording)
	if err != nil || !done {
		t.Fatalf("dangling repair = %v, %v", done, err)
	}
	if mwi.New != 1 || mwi.Version != 3 {
		t.Errorf("MWI after removing m1 = %+v, want 1 new at version 3", mwi)
	}
	if _, err := s.Message(ctx, mb, "m1"); err == nil {
		t.Error("m1 still has a record")
	}

	// A stray id in two folders goes from both; a real message is kept.
	rdb.ZAdd(ctx, folderKey(mb, FolderOld), redis.Z{Score: 1, Member: "ghost"})
	rdb.ZAdd(ctx, folderKey(mb, FolderWork), redis.Z{Score: 1, Member: "ghost"})
	if done, _, err := s.RepairMessage(ctx, mb, "m2", RepairStrayID, ""); err != nil || done {
		t.Fatalf("stray-id repair of a real message = %v, %v; want nothing done", done, err)
	}
	if done, mwi, err := s.RepairMessage(ctx, mb, "ghost", RepairStrayID, ""); err != nil || !done || mwi.Old != 0 {
		t.Fatalf("stray-id repair = %v, %+v, %v", done, mwi, err)
	}
	if c, _ := s.Counts(ctx, mb); c != (Counts{New: 1}) {
		t.Errorf("counts after stray-id repair = %+v, want 1 new", c)
	}

	// A stray record goes only while no folder lists it.
	rdb.HSet(ctx, messageKey(mb, "lost"), fieldMsgFolder, "0", fieldMsgRecording, "voicemail/default/1001/msg/lost")
	if done, _, err := s.RepairMessage(ctx, mb, "m2", RepairStrayRecord, ""); err != nil || done {
		t.Fatalf("stray-record repair of a listed message = %v, %v; want nothing done", done, err)
	}
	if done, _, err := s.RepairMessage(ctx, mb, "lost", RepairStrayRecord, ""); err != nil || !done {
		t.Fatalf("stray-record repair = %v, %v", done, err)
	}
	if rdb.Exists(ctx, messageKey(mb, "lost")).Val() != 0 {
		t.Error("the stray record is still there")
	}

	// Refolder sets the field to the one folder listing the message.
	rdb.HSet(ctx, messageKey(mb, "m2"), fieldMsgFolder, "3")
	if done, _, err := s.RepairMessage(ctx, mb, "m2", RepairRefolder, ""); err != nil || !done {
		t.Fatalf("refolder = %v, %v", done, err)
	}
	if m, err := s.Message(ctx, mb, "m2"); err != nil || m.Folder != FolderNew {
		t.Errorf("m2 after refolder = %+v, %v; want in New", m, err)
	}
	if done, _, err := s.RepairMessage(ctx, mb, "m2", RepairRefolder, ""); err != nil || done {
		t.Errorf("refolder of a consistent record = %v, %v; want nothing done", done, err)
	}
	if _, _, err := s.RepairMessage(ctx, mb, "m2", "melt", ""); err == nil {
		t.Error("unknown repair accepted")
	}
	if _, _, err := s.RepairMessage(ctx, mb, "../x", RepairStrayID, ""); err == nil {
		t.Error("bad message id accepted")
	}
}

func TestUnlinkGreetingIntroAndRealignMWI(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	const g1, g2 = "voicemail/default/1001/greeting/unavail-a", "voicemail/default/1001/greeting/unavail-b"
	if _, err := s.SetGreeting(ctx, mb, GreetingUnavail, g1); err != nil {
		t.Fatal(err)
	}
	// The owner set a new greeting since fsck looked: it stays.
	if _, err := s.SetGreeting(ctx, mb, GreetingUnavail, g2); err != nil {
		t.Fatal(err)
	}
	if done, err := s.UnlinkGreeting(ctx, mb, "unavail", g1); err != nil || done {
		t.Fatalf("unlink of a replaced greeting = %v, %v; want nothing done", done, err)
	}
	if done, err := s.UnlinkGreeting(ctx, mb, "unavail", g2); err != nil || !done {
		t.Fatalf("unlink = %v, %v", done, err)
	}
	if g, _ := s.Greetings(ctx, mb); len(g) != 0 {
		t.Errorf("greetings after unlink = %v", g)
	}

	m := testMessage(mb, "m1", 1)
	m.Intro = "voicemail/default/1001/msg/m1-i"
	deposit(t, s, m)
	if done, err := s.UnlinkIntro(ctx, mb, "m1", "voicemail/default/1001/msg/zz"); err != nil || done {
		t.Fatalf("unlink of another intro = %v, %v", done, err)
	}
	if done, err := s.UnlinkIntro(ctx, mb, "m1", m.Intro); err != nil || !done {
		t.Fatalf("unlink intro = %v, %v", done, err)
	}
	if got, err := s.Message(ctx, mb, "m1"); err != nil || got.Intro != "" || got.Recording != m.Recording {
		t.Errorf("message after unlinking its intro = %+v, %v", got, err)
	}

	// A claim ahead of the version blocks every publication until realigned.
	rdb.Set(ctx, mwiPublishedKey(mb), "40", 0)
	if won, _ := s.ClaimMWI(ctx, mb, 1); won {
		t.Fatal("claim at version 1 won against 40")
	}
	v, err := s.RealignMWI(ctx, mb)
	if err != nil || v != 41 {
		t.Fatalf("RealignMWI = %d, %v; want 41", v, err)
	}
	st, _ := s.MWIState(ctx, mb)
	if won, err := s.ClaimMWI(ctx, mb, st.Version); err != nil || !won {
		t.Errorf("claim after realign = %v, %v", won, err)
	}
	if v, err := s.RealignMWI(ctx, mb); err != nil || v != 0 {
		t.Errorf("second RealignMWI = %d, %v; want 0 (nothing to do)", v, err)
	}
}

func TestMessagePlacement(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	deposit(t, s, testMessage(mb, "m1", 1))
	rdb.ZAdd(ctx, folderKey(mb, FolderWork), redis.Z{Score: 1, Member: "m1"})
	rdb.ZAdd(ctx, folderKey(mb, FolderOld), redis.Z{Score: 1, Member: "ghost"})
	tests := []struct {
		id   string
		want Placement
	}{
		{"m1", Placement{Folders: []Folder{FolderNew, FolderWork}, Record: true, Folder: "0"}},
		{"ghost", Placement{Folders: []Folder{FolderOld}}},
		{"none", Placement{}},
	}
	for _, tt := range tests {
		got, err := s.MessagePlacement(ctx, mb, tt.id)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Folders, tt.want.Folders) || got.Record != tt.want.Record || got.Folder != tt.want.Folder {
			t.Errorf("MessagePlacement(%s) = %+v, want %+v", tt.id, got, tt.want)
		}
	}
	if _, err := s.MessagePlacement(ctx, mb, "a}b"); err == nil {
		t.Error("bad id accepted")
	}
}

func TestDropInvalidIDs(t *testing.T) {
	s, rdb := newTestStore(t, Config{})
	ctx := testCtx(t)
	mb := mustID(t, "1001")
	deposit(t, s, testMessage(mb, "m1", 1))
	rdb.ZAdd(ctx, folderKey(mb, FolderOld), redis.Z{Score: 1, Member: "not an id"})
	rdb.ZAdd(ctx, folderKey(mb, FolderWork), redis.Z{Score: 1, Member: "not an id"})
	if _, _, err := s.DropInvalidIDs(ctx, mb, "m1"); err == nil {
		t.Fatal("a valid message id was dropped")
	}
	n, mwi, err := s.DropInvalidIDs(ctx, mb, "not an id")
	if err != nil || n != 2 || mwi != (MWI{New: 1, Version: 2}) {
		t.Fatalf("DropInvalidIDs = %d, %+v, %v; want 2 gone, version 2", n, mwi, err)
	}
	if c, _ := s.Counts(ctx, mb); c != (Counts{New: 1}) {
		t.Errorf("counts = %+v, want only m1", c)
	}
	if n, mwi, err := s.DropInvalidIDs(ctx, mb, "not an id"); err != nil || n != 0 || mwi.Version != 2 {
		t.Errorf("second DropInvalidIDs = %d, %+v, %v; want nothing done", n, mwi, err)
	}
}
