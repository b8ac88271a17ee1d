package state

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Instance is one voicemail instance of a cluster, as its lease shows it.
type Instance struct {
	// ID is the instance's id (instance.id).
	ID string
	// App is the ARI application it registered.
	App string
	// Deadline is when its lease runs out unless renewed.
	Deadline time.Time
}

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
// calls over.
func (s *Store) Renew(ctx context.Context, id, app string, ttl time.Duration) error {
	if err := checkInstanceID(id); err != nil {
		return err
	}
	deadline := time.Now().Add(ttl).UnixMilli()
	pipe := s.rdb.TxPipeline()
	pipe.ZAdd(ctx, leasesKey(), redisZ(float64(deadline), id))
	pipe.HSet(ctx, appsKey(), id, app)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("state: renew lease of %s: %w", id, err)
	}
	return nil
}

// Instances returns every instance with a lease, live or expired.
func (s *Store) Instances(ctx context.Context) ([]Instance, error) {
	zs, err := s.rdb.ZRangeWithScores(ctx, leasesKey(), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("state: instances: %w", err)
	}
	apps, err := s.rdb.HGetAll(ctx, appsKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("state: instances: %w", err)
	}
	out := make([]Instance, 0, len(zs))
	for _, z := range zs {
		id, _ := z.Member.(string)
		if checkInstanceID(id) != nil {
			continue
		}
		out = append(out, Instance{ID: id, App: apps[id], Deadline: time.UnixMilli(int64(z.Score))})
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

// Forget removes dead instance id (its lease, app and list of calls) once
// its calls were taken over. It reports false, changing nothing, if the
// instance renewed its lease meanwhile: it was slow, not dead.
func (s *Store) Forget(ctx context.Context, id string) (bool, error) {
	if err := checkInstanceID(id); err != nil {
		return false, err
	}
	n, err := instanceForgetScript.Run(ctx, s.rdb, []string{leasesKey(), appsKey(), ownedKey(id)},
		id, time.Now().UnixMilli()).Int()
	if err != nil {
		return false, fmt.Errorf("state: forget %s: %w", id, err)
	}
	return n == 1, nil
}

// Leave removes instance id at a clean stop, after it handed its calls on.
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
)

// ClaimSession makes instance (registered as app) the owner of call
// channelID and returns its new epoch: the old owner's saves are refused
// from now on. With expectedOwner set, the claim is refused (ErrStaleEpoch)
// unless that instance owns the session: two reapers cannot both take a
// call; and a missing session is then ErrSessionNotFound. Without
// expectedOwner, a missing session is created at epoch 1.
func (s *Store) ClaimSession(ctx context.Context, channelID, instance, app, expectedOwner string) (int64, error) {
	if err := checkChannelID(channelID); err != nil {
		return 0, err
	}
	if err := checkInstanceID(instance); err != nil {
		return 0, err
	}
	res, err := sessionClaimScript.Run(ctx, s.rdb, []string{sessionKey(channelID)},
		instance, app, expectedOwner, s.cfg.SessionTTL.Milliseconds(), time.Now().UnixMilli()).Slice()
	if err != nil {
		return 0, fmt.Errorf("state: claim session %s: %w", channelID, err)
	}
	status, _ := replyInt(res, 0)
	switch status {
	case claimOK:
		epoch, _ := replyInt(res, 1)
		return epoch, nil
	case claimRefused:
		owner, _ := replyString(res, 1)
		if owner == "" {
			return 0, fmt.Errorf("state: claim session %s: %w", channelID, ErrSessionNotFound)
		}
		return 0, fmt.Errorf("state: claim session %s: %w: owned by %q, not %q", channelID, ErrStaleEpoch, clip(owner), expectedOwner)
	case claimCorrupt:
		return 0, fmt.Errorf("state: claim session %s: %w", channelID, ErrCorruptSession)
	}
	return 0, fmt.Errorf("state: claim session %s: unexpected reply %v", channelID, res)
}

// EndSession deletes the session of a call that ended, unless a newer owner
// (higher epoch than epoch) holds it; then the error wraps ErrStaleEpoch.
func (s *Store) EndSession(ctx context.Context, channelID string, epoch int64) error {
	if err := checkChannelID(channelID); err != nil {
		return err
	}
	n, err := sessionEndScript.Run(ctx, s.rdb, []string{sessionKey(channelID)}, strconv.FormatInt(epoch, 10)).Int()
	if err != nil {
		return fmt.Errorf("state: end session %s: %w", channelID, err)
	}
	if n == 0 {
		return fmt.Errorf("state: end session %s: %w", channelID, ErrStaleEpoch)
	}
	return nil
}

func redisZ(score float64, member string) redis.Z { return redis.Z{Score: score, Member: member} }
