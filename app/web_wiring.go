package app

import (
	"context"
	"os/exec"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/admin"
	"github.com/clusterpbx/voicemail/state"
	"github.com/clusterpbx/voicemail/web"
)

// newWebUI builds the visual voicemail pages of an instance, or nil when
// web.listen is off. They work through the admin package's service, as the
// API does; the administrators' pages are on when the admin API has tokens
// (its accounts).
func newWebUI(cfg Config, store *state.Store, rdb redis.UniversalClient, nodes []*node, mwi *mwiPublisher, log *zap.Logger) (*webUI, error) {
	if cfg.Web.Listen == "" {
		return nil, nil
	}
	log = log.Named("web")
	// The same options as the admin API's service: greeting uploads when
	// admin.recordings_dir is set.
	svc, err := admin.NewService(cfg.adminServiceConfig(), store, audioOf(nodes, log), publisherLamps{mwi}, cfg.adminServiceOptions(log)...)
	if err != nil {
		return nil, err
	}
	var tokens *admin.Tokens
	if list, err := cfg.Admin.tokens(); err != nil {
		return nil, err
	} else if len(list) > 0 {
		if tokens, err = admin.NewTokens(list); err != nil {
			return nil, err
		}
	}
	loc, err := loadLocation(cfg.Voicemail.Timezone)
	if err != nil {
		return nil, err
	}
	wcfg := web.DefaultConfig()
	wcfg.IdleTimeout, wcfg.MaxSession, wcfg.Location = cfg.Web.IdleTimeout, cfg.Web.MaxSession, loc
	wcfg.SecureCookies = cfg.Web.SecureCookies || cfg.Web.TLSCertFile != ""
	// MP3 downloads use the email's encoder when it is installed.
	if _, err := exec.LookPath(cfg.Mail.Lame); err == nil {
		wcfg.Lame = cfg.Mail.Lame
	} else {
		log.Info("lame not found: the pages offer WAV downloads only", zap.String("lame", cfg.Mail.Lame))
	}
	if cfg.Janitor.Enabled {
		wcfg.TrashKeep = cfg.Janitor.TrashKeep
	}
	h, err := web.New(wcfg, svc, tokens, rdb, log)
	if err != nil {
		return nil, err
	}
	return &webUI{cfg: admin.ListenConfig{Addr: cfg.Web.Listen, CertFile: cfg.Web.TLSCertFile, KeyFile: cfg.Web.TLSKeyFile},
		handler: h, log: log}, nil
}

// webUI is an instance's web pages server.
type webUI struct {
	cfg     admin.ListenConfig
	handler *web.Handler
	log     *zap.Logger
	addr    atomic.Pointer[string]
}

// start serves the pages until the returned function is called. A listen
// failure is logged and the instance runs on without them: calls matter
// more.
func (u *webUI) start(ctx context.Context) (stop func()) {
	if u == nil {
		return func() {}
	}
	srv, err := admin.Listen(ctx, u.cfg, u.handler, u.log)
	if err != nil {
		u.log.Error("web pages not started", zap.String("listen", u.cfg.Addr), zap.Error(err))
		return func() {}
	}
	addr := srv.Addr()
	u.addr.Store(&addr)
	return func() {
		u.handler.Close() // ends the live streams first
		srv.Close()
	}
}

// Addr is where the pages listen, "" when they do not.
func (u *webUI) Addr() string {
	if u == nil {
		return ""
	}
	if p := u.addr.Load(); p != nil {
		return *p
	}
	return ""
}
