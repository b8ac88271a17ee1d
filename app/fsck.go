package app

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
)

// ErrFsckProblems is returned by voicemail fsck when it found problems that
// it did not repair (without --repair, or a repair that failed or was
// held): the command then exits with status 1.
var ErrFsckProblems = errors.New("app: fsck: problems left")

// fsckTimeout bounds a whole fsck run.
const fsckTimeout = 10 * time.Minute

// Kinds of problems fsck reports (FsckProblem.Kind).
const (
	fsckMessageAudio  = "message-audio"   // a message whose audio is missing
	fsckIntroAudio    = "intro-audio"     // a message's introduction is missing
	fsckGreetingAudio = "greeting-audio"  // a greeting whose audio is missing
	fsckStrayID       = "stray-id"        // a folder lists an id that has no record
	fsckStrayRecord   = "stray-record"    // a message record no folder lists
	fsckDuplicate     = "duplicate"       // several folders list one message
	fsckFolderField   = "folder-mismatch" // the record names another folder than the set holding it
	fsckBadID         = "bad-id"          // a folder lists an id that is not a message id
	fsckClaimAhead    = "mwi-claim-ahead" // the last MWI claim is ahead of the version
	fsckUnpublished   = "mwi-unpublished" // the current MWI version was never claimed
	fsckMWIUnreadable = "mwi-unreadable"  // the version or the claim is not a number
)

// FsckReport is what voicemail fsck found and did; --json prints it.
type FsckReport struct {
	// Now is the time on Redis' clock, which orphan ages use.
	Now time.Time `json:"now"`
	// Grace is janitor.grace.
	Grace string `json:"grace"`
	// Repair is set when fsck ran with --repair.
	Repair bool `json:"repair"`
	// Stored counts the stored recordings listed (every Asterisk); Ours
	// those named as the app names messages and greetings.
	Stored int `json:"stored"`
	Ours   int `json:"ours"`
	// Mailboxes, Messages, Greetings and Sessions count what Redis holds.
	Mailboxes int `json:"mailboxes"`
	Messages  int `json:"messages"`
	Greetings int `json:"greetings"`
	Sessions  int `json:"sessions"`
	// Orphans are recordings of ours that nothing points at.
	Orphans []FsckOrphan `json:"orphans"`
	// Problems are the pointers and records that are wrong.
	Problems []FsckProblem `json:"problems"`
	// Held is set when --repair deleted no orphan because too many were
	// past grace (add --force once you have looked).
	Held bool `json:"held,omitempty"`
	// Notes say what fsck could not do (an Asterisk that did not answer,
	// the janitor sweeping at the same moment).
	Notes []string `json:"notes,omitempty"`
	// Found counts the problems (orphans past grace included), Repaired
	// those fixed.
	Found    int `json:"found"`
	Repaired int `json:"repaired"`
}

// FsckOrphan is one recording of ours that nothing points at.
type FsckOrphan struct {
	Recording string `json:"recording"`
	// FirstSeen is when a janitor sweep first saw it an orphan; nil when
	// none has yet (the janitor's grace period starts then).
	FirstSeen *time.Time `json:"first_seen,omitempty"`
	// PastGrace is set when it has been an orphan for janitor.grace.
	PastGrace bool `json:"past_grace"`
	// Removed is set when --repair deleted it.
	Removed bool `json:"removed,omitempty"`
}

// FsckProblem is one wrong pointer or record.
type FsckProblem struct {
	// Kind is message-audio, intro-audio, greeting-audio, stray-id,
	// stray-record, duplicate, folder-mismatch, bad-id, mwi-claim-ahead,
	// mwi-unpublished or mwi-unreadable.
	Kind    string `json:"kind"`
	Mailbox string `json:"mailbox"`
	// Message is the message id, Greeting the greeting kind, where they
	// apply.
	Message  string `json:"message,omitempty"`
	Greeting string `json:"greeting,omitempty"`
	// Recording is the missing audio (the *-audio kinds).
	Recording string `json:"recording,omitempty"`
	// Detail says what is wrong, for people.
	Detail string `json:"detail"`
	// Repaired is set when --repair fixed it; Repair says how, or why not.
	Repaired bool   `json:"repaired,omitempty"`
	Repair   string `json:"repair,omitempty"`
}

// fsckOptions are the flags of voicemail fsck.
type fsckOptions struct {
	// Repair fixes what is safe to fix.
	Repair bool
	// JSON prints the report as JSON.
	JSON bool
	// Force deletes orphans past grace even when so many are due that the
	// janitor holds back (see holdMin).
	Force bool
}

// fsck checks and repairs the audio and the records pointing at it.
type fsck struct {
	store   *state.Store
	sweeper *sweeper
	// exists are the Asterisk servers' stored recordings, one Store each,
	// to check a missing recording by name before calling it missing.
	exists []*recordings.Store
	// publish publishes a mailbox's counts (MinivmMWI on every Asterisk).
	publish  func(ctx context.Context, id state.MailboxID, m state.MWI) error
	instance string
	log      *zap.Logger
}

// newFsck returns the fsck of cfg on store and nodes.
func newFsck(cfg Config, store *state.Store, nodes []*node, log *zap.Logger) *fsck {
	f := &fsck{
		store:    store,
		sweeper:  newSweeper(store, nodes, cfg.Janitor.Grace, log),
		instance: cfg.Instance.ID,
		log:      log,
	}
	for _, n := range nodes {
		f.exists = append(f.exists, recordings.New(n.client, log.Named("recordings")))
	}
	p := newMWIPublisher(store, everyNode(nodes), cfg.Voicemail.MWIContext, log.Named("mwi"))
	f.publish = func(ctx context.Context, id state.MailboxID, m state.MWI) error { return p.publish(ctx, p.orig, id, m) }
	return f
}

// missing reports whether recording name is on no Asterisk, asking each by
// name: a listing is no snapshot, and audio recorded after it was taken is
// not in it. A name that could not be stored (not a safe name) is missing;
// an Asterisk that does not answer makes the answer unknown (an error).
func (f *fsck) missing(ctx context.Context, name string) (bool, error) {
	for _, s := range f.exists {
		ok, err := s.Exists(ctx, name)
		switch {
		case errors.Is(err, recordings.ErrInvalidName):
			return true, nil
		case err != nil:
			return false, err
		case ok:
			return false, nil
		}
	}
	return true, nil
}

// run checks everything and, with opts.Repair, repairs what is safe.
func (f *fsck) run(ctx context.Context, opts fsckOptions) (*FsckReport, error) {
	rep := &FsckReport{Grace: f.sweeper.grace.String(), Repair: opts.Repair, Orphans: []FsckOrphan{}, Problems: []FsckProblem{}}
	var lrep SweepReport
	stored, err := f.sweeper.list(ctx, &lrep)
	if err != nil {
		return rep, err
	}
	if lrep.Errors > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d Asterisk server(s) did not list their recordings: their orphans are not reported", lrep.Errors))
	}
	inv, err := f.store.ScanAudio(ctx)
	if err != nil {
		return rep, err
	}
	rep.Stored, rep.Sessions, rep.Mailboxes = len(stored), inv.Sessions, len(inv.Mailboxes)
	var orphans []string
	rep.Ours, orphans = orphansOf(stored, inv.Referenced(), f.sweeper.prefix)
	cands, now, err := f.store.OrphanCandidates(ctx)
	if err != nil {
		return rep, err
	}
	rep.Now = now
	for _, name := range orphans {
		o := FsckOrphan{Recording: name}
		if t, ok := cands[name]; ok {
			o.FirstSeen = &t
			o.PastGrace = now.Sub(t) >= f.sweeper.grace
		}
		rep.Orphans = append(rep.Orphans, o)
	}
	ids := slices.SortedFunc(maps.Keys(inv.Mailboxes), func(a, b state.MailboxID) int {
		return compareStrings(a.String(), b.String())
	})
	for _, id := range ids {
		mb := inv.Mailboxes[id]
		rep.Messages += len(mb.Messages)
		rep.Greetings += len(mb.Greetings)
		f.checkMailbox(ctx, rep, id, mb, stored)
	}
	if opts.Repair {
		f.repair(ctx, rep, opts)
	}
	for _, o := range rep.Orphans {
		if o.PastGrace {
			rep.Found++
			if o.Removed {
				rep.Repaired++
			}
		}
	}
	for _, p := range rep.Problems {
		rep.Found++
		if p.Repaired {
			rep.Repaired++
		}
	}
	if rep.Found > rep.Repaired {
		return rep, fmt.Errorf("%w: %d found, %d repaired", ErrFsckProblems, rep.Found, rep.Repaired)
	}
	return rep, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// checkMailbox adds the problems of one mailbox to rep: missing audio,
// records and folders that disagree, and MWI versions. What the scan
// suggests is read again (MessagePlacement, missing) before it is
// reported, since a scan is no snapshot.
func (f *fsck) checkMailbox(ctx context.Context, rep *FsckReport, id state.MailboxID, mb *state.MailboxRecords, stored listed) {
	add := func(p FsckProblem) {
		p.Mailbox = id.String()
		rep.Problems = append(rep.Problems, p)
	}
	gone := func(name string) bool {
		if _, ok := stored[name]; ok && name != "" {
			return false
		}
		m, err := f.missing(ctx, name)
		if err != nil {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: could not check recording %s: %v", id, name, err))
			return false
		}
		return m
	}
	in := map[string][]state.Folder{}
	for n, list := range mb.Folders {
		for _, msgID := range list {
			in[msgID] = append(in[msgID], state.Folder(n))
		}
	}
	for _, msgID := range slices.Sorted(maps.Keys(in)) {
		folders := in[msgID]
		if state.ValidateMessageID(msgID) != nil {
			add(FsckProblem{Kind: fsckBadID, Message: msgID, Detail: fmt.Sprintf("folder %v lists %q, which is no message id", folders, msgID)})
			continue
		}
		rec, hasRecord := mb.Messages[msgID]
		pl, err := f.store.MessagePlacement(ctx, id, msgID)
		if err != nil {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: could not read message %s: %v", id, msgID, err))
			continue
		}
		switch {
		case !hasRecord || !pl.Record:
			if !pl.Record && len(pl.Folders) > 0 {
				add(FsckProblem{Kind: fsckStrayID, Message: msgID, Detail: fmt.Sprintf("folder %v lists it, but it has no record", pl.Folders)})
			}
			continue
		case len(pl.Folders) > 1:
			add(FsckProblem{Kind: fsckDuplicate, Message: msgID, Detail: fmt.Sprintf("folders %v all list it (not repaired: pick one by hand)", pl.Folders)})
		case len(pl.Folders) == 1 && pl.Folder != strconv.Itoa(int(pl.Folders[0])):
			add(FsckProblem{Kind: fsckFolderField, Message: msgID, Detail: fmt.Sprintf("folder %v lists it, its record says folder %q", pl.Folders[0], pl.Folder)})
		}
		if gone(rec.Recording) {
			add(FsckProblem{Kind: fsckMessageAudio, Message: msgID, Recording: rec.Recording, Detail: fmt.Sprintf("message in %v without its audio", folders)})
			continue
		}
		if rec.Intro != "" && gone(rec.Intro) {
			add(FsckProblem{Kind: fsckIntroAudio, Message: msgID, Recording: rec.Intro, Detail: "the message's introduction is missing"})
		}
	}
	for _, msgID := range slices.Sorted(maps.Keys(mb.Messages)) {
		if _, listed := in[msgID]; listed || state.ValidateMessageID(msgID) != nil {
			continue
		}
		pl, err := f.store.MessagePlacement(ctx, id, msgID)
		if err != nil {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: could not read message %s: %v", id, msgID, err))
			continue
		}
		if pl.Record && len(pl.Folders) == 0 && !pl.Trashed {
			add(FsckProblem{Kind: fsckStrayRecord, Message: msgID, Detail: "a message record that no folder lists (its audio is left to the janitor)"})
		}
	}
	for _, kind := range slices.Sorted(maps.Keys(mb.Greetings)) {
		if rec := mb.Greetings[kind]; gone(rec) {
			add(FsckProblem{Kind: fsckGreetingAudio, Greeting: kind, Recording: rec, Detail: "greeting without its audio (callers would hear nothing)"})
		}
	}
	switch {
	case mb.Version < 0 || mb.Published < 0:
		add(FsckProblem{Kind: fsckMWIUnreadable, Detail: "the MWI version or its last claim is not a number (not repaired)"})
	case mb.Published > mb.Version:
		add(FsckProblem{Kind: fsckClaimAhead, Detail: fmt.Sprintf("the last MWI claim %d is ahead of version %d: no count change is published until the version passes it", mb.Published, mb.Version)})
	case mb.Published < mb.Version:
		add(FsckProblem{Kind: fsckUnpublished, Detail: fmt.Sprintf("version %d of the counts was never claimed for publication (last claim %d): phones may show old counts", mb.Version, mb.Published)})
	}
}

// repair fixes what is safe: the problems that a script can check again
// and fix in one step, and orphans past grace through a janitor sweep
// under the janitor's lock. Mailboxes whose counts may have changed, or
// were never published, get their counts published.
func (f *fsck) repair(ctx context.Context, rep *FsckReport, opts fsckOptions) {
	publish := map[state.MailboxID]bool{}
	for i := range rep.Problems {
		p := &rep.Problems[i]
		id, err := state.ParseMailbox(p.Mailbox)
		if err != nil {
			continue
		}
		done, how, err := f.repairOne(ctx, id, p)
		switch {
		case err != nil:
			p.Repair = "failed: " + err.Error()
		case done:
			p.Repaired, p.Repair = true, how
			publish[id] = true
		default:
			p.Repair = how
			if how == "" {
				p.Repair = "gone since it was found"
				p.Repaired = true
			}
		}
	}
	failed := map[string]error{}
	for _, id := range slices.SortedFunc(maps.Keys(publish), func(a, b state.MailboxID) int {
		return compareStrings(a.String(), b.String())
	}) {
		if err := f.publishCounts(ctx, id); err != nil {
			failed[id.String()] = err
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: publish counts: %v", id, err))
		}
	}
	// An MWI problem is repaired once the counts are out.
	for i := range rep.Problems {
		p := &rep.Problems[i]
		if err := failed[p.Mailbox]; err != nil && (p.Kind == fsckUnpublished || p.Kind == fsckClaimAhead) && p.Repaired {
			p.Repaired, p.Repair = false, "publish failed: "+err.Error()
		}
	}
	f.sweepOrphans(ctx, rep, opts)
}

// repairOne fixes one problem; done is false with how set for a problem
// that is not repaired by design, and with how "" when the problem was
// gone when the repair checked again.
func (f *fsck) repairOne(ctx context.Context, id state.MailboxID, p *FsckProblem) (done bool, how string, err error) {
	message := func(r state.Repair, rec string) (bool, string, error) {
		done, _, err := f.store.RepairMessage(ctx, id, p.Message, r, rec)
		return done, "", err
	}
	switch p.Kind {
	case fsckMessageAudio:
		done, _, err = message(state.RepairDangling, p.Recording)
		how = "message removed"
	case fsckStrayID:
		done, _, err = message(state.RepairStrayID, "")
		how = "id removed from its folders"
	case fsckStrayRecord:
		done, _, err = message(state.RepairStrayRecord, "")
		how = "record deleted"
	case fsckFolderField:
		done, _, err = message(state.RepairRefolder, "")
		how = "record's folder set to the folder listing it"
	case fsckIntroAudio:
		done, err = f.store.UnlinkIntro(ctx, id, p.Message, p.Recording)
		how = "introduction removed; the message plays without it"
	case fsckBadID:
		var n int
		n, _, err = f.store.DropInvalidIDs(ctx, id, p.Message)
		done, how = n > 0, "entry removed from the folders"
	case fsckGreetingAudio:
		done, err = f.store.UnlinkGreeting(ctx, id, p.Greeting, p.Recording)
		how = "greeting removed; callers hear the default one"
	case fsckClaimAhead:
		var v int64
		v, err = f.store.RealignMWI(ctx, id)
		done, how = v > 0, fmt.Sprintf("version moved to %d", v)
	case fsckUnpublished:
		// Publishing (below) is the repair.
		return true, "counts published", nil
	default:
		return false, "not repaired: needs a person", nil
	}
	if err != nil || !done {
		return false, "", err
	}
	return true, how, nil
}

// publishCounts publishes id's current counts if no publisher has claimed
// this version or a later one yet (ClaimMWI), as the app does after a
// change.
func (f *fsck) publishCounts(ctx context.Context, id state.MailboxID) error {
	m, err := f.store.MWIState(ctx, id)
	if err != nil {
		return err
	}
	won, err := f.store.ClaimMWI(ctx, id, m.Version)
	if err != nil || !won {
		return err
	}
	return f.publish(ctx, id, m)
}

// sweepOrphans runs one janitor sweep under the janitor's lock (taken
// even from a janitor resting between sweeps, never from one sweeping),
// and marks the orphans it deleted.
func (f *fsck) sweepOrphans(ctx context.Context, rep *FsckReport, opts fsckOptions) {
	token := state.NewJanitorToken("fsck-" + f.instance)
	ok, err := f.store.AcquireJanitor(ctx, token, sweepTimeout+lockMargin, true)
	if err != nil || !ok {
		rep.Notes = append(rep.Notes, fmt.Sprintf("orphans not swept: the janitor is sweeping now (%v); run fsck again later", err))
		return
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_, _ = f.store.ReleaseJanitor(rctx, token)
	}()
	sctx, cancel := context.WithTimeout(ctx, sweepTimeout)
	defer cancel()
	srep, err := f.sweeper.Sweep(sctx, func(ctx context.Context) bool {
		ok, err := f.store.ExtendJanitor(ctx, token, sweepTimeout+lockMargin)
		return ok && err == nil
	}, opts.Force)
	rep.Held = srep.Held
	if err != nil && !errors.Is(err, ErrSweepHeld) {
		rep.Notes = append(rep.Notes, fmt.Sprintf("orphan sweep: %v", err))
	}
	if srep.Errors > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("orphan sweep: %d errors (see the log)", srep.Errors))
	}
	removed := map[string]bool{}
	for _, name := range srep.Removed {
		removed[name] = true
	}
	for i := range rep.Orphans {
		if removed[rep.Orphans[i].Recording] {
			rep.Orphans[i].Removed, rep.Orphans[i].PastGrace = true, true
		}
	}
}
