package admin

import (
	"errors"
	"net/http"

	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/audioconv"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

// ErrNoHeardState is returned when a message outside New and Old is marked
// heard or unheard: only those two folders say whether a message was heard
// (app_voicemail's INBOX and Old).
var ErrNoHeardState = errors.New("admin: only New and Old messages are heard or unheard")

// ErrGreetingNotFound is returned for a greeting the mailbox has not
// recorded.
var ErrGreetingNotFound = errors.New("admin: no such greeting recorded")

// ErrAudioUnavailable is returned when a message's audio could not be
// fetched from Asterisk (down, or it refused) or is not a WAV file.
var ErrAudioUnavailable = errors.New("admin: audio unavailable")

// ErrInvalidRequest is returned for a request that does not fit the API
// (its OpenAPI document) or the command line: a missing argument, two
// that exclude each other.
var ErrInvalidRequest = errors.New("admin: invalid request")

// ErrUnauthorized is returned for an API request without a known token.
var ErrUnauthorized = errors.New("admin: no valid token")

// ErrNotFound is returned for a path the API does not have.
var ErrNotFound = errors.New("admin: no such resource")

// ErrMethodNotAllowed is returned for a method a path does not take.
var ErrMethodNotAllowed = errors.New("admin: method not allowed")

// ErrInvalidConfig is returned by the constructors for a missing
// dependency or a setting out of range.
var ErrInvalidConfig = errors.New("admin: invalid config")

// Code returns the stable code of err, as the API's error bodies and the
// audit trail carry it ("ok" for nil), and the HTTP status that goes with
// it. The codes are listed in openapi.yaml (Error.code).
func Code(err error) (code string, status int) {
	switch {
	case err == nil:
		return "ok", http.StatusOK
	case errors.Is(err, ErrUnauthorized):
		return "unauthorized", http.StatusUnauthorized
	case errors.Is(err, ErrNotFound):
		return "not_found", http.StatusNotFound
	case errors.Is(err, ErrMethodNotAllowed):
		return "method_not_allowed", http.StatusMethodNotAllowed
	case errors.Is(err, ErrInvalidRequest):
		return "invalid_request", http.StatusBadRequest
	case errors.Is(err, mailbox.ErrInvalidID):
		return "invalid_mailbox", http.StatusBadRequest
	case errors.Is(err, mailbox.ErrInvalidMessageID):
		return "invalid_message_id", http.StatusBadRequest
	case errors.Is(err, mailbox.ErrInvalidFolder):
		return "invalid_folder", http.StatusBadRequest
	case errors.Is(err, mailbox.ErrInvalidGreeting):
		return "invalid_greeting", http.StatusBadRequest
	case errors.Is(err, mailbox.ErrWeakPIN):
		return "weak_pin", http.StatusBadRequest
	case errors.Is(err, mailbox.ErrInvalidPIN), errors.Is(err, state.ErrInvalidPIN):
		return "invalid_pin", http.StatusBadRequest
	case errors.Is(err, state.ErrInvalidMailboxField):
		return "invalid_field", http.StatusBadRequest
	case errors.Is(err, state.ErrInvalidQuery):
		return "invalid_query", http.StatusBadRequest
	case errors.Is(err, state.ErrMailboxNotFound):
		return "mailbox_not_found", http.StatusNotFound
	case errors.Is(err, state.ErrMessageNotFound):
		return "message_not_found", http.StatusNotFound
	case errors.Is(err, state.ErrNotificationNotFound):
		return "notification_not_found", http.StatusNotFound
	case errors.Is(err, ErrGreetingNotFound):
		return "greeting_not_found", http.StatusNotFound
	case errors.Is(err, state.ErrMailboxExists):
		return "mailbox_exists", http.StatusConflict
	case errors.Is(err, state.ErrMailboxFull):
		return "folder_full", http.StatusConflict
	case errors.Is(err, ErrForwardToSelf):
		return "forward_to_self", http.StatusConflict
	case errors.Is(err, ErrNoHeardState):
		return "no_heard_state", http.StatusConflict
	case errors.Is(err, state.ErrNotReplicated):
		return "not_replicated", http.StatusServiceUnavailable
	case errors.Is(err, ari.ErrNotFound):
		return "audio_not_found", http.StatusNotFound
	case errors.Is(err, audioconv.ErrTooLarge):
		return "audio_too_large", http.StatusRequestEntityTooLarge
	case errors.Is(err, audioconv.ErrUnsupported):
		return "unsupported_audio", http.StatusUnsupportedMediaType
	case errors.Is(err, audioconv.ErrTooLong):
		return "audio_too_long", http.StatusUnprocessableEntity
	case errors.Is(err, audioconv.ErrTooShort):
		return "audio_too_short", http.StatusUnprocessableEntity
	case errors.Is(err, ErrUploadUnavailable), errors.Is(err, audioconv.ErrConverter):
		return "upload_unavailable", http.StatusServiceUnavailable
	case errors.Is(err, ErrAudioUnavailable):
		return "audio_unavailable", http.StatusBadGateway
	}
	return "internal", http.StatusInternalServerError
}
