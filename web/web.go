package web

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/admin"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// ErrInvalidConfig is returned by New for a missing dependency or a
// setting out of range.
var ErrInvalidConfig = errors.New("web: invalid config")

// Config holds the settings of the pages.
type Config struct {
	// IdleTimeout signs a browser out after this long without a request;
	// 1 minute to 24 hours.
	IdleTimeout time.Duration
	// MaxSession signs it out this long after it signed in, whatever it
	// did; at least IdleTimeout, at most 30 days.
	MaxSession time.Duration
	// SecureCookies marks the cookies Secure (and names the session cookie
	// __Host-…): set it whenever the browser reaches the pages over HTTPS,
	// directly or through a proxy.
	SecureCookies bool
	// Location is the zone of the dates shown to an owner whose mailbox
	// names none (its Notify.Timezone); nil is UTC.
	Location *time.Location
	// PollInterval is how often a live page's stream checks the mailbox
	// for changes; 200 ms to 1 minute.
	PollInterval time.Duration
	// Lame is the MP3 encoder of downloads (mail.lame); "" offers WAV
	// downloads only.
	Lame string
	// TrashKeep is how long deleted messages stay in the trash before the
	// janitor purges them (janitor.trash_keep), for the trash page to say;
	// 0 when no janitor purges them.
	TrashKeep time.Duration
}

// Handler serves the visual voicemail pages.
type Handler struct {
	cfg      Config
	svc      *admin.Service
	tokens   *admin.Tokens
	sess     *sessions
	tmpl     *template.Template
	tz       *time.Location
	log      *zap.Logger
	mux      http.Handler
	now      func() time.Time
	cookie   string
	shutdown chan struct{}
}

// New returns the pages over svc (the admin package's operations), with
// sessions in rdb. tokens are the administrators' accounts (the admin
// API's tokens); nil turns the administrator pages off. A nil log means
// zap.NewNop().
func New(cfg Config, svc *admin.Service, tokens *admin.Tokens, rdb redis.UniversalClient, log *zap.Logger) (*Handler, error) {
	if svc == nil || rdb == nil {
		return nil, fmt.Errorf("%w: the pages need the admin service and Redis", ErrInvalidConfig)
	}
	if cfg.IdleTimeout < time.Minute || cfg.IdleTimeout > 24*time.Hour {
		return nil, fmt.Errorf("%w: idle timeout %s not within 1m..24h", ErrInvalidConfig, cfg.IdleTimeout)
	}
	if cfg.MaxSession < cfg.IdleTimeout || cfg.MaxSession > 30*24*time.Hour {
		return nil, fmt.Errorf("%w: session lifetime %s not within the idle timeout..720h", ErrInvalidConfig, cfg.MaxSession)
	}
	if cfg.PollInterval < 200*time.Millisecond || cfg.PollInterval > time.Minute {
		return nil, fmt.Errorf("%w: poll interval %s not within 200ms..1m", ErrInvalidConfig, cfg.PollInterval)
	}
	tz := cfg.Location
	if tz == nil {
		tz = time.UTC
	}
	if log == nil {
		log = zap.NewNop()
	}
	tmpl, err := template.New("").Funcs(template.FuncMap{"t": word, "rows": outboxTable}).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	h := &Handler{cfg: cfg, svc: svc, tokens: tokens, tmpl: tmpl, tz: tz, log: log, now: time.Now,
		cookie: "vm_session", shutdown: make(chan struct{})}
	if cfg.SecureCookies {
		h.cookie = "__Host-vm_session"
	}
	h.sess = &sessions{rdb: rdb, idle: cfg.IdleTimeout, max: cfg.MaxSession, now: h.now}
	h.mux = h.routes()
	return h, nil
}

// DefaultConfig is the pages' configuration when nothing is set.
func DefaultConfig() Config {
	return Config{IdleTimeout: 15 * time.Minute, MaxSession: 12 * time.Hour, PollInterval: time.Second}
}

// ServeHTTP serves the pages.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Close ends the live streams, so that a server's graceful stop does not
// wait for them.
func (h *Handler) Close() {
	select {
	case <-h.shutdown:
	default:
		close(h.shutdown)
	}
}

// maxForm bounds a form's body: the largest is a mailbox's fields.
const maxForm = 16 << 10

func (h *Handler) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(h.secureHeaders)
	static, _ := fs.Sub(staticFS, "static")
	r.Handle("/static/*", http.StripPrefix("/static/", http.FileServerFS(static)))
	r.Get("/", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/folders/new", http.StatusSeeOther) })
	r.Get("/login", h.loginPage)
	r.Post("/login", h.login)
	r.Post("/logout", h.logout)
	r.Group(func(r chi.Router) {
		r.Use(h.requireOwner)
		r.Get("/folders/{folder}", h.folderPage)
		r.Get("/messages/{message}/audio", h.messageAudio)
		r.Post("/messages/{message}/move", h.moveMessage)
		r.Post("/messages/{message}/heard", h.markHeard)
		r.Post("/messages/{message}/delete", h.deleteMessage)
		r.Post("/messages/{message}/forward", h.forwardMessage)
		r.Get("/trash", h.trashPage)
		r.Post("/trash/{message}/restore", h.restoreMessage)
		r.Post("/trash/{message}/purge", h.purgeMessage)
		r.Get("/events", h.events)
		r.Get("/greetings", h.greetingsPage)
		r.Get("/greetings/{greeting}/audio", h.greetingAudio)
		r.Post("/greetings/{greeting}/delete", h.deleteGreeting)
		r.Post("/greetings/{greeting}/upload", h.uploadGreeting)
		r.Get("/settings", h.settingsPage)
		r.Post("/settings/pin", h.changePIN)
		r.Post("/settings/profile", h.saveProfile)
	})
	if h.tokens != nil {
		r.Get("/admin/login", h.adminLoginPage)
		r.Post("/admin/login", h.adminLogin)
		r.Group(func(r chi.Router) {
			r.Use(h.requireAdmin)
			r.Get("/admin", func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "/admin/mailboxes", http.StatusSeeOther)
			})
			r.Get("/admin/mailboxes", h.adminMailboxes)
			r.Post("/admin/mailboxes", h.adminCreate)
			r.Get("/admin/mailboxes/{mailbox}", h.adminMailbox)
			r.Post("/admin/mailboxes/{mailbox}", h.adminUpdate)
			r.Post("/admin/mailboxes/{mailbox}/pin", h.adminResetPIN)
			r.Post("/admin/mailboxes/{mailbox}/unlock", h.adminUnlock)
			r.Post("/admin/mailboxes/{mailbox}/delete", h.adminDelete)
			r.Get("/admin/audit", h.adminAudit)
			r.Get("/admin/outbox", h.adminOutbox)
			r.Post("/admin/outbox/{mailbox}/{notification}/{action:retry|drop}", h.adminOutboxAction)
		})
	}
	return r
}

// secureHeaders sets what every answer carries: no framing, no sniffing,
// scripts and styles of this origin only, no caching of pages.
func (h *Handler) secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; media-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		if h.cfg.SecureCookies {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if r.Method == http.MethodPost {
			limit := int64(maxForm)
			if strings.HasSuffix(r.URL.Path, "/upload") {
				limit = uploadForm
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

type sessionCtxKey struct{}

// current is the session of a request that passed requireOwner or
// requireAdmin.
type current struct {
	token string
	Session
}

func sessionOf(r *http.Request) current {
	c, _ := r.Context().Value(sessionCtxKey{}).(current)
	return c
}

// requireOwner admits the requests of a signed-in owner, checks the CSRF
// token of every POST, and keeps an owner who must change the PIN on the
// settings page.
func (h *Handler) requireOwner(next http.Handler) http.Handler {
	return h.require(kindOwner, "/login", next)
}

// requireAdmin admits the requests of a signed-in administrator.
func (h *Handler) requireAdmin(next http.Handler) http.Handler {
	return h.require(kindAdmin, "/admin/login", next)
}

func (h *Handler) require(kind, login string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(h.cookie)
		var s Session
		if err == nil {
			s, err = h.sess.get(r.Context(), ck.Value, r.URL.Path != "/events")
		}
		if err == nil && s.Kind != kind {
			err = errNoSession
		}
		if err != nil {
			if !errors.Is(err, errNoSession) && !errors.Is(err, http.ErrNoCookie) {
				h.log.Error("web: session", zap.Error(err))
				h.failPage(w, r, http.StatusServiceUnavailable, requestLang(r), "err.generic")
				return
			}
			if r.Method != http.MethodGet || r.URL.Path == "/events" || strings.HasSuffix(r.URL.Path, "/audio") {
				http.Error(w, "signed out", http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, login+"?expired=1", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost && tooLarge(r) {
			h.failPage(w, r, http.StatusRequestEntityTooLarge, s.Lang, "err.toolarge")
			return
		}
		if r.Method == http.MethodPost && !h.csrfOK(r, s.CSRF) {
			h.csrfRefused(w, r, s.Lang)
			return
		}
		if s.MustChangePIN && r.URL.Path != "/settings" && r.URL.Path != "/settings/pin" {
			http.Redirect(w, r, "/settings", http.StatusSeeOther)
			return
		}
		ctx := context.WithValue(r.Context(), sessionCtxKey{}, current{token: ck.Value, Session: s})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// tooLarge reports whether a form's body is over its bound
// (secureHeaders): it is refused as such, not as a form without a token.
func tooLarge(r *http.Request) bool {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(1 << 20) // larger parts go to temporary files
	} else {
		err = r.ParseForm()
	}
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// csrfOK checks a form's CSRF token against want, and the Origin header
// when the browser sends one: a form posted from another site fails both.
func (h *Handler) csrfOK(r *http.Request, want string) bool {
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		host := strings.TrimPrefix(strings.TrimPrefix(o, "https://"), "http://")
		if host != r.Host {
			return false
		}
	}
	got := r.PostFormValue("csrf")
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (h *Handler) csrfRefused(w http.ResponseWriter, r *http.Request, lang string) {
	h.log.Warn("web: form without a valid CSRF token refused", zap.String("security_event", "web_csrf"),
		zap.String("remote", r.RemoteAddr), zap.String("path", r.URL.Path))
	h.failPage(w, r, http.StatusForbidden, lang, "err.csrf")
}

// remoteIP is the client's address without its port.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// page is what every template is given.
type page struct {
	Lang, Title, Who, Nav string
	Sess                  *Session
	CSRF                  string
	Flash, Error          string
	// Undo, when set, is a message just deleted to the trash: the notice
	// offers to put it back.
	Undo  string
	Live  bool
	Langs []string
	Body  any
}

// render writes a page.
func (h *Handler) render(w http.ResponseWriter, status int, name string, p page) {
	p.Langs = languages
	var b strings.Builder
	if err := h.tmpl.ExecuteTemplate(&b, name, p); err != nil {
		h.log.Error("web: render", zap.String("template", name), zap.Error(err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// failPage answers with an error page.
func (h *Handler) failPage(w http.ResponseWriter, r *http.Request, status int, lang, key string) {
	p := page{Lang: lang, Title: word(lang, key)}
	if c := sessionOf(r); c.Kind != "" {
		p.Sess, p.CSRF = &c.Session, c.CSRF
	}
	h.render(w, status, "error", p)
}

// setCookie sets a cookie of the pages.
func (h *Handler) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: h.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
}

// flash carries a short notice across a redirect, in the URL (a key of
// words, never free text).
func flashOf(r *http.Request, lang string) string {
	return noticeOf(r, "ok", lang)
}

// noticeOf is the text of the words key that the URL's parameter param
// names, "" for none or an unknown key.
func noticeOf(r *http.Request, param, lang string) string {
	k := r.URL.Query().Get(param)
	if k == "" {
		return ""
	}
	if _, known := words["en"][k]; !known {
		return ""
	}
	return word(lang, k)
}
