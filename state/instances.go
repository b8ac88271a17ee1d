package state

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Instance is one voicemail instance of a cluster, as its lease shows it.
type Instance struct {
	// ID is the instance's id (instance.id).
	ID string
	// App is the ARI application it registered.
	App string
	// Left is how long its lease had to run when it was listed; zero or
	// less once the lease has run out.
	Left time.Duration
}

// Expired reports whether the instance's lease had run out when it was
// listed: the instance is presumed dead and its calls may be taken over.
func (in Instance) Expired() bool { return in.Left <= 0 }

// checkInstanceID returns an error wrapping ErrInvalidSession for an
// instance id that cannot be part of a key (the channel-id alphabet).
func checkInstanceID(id string) error {
	if !validChannelID(id) {
		return fmt.Errorf("%w: instance id %q", ErrInvalidSession, clip(id))
	}
	return nil
}

// Renew extends the lease of instance id, which registered ARI app, to ttl
// from now. An instance renews well within ttl; when it stops (killed, hung,
// cut off from Redis), its lease runs out and another instance takes its
// calls over. Deadlines are set, and judged by Instances and Forget, on
// Redis' clock: the instances' own clocks need not agree.
func (s *Store) Renew(ctx context.Context, id, app string, ttl time.Duration) error {
	if err := checkInstanceID(id); err != nil {
		return err
	}
	if err := instanceRenewScript.Run(ctx, s.rdb, []string{leasesKey(), appsKey()}, id, app, ttl.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("state: renew lease of %s: %w", id, err)
	}
	return nil
}

// Instances returns every instance with a lease, live or expired, with the
// time each lease had left on Redis' clock when Redis answered.
func (s *Store) Instances(ctx context.Context) ([]Instance, error) {
	res, err := instanceListScript.Run(ctx, s.rdb, []string{leasesKey(), appsKey()}).Slice()
	if err != nil {
		return nil, fmt.Errorf("state: instances: %w", err)
	}
	now, ok := replyInt(res, 0)
	if !ok {
		return nil, fmt.Errorf("state: instances: unexpected reply %v", res)
	}
	out := make([]Instance, 0, (len(res)-1)/3)
	for i := 1; i+2 < len(res); i += 3 {
		id, _ := replyString(res, i)
		score, _ := replyString(res, i+1)
		app, _ := replyString(res, i+2)
		deadline, err := strconv.ParseFloat(score, 64)
		if checkInstanceID(id) != nil || err != nil {
			continue
		}
		out = append(out, Instance{ID: id, App: app, Left: time.Duration(int64(deadline)-now) * time.Millisecond})
	}
	return out, nil
}

// Reap takes the lock on reaping dead instance id for reaper, for ttl; it
// reports false when another instance holds it. Only the holder takes the
// dead instance's calls over.
func (s *Store) Reap(ctx context.Context, id, reaper string, ttl time.Duration) (bool, error) {
	if err := checkInstanceID(id); err != nil {
		return false, err
	}
	ok, err := s.rdb.SetNX(ctx, reapKey(id), reaper, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("state: reap %s: %w", id, err)
	}
	return ok, nil
}

// RetryReap lets another reaper, or this one again, reap dead instance id
// after retry rather than when the lock taken by Reap runs out: reaper,
// which holds it, could not resolve every call of id. It reports false,
// changing nothing, when the lock is not reaper's (it ran out, or another
// reaper holds it).
func (s *Store) RetryReap(ctx context.Context, id, reaper string, retry time.Duration) (bool, error) {
	if err := checkInstanceID(id); err != nil {
		return false, err
	}
	n, err := instanceReapRetryScript.Run(ctx, s.rdb, []string{reapKey(id)}, reaper, max(retry.Milliseconds(), 1)).Int()
	if err != nil {
		return false, fmt.Errorf("state: retry reap of %s: %w", id, err)
	}
	return n == 1, nil
}

// Forget removes dead instance id (its lease, app and list of calls) once
// its calls were taken over. It reports false, changing nothing, if the
// instance renewed its lease meanwhile (on Redis' clock): it was slow, not
// dead.
func (s *Store) Forget(ctx context.Context, id string) (bool, error) {
	if err := checkInstanceID(id); err != nil {
		return false, err
	}
	n, err := instanceForgetScript.Run(ctx, s.rdb, []string{leasesKey(), appsKey(), ownedKey(id)}, id).Int()
	if err != nil {
		return false, fmt.Errorf("state: forget %s: %w", id, err)
	}
	return n == 1, nil
}

// Leave removes instance id at a clean stop, after it handed its calls on
// or ended them: its list of calls goes too, so nobody would ever take over
// a call still on it (use Resign then).
func (s *Store) Leave(ctx context.Context, id string) error {
	if err := checkInstanceID(id); err != nil {
		return err
	}
	pipe := s.rdb.TxPipeline()
	pipe.ZRem(ctx, leasesKey(), id)
	pipe.HDel(ctx, appsKey(), id)
	pipe.Del(ctx, ownedKey(id))
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("state: leave %s: %w", id, err)
	}
	return nil
}

// Resign ends the lease of instance id now, at a stop that left calls
// unresolved, but keeps its app and its list of calls (unlike Leave): the
// next instance to look reaps it and takes those calls over at once.
func (s *Store) Resign(ctx context.Context, id string) error {
	if err := checkInstanceID(id); err != nil {
		return err
	}
	if err := instanceResignScript.Run(ctx, s.rdb, []string{leasesKey()}, id).Err(); err != nil {
		return fmt.Errorf("state: resign %s: %w", id, err)
	}
	return nil
}

// Own records that instance owns call channelID (own true) or no longer
// does (false), so that whoever reaps the instance finds the call even if
// its channel has left Asterisk meanwhile (a message recorded, then a
// hang-up, with nobody to save it).
func (s *Store) Own(ctx context.Context, instance, channelID string, own bool) error {
	if err := checkInstanceID(instance); err != nil {
		return err
	}
	if err := checkChannelID(channelID); err != nil {
		return err
	}
	var err error
	if own {
		err = s.rdb.SAdd(ctx, ownedKey(instance), channelID).Err()
	} else {
		err = s.rdb.SRem(ctx, ownedKey(instance), channelID).Err()
	}
	if err != nil {
		return fmt.Errorf("state: own %s by %s: %w", channelID, instance, err)
	}
	return nil
}

// Owned returns the channel ids of the calls instance owns.
func (s *Store) Owned(ctx context.Context, instance string) ([]string, error) {
	if err := checkInstanceID(instance); err != nil {
		return nil, err
	}
	ids, err := s.rdb.SMembers(ctx, ownedKey(instance)).Result()
	if err != nil {
		return nil, fmt.Errorf("state: calls of %s: %w", instance, err)
	}
	out := ids[:0]
	for _, id := range ids {
		if validChannelID(id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// Replies of session_claim.lua.
const (
	claimCorrupt = -1
	claimRefused = 0
	claimOK      = 1
	claimThisRun = 2
)

// ClaimSession makes instance (registered as app) the owner of call
// channelID and returns its new epoch: the old owner's saves are refused
// from now on. With expectedOwner set, the claim is refused (ErrStaleEpoch)
// unless that instance owns the session: two reapers cannot both take a
// call; and a missing or ended session is then ErrSessionNotFound. Without
// expectedOwner, a missing session is created at epoch 1, and an ended one
// (EndSession) anew past its epoch: the channel entered Stasis again.
//
// An expectedOwner equal to instance claims a call of an earlier run of
// the same instance (a process restarted under the same id): a session
// that this Store created, claimed or saved is not claimed again, so that
// a call arriving while the earlier run's calls are taken over is never
// fenced off by its own process; the error then wraps ErrClaimedThisRun,
// with the session's epoch (a claim repeated after a lost reply gets it
// too, and goes on with that epoch).
//
// With Config.MinReplicas set, a claim that fewer replicas confirmed in
// time returns its epoch and an error wrapping ErrNotReplicated. Do not
// act on that epoch: a failover now would bring the old epoch back, and
// with it the old owner's right to write (the fencing token would go back
// in time).
func (s *Store) ClaimSession(ctx context.Context, channelID, instance, app, expectedOwner string) (int64, error) {
	if err := checkChannelID(channelID); err != nil {
		return 0, err
	}
	if err := checkInstanceID(instance); err != nil {
		return 0, err
	}
	cmd, notReplicated := s.runReplicated(ctx, sessionClaimScript, []string{sessionKey(channelID)},
		instance, app, expectedOwner, s.cfg.SessionTTL.Milliseconds(), s.now().UnixMilli(), s.run)
	res, err := cmd.Slice()
	if err != nil {
		return 0, fmt.Errorf("state: claim session %s: %w", channelID, err)
	}
	status, _ := replyInt(res, 0)
	switch status {
	case claimOK:
		epoch, _ := replyInt(res, 1)
		return epoch, s.atRisk(notReplicated, "claim session %s", channelID)
	case claimRefused:
		owner, _ := replyString(res, 1)
		if owner == "" {
			return 0, fmt.Errorf("state: claim session %s: %w", channelID, ErrSessionNotFound)
		}
		return 0, fmt.Errorf("state: claim session %s: %w: owned by %q, not %q", channelID, ErrStaleEpoch, clip(owner), expectedOwner)
	case claimCorrupt:
		return 0, fmt.Errorf("state: claim session %s: %w", channelID, ErrCorruptSession)
	case claimThisRun:
		epoch, _ := replyInt(res, 1)
		return epoch, fmt.Errorf("state: claim session %s: %w", channelID, ErrClaimedThisRun)
	}
	return 0, fmt.Errorf("state: claim session %s: unexpected reply %v", channelID, res)
}

// EndSession ends the session of a call that ended, unless a newer owner
// (higher epoch than epoch) holds it; then the error wraps ErrStaleEpoch.
// What remains for Config.SessionTTL is the epoch alone: LoadSession finds
// no session, SaveSession refuses every save (ErrStaleEpoch), so an old
// owner that wakes up cannot act on the ended call, and ClaimSession
// claims it only without an expected owner, past that epoch (the channel
// entered Stasis again).
func (s *Store) EndSession(ctx context.Context, channelID string, epoch int64) error {
	if err := checkChannelID(channelID); err != nil {
		return err
	}
	n, err := sessionEndScript.Run(ctx, s.rdb, []string{sessionKey(channelID)}, strconv.FormatInt(epoch, 10),
		s.cfg.SessionTTL.Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("state: end session %s: %w", channelID, err)
	}
	if n == 0 {
		return fmt.Errorf("state: end session %s: %w", channelID, ErrStaleEpoch)
	}
	return nil
}
