package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
)

// Bounds of one sweep.
const (
	// maxDeletesPerSweep bounds the deletions of one sweep, so that a
	// sweep ends well within its lock; the rest stay candidates, already
	// past grace, for the next one.
	maxDeletesPerSweep = 1000
	// holdMin and a half of our recordings are the most that one sweep
	// deletes without force: more orphans past grace than that looks like
	// metadata lost or pointed at the wrong Redis (a flushed database, a
	// restore), not like leftovers, and deleting them would make the loss
	// final. The janitor then deletes nothing and says so; fsck --repair
	// --force deletes them once an operator has looked.
	holdMin = 20
)

// ErrSweepHeld is returned by a sweep that deleted nothing because more
// orphans were past grace than the janitor deletes without force (see
// holdMin).
var ErrSweepHeld = errors.New("app: janitor held: too many orphans past grace; run voicemail fsck")

// audioIndex reads every pointer at audio: *state.Store provides it.
type audioIndex interface {
	ScanAudio(ctx context.Context) (*state.Inventory, error)
}

// orphanBook remembers orphan candidates on Redis' clock: *state.Store.
type orphanBook interface {
	NoteOrphans(ctx context.Context, orphans []string, grace time.Duration, prefix string) (state.OrphanNote, error)
	ForgetOrphans(ctx context.Context, names ...string) error
}

// storedLister lists one Asterisk's stored recordings: *ari.Client.
type storedLister interface {
	ListStored(ctx context.Context) ([]ari.StoredRecording, error)
}

// audioDeleter deletes stored recordings of ours: *recordings.Store.
type audioDeleter interface {
	Delete(ctx context.Context, names ...string) error
}

var (
	_ audioIndex   = (*state.Store)(nil)
	_ orphanBook   = (*state.Store)(nil)
	_ storedLister = (*ari.Client)(nil)
	_ audioDeleter = (*recordings.Store)(nil)
)

// audioSource is one Asterisk's view of the audio: the only view the app
// has, since ARI lists stored recordings by name and format only (no file
// times: res/stasis_recording/stored.c), so ages come from the janitor's
// own notes on Redis' clock.
type audioSource struct {
	name   string
	list   storedLister
	delete audioDeleter
}

// sweeper finds and deletes orphan audio: recordings of ours that nothing
// in Redis points at, and that stayed so for a grace period.
type sweeper struct {
	index   audioIndex
	book    orphanBook
	sources []audioSource
	// grace is how long a recording must stay an orphan before it is
	// deleted.
	grace time.Duration
	// prefix limits the sweep to recording names under it; "voicemail/"
	// (every name of ours) but in tests, which share one Asterisk.
	prefix string
	log    *zap.Logger
}

// sweepPrefix is the prefix of every recording name of ours
// (recordings.IsOurs checks the rest).
const sweepPrefix = "voicemail/"

// SweepReport says what a sweep saw and did.
type SweepReport struct {
	// Now is the sweep's time on Redis' clock.
	Now time.Time `json:"now"`
	// Stored counts the recordings listed (every Asterisk, each name once).
	Stored int `json:"stored"`
	// Ours counts those named as messages or greetings of ours, under the
	// sweep's prefix.
	Ours int `json:"ours"`
	// Orphans are ours that nothing in Redis points at now.
	Orphans []string `json:"orphans"`
	// Added counts the orphans seen for the first time.
	Added int `json:"added"`
	// Due are the orphans past grace (an orphan at every sweep for grace).
	Due []string `json:"due"`
	// Removed are the recordings deleted.
	Removed []string `json:"removed"`
	// Rescued are due recordings that a last check found referenced.
	Rescued []string `json:"rescued,omitempty"`
	// Held is set when nothing was deleted because too many were due.
	Held bool `json:"held,omitempty"`
	// Errors counts the failures: listings and deletions.
	Errors int `json:"errors"`
}

// listed is what the Asterisk servers hold: each recording name and the
// sources (indexes into sweeper.sources) that listed it.
type listed map[string][]int

// list asks every source for its stored recordings. A source that fails
// is left out (its recordings are neither orphans nor deleted this time);
// the sweep fails only when no source answers.
func (sw *sweeper) list(ctx context.Context, rep *SweepReport) (listed, error) {
	all := listed{}
	var errs []error
	for i, src := range sw.sources {
		recs, err := src.list.ListStored(ctx)
		if err != nil {
			rep.Errors++
			errs = append(errs, fmt.Errorf("%s: %w", src.name, err))
			sw.log.Warn("janitor: list stored recordings", zap.String("asterisk", src.name), zap.Error(err))
			continue
		}
		for _, r := range recs {
			all[r.Name] = append(all[r.Name], i)
		}
	}
	if len(errs) == len(sw.sources) {
		return nil, fmt.Errorf("app: list stored recordings: %w", errors.Join(errs...))
	}
	return all, nil
}

// orphansOf returns how many listed recordings are ours under prefix, and
// those of them that refs does not name, sorted. A recording that is not
// ours (recordings.IsOurs) is never an orphan, whatever its name.
func orphansOf(stored listed, refs map[string]bool, prefix string) (ours int, orphans []string) {
	for name := range stored {
		if !strings.HasPrefix(name, prefix) || !recordings.IsOurs(name) {
			continue
		}
		ours++
		if !refs[name] {
			orphans = append(orphans, name)
		}
	}
	slices.Sort(orphans)
	return ours, orphans
}

// tooMany reports whether deleting due of ours recordings at once looks
// like metadata loss rather than leftovers (see holdMin).
func tooMany(due, ours int) bool {
	return due > holdMin && 2*due > ours
}

// rescue splits due into the recordings to delete and those that refs,
// read after due was decided, names after all.
func rescue(due []string, refs map[string]bool) (victims, rescued []string) {
	for _, name := range due {
		if refs[name] {
			rescued = append(rescued, name)
		} else {
			victims = append(victims, name)
		}
	}
	return victims, rescued
}

// Sweep lists the stored recordings, subtracts everything Redis points at
// (every mailbox's messages, introductions and greetings, and what every
// live session mentions), notes the rest as orphan candidates, and deletes
// those past grace. Nothing referenced or younger than grace is ever
// deleted:
//   - the listing comes before the scan, so audio made after the listing is
//     not in it, and audio referenced when listed is seen referenced unless
//     it lost its reference meanwhile;
//   - a recording is due only if it was an orphan at every sweep since it
//     was first seen, a grace period ago on Redis' clock (NoteOrphans);
//   - Redis is scanned once more just before deleting, and a due recording
//     referenced then is kept;
//   - held reports whether the caller still holds the janitor lock; it is
//     asked before deleting (nil: no lock).
//
// force deletes even when tooMany says to hold (fsck --repair --force).
func (sw *sweeper) Sweep(ctx context.Context, held func(context.Context) bool, force bool) (SweepReport, error) {
	var rep SweepReport
	stored, err := sw.list(ctx, &rep)
	if err != nil {
		return rep, err
	}
	rep.Stored = len(stored)
	inv, err := sw.index.ScanAudio(ctx)
	if err != nil {
		return rep, fmt.Errorf("app: janitor: %w", err)
	}
	rep.Ours, rep.Orphans = orphansOf(stored, inv.Referenced(), sw.prefix)
	note, err := sw.book.NoteOrphans(ctx, rep.Orphans, sw.grace, sw.prefix)
	if err != nil {
		return rep, fmt.Errorf("app: janitor: %w", err)
	}
	rep.Now, rep.Added, rep.Due = note.Now, note.Added, note.Due
	if len(rep.Due) == 0 {
		return rep, nil
	}
	if tooMany(len(rep.Due), rep.Ours) && !force {
		rep.Held = true
		sw.log.Error("janitor: too many orphans past grace; deleting nothing (metadata lost, or the wrong Redis?). Run voicemail fsck, then fsck --repair --force",
			zap.Int("due", len(rep.Due)), zap.Int("ours", rep.Ours))
		return rep, ErrSweepHeld
	}
	again, err := sw.index.ScanAudio(ctx)
	if err != nil {
		return rep, fmt.Errorf("app: janitor: %w", err)
	}
	victims, rescued := rescue(rep.Due, again.Referenced())
	rep.Rescued = rescued
	if len(rescued) > 0 {
		if err := sw.book.ForgetOrphans(ctx, rescued...); err != nil {
			return rep, fmt.Errorf("app: janitor: %w", err)
		}
	}
	if len(victims) > maxDeletesPerSweep {
		victims = victims[:maxDeletesPerSweep]
	}
	if len(victims) == 0 {
		return rep, nil
	}
	if held != nil && !held(ctx) {
		return rep, fmt.Errorf("app: janitor: lost the lock before deleting")
	}
	for _, name := range victims {
		if err := ctx.Err(); err != nil {
			break
		}
		if err := sw.remove(ctx, name, stored[name]); err != nil {
			rep.Errors++
			sw.log.Warn("janitor: delete orphan audio", zap.String("recording", name), zap.Error(err))
			continue
		}
		rep.Removed = append(rep.Removed, name)
	}
	if len(rep.Removed) > 0 {
		sw.log.Info("janitor: orphan audio deleted", zap.Int("removed", len(rep.Removed)), zap.Duration("grace", sw.grace))
		if err := sw.book.ForgetOrphans(ctx, rep.Removed...); err != nil {
			// They are gone; the next sweep forgets them anyway.
			sw.log.Warn("janitor: forget deleted orphans", zap.Error(err))
		}
	}
	return rep, ctx.Err()
}

// remove deletes one recording through every source that listed it: with
// a shared recordings directory one would do, but Asterisk servers that do
// not share it each hold their own copy.
func (sw *sweeper) remove(ctx context.Context, name string, from []int) error {
	var errs []error
	for _, i := range from {
		src := sw.sources[i]
		if err := src.delete.Delete(ctx, name); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", src.name, err))
		}
	}
	return errors.Join(errs...)
}
