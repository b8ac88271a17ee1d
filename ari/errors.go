package ari

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrInvalidConfig is returned by New and Client.Stream when a required
// setting is missing or malformed.
var ErrInvalidConfig = errors.New("ari: invalid config")

// ErrBadRequest matches a 400 Bad Request answer: a parameter is missing or
// malformed. It also matches calls refused locally because a required id is
// empty.
var ErrBadRequest = errors.New("ari: bad request")

// ErrUnauthorized matches a 401 Unauthorized answer: the username or password
// is wrong.
var ErrUnauthorized = errors.New("ari: unauthorized")

// ErrForbidden matches a 403 Forbidden answer, e.g. "Write access denied" for
// a read_only ARI user, or an unreadable stored recording file.
var ErrForbidden = errors.New("ari: forbidden")

// ErrNotFound matches a 404 Not Found answer: the channel, playback,
// recording or route does not exist (any more).
var ErrNotFound = errors.New("ari: not found")

// ErrConflict matches a 409 Conflict answer: the resource is in the wrong
// state, e.g. a channel not in Stasis, an id that already exists, or a call
// already claimed by another application.
var ErrConflict = errors.New("ari: conflict")

// ErrPreconditionFailed matches a 412 Precondition Failed answer, e.g.
// answering a channel whose state is Down, Rsrvd or Ringing.
var ErrPreconditionFailed = errors.New("ari: precondition failed")

// ErrUnprocessable matches a 422 Unprocessable Entity answer, e.g. a
// recording format unknown to the system.
var ErrUnprocessable = errors.New("ari: unprocessable entity")

// ErrServer matches any 5xx answer.
var ErrServer = errors.New("ari: server error")

// ErrNotInStasis matches a 409 answer whose message says the channel is not in
// a Stasis application ("Channel not in Stasis application"); such an error
// also matches ErrConflict. Commands racing a hangup commonly get it.
var ErrNotInStasis = errors.New("ari: channel not in Stasis")

// MayHaveActed reports whether err, a request's error, leaves open whether
// Asterisk acted on the request: it was sent and no answer came (a
// timeout, a connection lost). nil, an answer (a *StatusError) and a
// request never sent (ErrNotSent) do not.
func MayHaveActed(err error) bool {
	var se *StatusError
	return err != nil && !errors.As(err, &se) && !errors.Is(err, ErrNotSent)
}

// ErrRecordingInProgress matches a 409 answer to a record request whose
// message says a recording of that name already exists and cannot be
// overwritten (res/ari/resource_channels.c: "Recording '…' already exists
// and can not be overwritten"): with ifExists=overwrite, a live recording
// of the name is under way (with ifExists=fail, its file may merely
// exist). Such an error also matches ErrConflict. It means that only for
// a record request: check it only there.
var ErrRecordingInProgress = errors.New("ari: recording of that name in progress")

// ErrNotSent is wrapped, next to the cause, by the error of a request that
// never left the client: no connection was to be had in time (the pool
// busy, Asterisk unreachable), so Asterisk cannot have acted on it and it
// may be sent again. Any other error of a request that got no answer
// (a timeout once it was sent, a connection lost) leaves open whether
// Asterisk acted on it.
var ErrNotSent = errors.New("ari: request not sent")

// ErrBadEvent is wrapped by DecodeEvent when a frame is not a JSON object
// with a non-empty "type".
var ErrBadEvent = errors.New("ari: bad event")

// StatusError is the error returned for a non-2xx ARI answer. Use errors.Is
// with the sentinel errors (ErrNotFound, ErrConflict, …) to classify it, or
// errors.As to read its fields.
type StatusError struct {
	// Method is the HTTP method of the request, e.g. "POST".
	Method string
	// Path is the escaped request path below the base URL, e.g.
	// "/channels/x/answer".
	Path string
	// Status is the HTTP status code.
	Status int
	// Message is the "message" (or "error") field of the JSON answer, or
	// the status text when the body had neither.
	Message string
}

// Error formats the error as "ari: METHOD PATH: STATUS MESSAGE".
func (e *StatusError) Error() string {
	return fmt.Sprintf("ari: %s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
}

// Is reports whether target is the sentinel error for e's status code. A 409
// whose message contains "not in Stasis" matches both ErrConflict and
// ErrNotInStasis.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.Status == http.StatusBadRequest
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrConflict:
		return e.Status == http.StatusConflict
	case ErrNotInStasis:
		// res/ari/resource_channels.c: "Channel not in Stasis application".
		return e.Status == http.StatusConflict &&
			strings.Contains(strings.ToLower(e.Message), "not in stasis")
	case ErrRecordingInProgress:
		return e.Status == http.StatusConflict &&
			strings.Contains(strings.ToLower(e.Message), "already exists")
	case ErrPreconditionFailed:
		return e.Status == http.StatusPreconditionFailed
	case ErrUnprocessable:
		return e.Status == http.StatusUnprocessableEntity
	case ErrServer:
		return e.Status >= 500 && e.Status <= 599
	}
	return false
}

// IsGone reports whether err says the channel (or playback, or recording) is
// gone: ErrNotFound or ErrNotInStasis. Commands racing a hangup get these, and
// callers treat them as benign.
func IsGone(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrNotInStasis)
}
