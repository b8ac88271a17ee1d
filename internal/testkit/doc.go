// Package testkit holds what every test of this module uses to wait, to
// catch leaked goroutines and to bound itself, so that no test sleeps
// where a poll works and none hangs or leaks silently:
//
//   - Eventually (and Poll, for goroutines and helpers that return an
//     error) retry a check until it passes or a bound ends, as
//     nats-server's checkFor does;
//   - CheckRoutines fails a test that leaves goroutines behind, as pion's
//     test.CheckRoutines does;
//   - Timeout gives a test a context bounded by its own deadline, and
//     dumps every goroutine's stack if the test outlives it.
//
// It lives under internal/ because it is no part of the module's API, and
// it depends on nothing of the module, so any package's tests (ari's,
// state's, app's) can use it without pulling in the test environment.
package testkit
