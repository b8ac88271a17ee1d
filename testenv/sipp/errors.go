package sipp

import "errors"

// ErrNotAnswered is returned by [Call] when Asterisk rejected the INVITE
// (busy, not found, …) or never answered it. The Result still says what
// happened: Result.Status is the final response, 0 if none came.
var ErrNotAnswered = errors.New("sipp: call not answered")

// ErrSippFailed is returned by [Call] when the sipp process failed: it could
// not start, did not finish its scenario, or exited non-zero. The Result
// holds the tail of its output and logs.
var ErrSippFailed = errors.New("sipp: sipp failed")

// ErrBadOptions is returned by [Call] and [Watch] for options they cannot
// use, before anything is sent.
var ErrBadOptions = errors.New("sipp: bad options")

// ErrClosed is returned by a [Watcher]'s methods after Close.
var ErrClosed = errors.New("sipp: watcher closed")
