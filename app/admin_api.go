package app

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"

	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/admin"
	"github.com/clusterpbx/voicemail/ari"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/recordings"
	"github.com/clusterpbx/voicemail/state"
)

// publisherLamps tells this instance's message-waiting publisher of an
// administrator's change: it publishes on every Asterisk it serves.
type publisherLamps struct{ p *mwiPublisher }

func (l publisherLamps) Changed(_ context.Context, id mailbox.ID) { l.p.Changed(id) }

// noticeLamps tells the running instances of a change made by the CLI,
// which has no publisher of its own (state.NotifyMWIChanged).
type noticeLamps struct {
	store *state.Store
	log   *zap.Logger
}

func (l noticeLamps) Changed(ctx context.Context, id mailbox.ID) {
	if err := l.store.NotifyMWIChanged(ctx, id); err != nil {
		l.log.Warn("could not tell the running instances to publish the new counts; they will at their next connect to Asterisk",
			zap.Stringer("mailbox", id), zap.Error(err))
	}
}

// sharedAudio is the audio of every Asterisk served: they share one
// recordings directory, so any of them can hand a file over or delete it.
// Each is tried in turn until one answers.
type sharedAudio []*recordings.Store

// final reports an answer that another Asterisk would give too.
func final(err error) bool {
	return err == nil || errors.Is(err, ari.ErrNotFound) || errors.Is(err, recordings.ErrInvalidName) ||
		errors.Is(err, recordings.ErrBadAudio)
}

func (s sharedAudio) WAV(ctx context.Context, name string) ([]byte, error) {
	var err error
	for _, r := range s {
		var b []byte
		if b, err = r.WAV(ctx, name); final(err) {
			return b, err
		}
	}
	return nil, err
}

func (s sharedAudio) Delete(ctx context.Context, names ...string) error {
	var err error
	for _, r := range s {
		if err = r.Delete(ctx, names...); final(err) {
			return err
		}
	}
	return err
}

func (s sharedAudio) Copy(ctx context.Context, from, to string) error {
	var err error
	for _, r := range s {
		if err = r.Copy(ctx, from, to); final(err) {
			return err
		}
	}
	return err
}

// audioOf returns the audio of nodes.
func audioOf(nodes []*node, log *zap.Logger) sharedAudio {
	out := make(sharedAudio, len(nodes))
	for i, n := range nodes {
		out[i] = recordings.New(n.client, log.Named("recordings"))
	}
	return out
}

// newAdminAPI builds the admin API of an instance, or nil when
// admin.listen is off.
func newAdminAPI(cfg Config, store *state.Store, nodes []*node, mwi *mwiPublisher, log *zap.Logger) (*adminAPI, error) {
	if cfg.Admin.Listen == "" {
		return nil, nil
	}
	log = log.Named("admin")
	svc, err := admin.NewService(cfg.adminServiceConfig(), store, audioOf(nodes, log), publisherLamps{mwi}, cfg.adminServiceOptions(log)...)
	if err != nil {
		return nil, err
	}
	list, err := cfg.Admin.tokens()
	if err != nil {
		return nil, err
	}
	tokens, err := admin.NewTokens(list)
	if err != nil {
		return nil, err
	}
	h, err := admin.NewHandler(svc, tokens, log)
	if err != nil {
		return nil, err
	}
	return &adminAPI{cfg: admin.ListenConfig{Addr: cfg.Admin.Listen, CertFile: cfg.Admin.TLSCertFile,
		KeyFile: cfg.Admin.TLSKeyFile}, handler: h, log: log}, nil
}

// adminAPI is an instance's admin API server.
type adminAPI struct {
	cfg     admin.ListenConfig
	handler http.Handler
	log     *zap.Logger
	// addr is where it listens once started ("" if it could not).
	addr atomic.Pointer[string]
}

// start serves the API until the returned function is called. A listen
// failure (the port is taken) is logged and the instance runs on without
// the API, as without its ops server: calls matter more.
func (a *adminAPI) start(ctx context.Context) (stop func()) {
	if a == nil {
		return func() {}
	}
	srv, err := admin.Listen(ctx, a.cfg, a.handler, a.log)
	if err != nil {
		a.log.Error("admin API not started", zap.String("listen", a.cfg.Addr), zap.Error(err))
		return func() {}
	}
	addr := srv.Addr()
	a.addr.Store(&addr)
	return srv.Close
}

// Addr is where the admin API listens, "" when it does not.
func (a *adminAPI) Addr() string {
	if a == nil {
		return ""
	}
	if p := a.addr.Load(); p != nil {
		return *p
	}
	return ""
}
