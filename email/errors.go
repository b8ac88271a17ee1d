package email

import "errors"

// ErrInvalidConfig is wrapped by every error of Config.Validate and New.
var ErrInvalidConfig = errors.New("email: invalid config")

// ErrTemporary is wrapped by a send error worth retrying: the relay could
// not be reached or timed out, answered 4xx, or refused the connection
// itself (TLS, AUTH): a fault of the relay or of its settings, not of the
// message, which must not lose the mail.
var ErrTemporary = errors.New("email: temporary failure")

// ErrPermanent is wrapped by a send error not worth retrying: the relay
// answered 5xx to the message's sender, a recipient or its content.
var ErrPermanent = errors.New("email: permanent failure")
