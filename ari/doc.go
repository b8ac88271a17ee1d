// Package ari is a typed client for the Asterisk REST Interface (ARI) of
// Asterisk 22, as used by the voicemail Stasis application.
//
// A Client makes REST calls; every call takes a context first and is bounded
// by Config.Timeout as well. Parameters travel in the query string, because
// ARI silently ignores JSON body fields of the wrong type; only channel
// variables go in a JSON body. Ids are escaped per path segment, so stored
// recording names such as "vm/default/1001/msg1" travel as one %2F-escaped
// segment.
//
// A non-2xx answer is a *StatusError. Classify it with errors.Is and the
// sentinels in errors.go (ErrNotFound, ErrConflict, ErrNotInStasis, …);
// IsGone tells the errors of commands that raced a hangup, which callers
// treat as benign.
//
// A Stream is the event WebSocket: Run keeps it connected, reconnecting with
// jittered backoff, and delivers decoded events (see DecodeEvent) on Events.
// ARI replays nothing after a reconnect, so an application reconciles its
// calls in the WithOnConnect callback.
//
// Package aritest provides a fake ARI server for unit tests.
package ari
