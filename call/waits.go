package call

import "time"

// loginRetryFor bounds the retries of a password check that Redis did not
// answer (a restart, a failover). The caller waits in silence after their
// '#' meanwhile, so it is far shorter than a deposit's retries; once it
// has passed, they hear sorry and are asked for the password again.
const loginRetryFor = 10 * time.Second

// Waits are how long calls wait on Redis before they give up or report
// it. A zero field takes its default. Only tests set them, to show what
// happens past a bound without waiting for it.
type Waits struct {
	// Login bounds the retries of a password check that Redis does not
	// answer. Default 10 s.
	Login time.Duration
	// Ownership is how long a call waits for its ownership to be
	// confirmed before the wait is logged as an error; the wait itself
	// goes on (fence.go). Default 30 s.
	Ownership time.Duration
}

// loginFor is how long a password check is retried.
func (w Waits) loginFor() time.Duration {
	if w.Login > 0 {
		return w.Login
	}
	return loginRetryFor
}

// ownershipFor is how long a call waits for its ownership to be
// confirmed before the wait is reported.
func (w Waits) ownershipFor() time.Duration {
	if w.Ownership > 0 {
		return w.Ownership
	}
	return ownershipWait
}
