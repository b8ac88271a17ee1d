// Package call carries out, for one call at a time, the commands of the
// menu engine (package menus): a Call is a goroutine that owns the call's
// menu state, applies its events one at a time, and plays, records, hangs
// up and changes stored data as the engine asks, through small interfaces
// (Player, MessageStore, SessionStore, …) that the app satisfies with its
// ARI client and its Redis store.
//
// Every change of stored data is fenced by the call's epoch (fence.go), so
// that an instance that lost a call to a takeover does nothing more for
// it; writes that may have been applied unseen are retried, being
// idempotent. The app owns the registry of live calls, routes the events
// of Asterisk to them (Push), and starts, hands over and takes over calls
// (Run, HandOver, Restore).
package call
