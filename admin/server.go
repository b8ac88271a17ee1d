package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/audioconv"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

// maxBody bounds a request body: the largest is a mailbox of a few
// hundred bytes, but for an uploaded greeting (maxUpload).
const maxBody = 64 << 10

// maxUpload bounds the body of a greeting upload; the converter applies
// its own bound (audioconv.Limits.MaxBytes) within it.
const maxUpload = audioconv.DefaultMaxBytes

// uploadRoute is the route whose body is audio.
const uploadRoute = "PUT /api/v1/mailboxes/{mailbox}/greetings/{greeting}/audio"

// handler serves the admin API.
type handler struct {
	svc    *Service
	tokens *Tokens
	spec   *spec
	log    *zap.Logger
}

// NewHandler returns the admin API over svc, for the requests that carry
// one of tokens (Authorization: Bearer SECRET). Every request but the
// OpenAPI document's is authenticated first, then validated against the
// document (openapi.yaml), then served; errors are JSON ErrorViews. A nil
// log means zap.NewNop().
func NewHandler(svc *Service, tokens *Tokens, log *zap.Logger) (http.Handler, error) {
	if svc == nil || tokens == nil {
		return nil, fmt.Errorf("%w: the handler needs a service and tokens", ErrInvalidConfig)
	}
	if log == nil {
		log = zap.NewNop()
	}
	sp, err := loadSpec()
	if err != nil {
		return nil, err
	}
	h := &handler{svc: svc, tokens: tokens, spec: sp, log: log}
	return h.routes(), nil
}

// routes is the router: every route here is a path and method of the
// OpenAPI document, and the other way round (TestRoutesMatchOpenAPI).
func (h *handler) routes() chi.Router {
	r := chi.NewRouter()
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, fmt.Errorf("%w: %s", ErrNotFound, r.URL.Path))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, fmt.Errorf("%w: %s %s", ErrMethodNotAllowed, r.Method, r.URL.Path))
	})
	r.Get("/api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, http.StatusOK, "application/json", h.spec.json)
	})
	r.Get("/api/v1/openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		writeBody(w, http.StatusOK, "application/yaml", openAPIYAML)
	})
	r.Group(func(r chi.Router) {
		// Group middlewares run once chi has routed the request, so the
		// route's pattern names its operation in the document.
		r.Use(h.authenticate, h.validate)
		r.Get("/api/v1/mailboxes", h.listMailboxes)
		r.Post("/api/v1/mailboxes", h.createMailbox)
		r.Get("/api/v1/mailboxes/{mailbox}", h.getMailbox)
		r.Patch("/api/v1/mailboxes/{mailbox}", h.updateMailbox)
		r.Delete("/api/v1/mailboxes/{mailbox}", h.deleteMailbox)
		r.Post("/api/v1/mailboxes/{mailbox}/pin", h.resetPIN)
		r.Get("/api/v1/mailboxes/{mailbox}/lockout", h.getLockout)
		r.Delete("/api/v1/mailboxes/{mailbox}/lockout", h.clearLockout)
		r.Get("/api/v1/mailboxes/{mailbox}/counts", h.getCounts)
		r.Get("/api/v1/mailboxes/{mailbox}/messages", h.listMessages)
		r.Get("/api/v1/mailboxes/{mailbox}/messages/{message}", h.getMessage)
		r.Patch("/api/v1/mailboxes/{mailbox}/messages/{message}", h.updateMessage)
		r.Delete("/api/v1/mailboxes/{mailbox}/messages/{message}", h.deleteMessage)
		r.Post("/api/v1/mailboxes/{mailbox}/messages/{message}/forward", h.forwardMessage)
		r.Get("/api/v1/mailboxes/{mailbox}/messages/{message}/audio", h.getMessageAudio)
		r.Get("/api/v1/mailboxes/{mailbox}/trash", h.listTrash)
		r.Delete("/api/v1/mailboxes/{mailbox}/trash/{message}", h.purgeMessage)
		r.Post("/api/v1/mailboxes/{mailbox}/trash/{message}/restore", h.restoreMessage)
		r.Get("/api/v1/mailboxes/{mailbox}/greetings", h.listGreetings)
		r.Get("/api/v1/mailboxes/{mailbox}/greetings/{greeting}/audio", h.getGreetingAudio)
		r.Put("/api/v1/mailboxes/{mailbox}/greetings/{greeting}/audio", h.uploadGreeting)
		r.Delete("/api/v1/mailboxes/{mailbox}/greetings/{greeting}", h.deleteGreeting)
		r.Get("/api/v1/audit", h.listAudit)
	})
	return r
}

type actorKey struct{}

// actor is who the authenticated request comes from.
func actor(r *http.Request) Actor {
	a, _ := r.Context().Value(actorKey{}).(Actor)
	return a
}

// authenticate admits a request that carries a known token, and bounds its
// body.
func (h *handler) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		name, known := "", false
		if ok {
			name, known = h.tokens.Check(strings.TrimSpace(secret))
		}
		if !known {
			h.log.Warn("admin API: request without a valid token", zap.String("security_event", "admin_auth_failed"),
				zap.String("remote", r.RemoteAddr), zap.String("method", r.Method), zap.String("path", r.URL.Path))
			w.Header().Set("WWW-Authenticate", `Bearer realm="voicemail"`)
			h.fail(w, r, ErrUnauthorized)
			return
		}
		limit := int64(maxBody)
		if r.Method+" "+chi.RouteContext(r.Context()).RoutePattern() == uploadRoute {
			limit = maxUpload
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		ctx := context.WithValue(r.Context(), actorKey{}, Actor{Name: name, Source: "api", Remote: r.RemoteAddr})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// validate refuses a request that does not fit the OpenAPI document. A
// change refused here is audited too, as one the service refuses is.
func (h *handler) validate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h.spec.validate(r); err != nil {
			if action, ok := auditActions[r.Method+" "+chi.RouteContext(r.Context()).RoutePattern()]; ok {
				target := pathParam(r, "mailbox")
				for _, p := range []string{"message", "greeting"} {
					if v := pathParam(r, p); v != "" {
						target += "/" + v
					}
				}
				h.svc.record(r.Context(), actor(r), action, target, err, "")
			}
			h.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// auditActions names the audited action of each route that changes
// something (as the service names them), for the requests refused before
// they reach it.
var auditActions = map[string]string{
	"POST /api/v1/mailboxes":                                      "mailbox.create",
	"PATCH /api/v1/mailboxes/{mailbox}":                           "mailbox.update",
	"DELETE /api/v1/mailboxes/{mailbox}":                          "mailbox.delete",
	"POST /api/v1/mailboxes/{mailbox}/pin":                        "mailbox.reset_pin",
	"DELETE /api/v1/mailboxes/{mailbox}/lockout":                  "mailbox.unlock",
	"PATCH /api/v1/mailboxes/{mailbox}/messages/{message}":        "message.update",
	"DELETE /api/v1/mailboxes/{mailbox}/messages/{message}":       "message.delete",
	"POST /api/v1/mailboxes/{mailbox}/messages/{message}/forward": "message.forward",
	"DELETE /api/v1/mailboxes/{mailbox}/trash/{message}":          "message.purge",
	"POST /api/v1/mailboxes/{mailbox}/trash/{message}/restore":    "message.restore",
	"DELETE /api/v1/mailboxes/{mailbox}/greetings/{greeting}":     "greeting.delete",
	uploadRoute: "greeting.upload",
}

// fail writes err as a JSON error with its code (Code).
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, status := Code(err)
	msg := err.Error()
	if status >= 500 {
		h.log.Error("admin API", zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.Error(err))
		if code == "internal" {
			msg = "internal error (logged)"
		}
	}
	writeJSON(w, status, ErrorView{Code: code, Message: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"code":"internal","message":"encoding the answer failed"}`)
	}
	writeBody(w, status, "application/json", append(b, '\n'))
}

func writeBody(w http.ResponseWriter, status int, contentType string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// decode reads the JSON body into v; the document has already checked it.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: body: %v", ErrInvalidRequest, err)
	}
	return nil
}

// mailboxParam is the {mailbox} of the path.
func mailboxParam(r *http.Request) (mailbox.ID, error) {
	return mailbox.ParseID(pathParam(r, "mailbox"))
}

// messageParam is the {message} of the path.
func messageParam(r *http.Request) (mailbox.MessageID, error) {
	return mailbox.ParseMessageID(pathParam(r, "message"))
}

func pathParam(r *http.Request, name string) string {
	v := chi.URLParam(r, name)
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// intParam reads an optional integer query parameter (the document has
// checked its range).
func intParam(r *http.Request, name string) int {
	n, _ := strconv.Atoi(r.URL.Query().Get(name))
	return n
}

func (h *handler) listMailboxes(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, err := h.svc.ListMailboxes(r.Context(), state.MailboxQuery{Context: q.Get("context"), Search: q.Get("q"),
		After: q.Get("after"), Limit: intParam(r, "limit")})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, mailboxPageView(page))
}

// newMailboxBody is the body of POST /mailboxes.
type newMailboxBody struct {
	Mailbox    string `json:"mailbox"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	Language   string `json:"language"`
	Review     *bool  `json:"review"`
	Hidden     bool   `json:"hidden"`
	PIN        string `json:"pin"`
	MustChange *bool  `json:"must_change"`
	// Options are the mailbox's own options; review may be given here or
	// at the top level.
	Options          state.Options `json:"options"`
	Pager            string        `json:"pager"`
	Attach           string        `json:"attach"`
	DeleteAfterEmail bool          `json:"delete_after_email"`
	Timezone         string        `json:"timezone"`
}

func (h *handler) createMailbox(w http.ResponseWriter, r *http.Request) {
	var b newMailboxBody
	if err := decode(r, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	id, err := mailbox.ParseID(b.Mailbox)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if b.Review != nil {
		b.Options.Review = b.Review
	}
	mb, pin, err := h.svc.CreateMailbox(r.Context(), actor(r), NewMailbox{ID: id, Name: b.Name, Email: b.Email,
		Language: b.Language, Options: b.Options, Hidden: b.Hidden, PIN: b.PIN, MustChange: b.MustChange,
		Notify: state.NotifySettings{Pager: b.Pager, Attach: b.Attach, DeleteAfterEmail: b.DeleteAfterEmail, Timezone: b.Timezone}})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := mailboxView(mb)
	v.PIN = pin.Generated
	w.Header().Set("Location", "/api/v1/mailboxes/"+mb.ID.String())
	writeJSON(w, http.StatusCreated, v)
}

func (h *handler) getMailbox(w http.ResponseWriter, r *http.Request) {
	id, err := mailboxParam(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d, err := h.svc.Mailbox(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := mailboxView(d.Mailbox)
	c, l := countsView(d.Counts), lockoutView(d.Lockout)
	v.Counts, v.Lockout = &c, &l
	writeJSON(w, http.StatusOK, v)
}

func (h *handler) updateMailbox(w http.ResponseWriter, r *http.Request) {
	id, err := mailboxParam(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// review may be null (back to the system's setting): read the body as
	// raw fields to tell null from absent.
	var raw map[string]json.RawMessage
	if err := decode(r, &raw); err != nil {
		h.fail(w, r, err)
		return
	}
	var u state.MailboxUpdate
	str := func(key string) (*string, error) {
		v, ok := raw[key]
		if !ok {
			return nil, nil
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalidRequest, key, err)
		}
		return &s, nil
	}
	for _, f := range []struct {
		key string
		dst **string
	}{{"name", &u.Name}, {"email", &u.Email}, {"language", &u.Language},
		{"pager", &u.Pager}, {"attach", &u.Attach}, {"timezone", &u.Timezone}} {
		if err == nil {
			*f.dst, err = str(f.key)
		}
	}
	if v, ok := raw["delete_after_email"]; ok && err == nil {
		err = json.Unmarshal(v, &u.DeleteAfterEmail)
	}
	opts := map[string]json.RawMessage{}
	if v, ok := raw["options"]; ok && err == nil {
		err = json.Unmarshal(v, &opts)
	}
	if v, ok := raw["review"]; ok && err == nil {
		opts["review"] = v
	}
	if err == nil {
		u.Options, u.Reset, err = optionChanges(opts)
	}
	if v, ok := raw["hidden"]; ok && err == nil {
		u.Hidden = new(bool)
		err = json.Unmarshal(v, u.Hidden)
	}
	if err != nil {
		h.fail(w, r, fmt.Errorf("%w: %v", ErrInvalidRequest, err))
		return
	}
	mb, err := h.svc.UpdateMailbox(r.Context(), actor(r), id, u)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, mailboxView(mb))
}

// optionChanges reads the options of a PATCH: null puts an option back
// on the system's setting, true/false or a number sets it.
func optionChanges(raw map[string]json.RawMessage) (state.Options, []string, error) {
	var o state.Options
	var reset []string
	for key, v := range raw {
		text := strings.TrimSpace(string(v))
		if text == "null" {
			reset = append(reset, key)
			if _, err := o.Set(key, ""); err != nil {
				return o, nil, err
			}
			continue
		}
		var val any
		if err := json.Unmarshal(v, &val); err != nil {
			return o, nil, fmt.Errorf("options.%s: %v", key, err)
		}
		switch val.(type) {
		case bool, float64:
		default:
			return o, nil, fmt.Errorf("options.%s: want true, false, a number or null", key)
		}
		var err error
		if o, err = o.Set(key, text); err != nil {
			return o, nil, err
		}
	}
	sort.Strings(reset)
	return o, reset, nil
}

func (h *handler) deleteMailbox(w http.ResponseWriter, r *http.Request) {
	id, err := mailboxParam(r)
	if err == nil {
		err = h.svc.DeleteMailbox(r.Context(), actor(r), id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// pinBody is the body of POST /mailboxes/{mailbox}/pin.
type pinBody struct {
	PIN        string `json:"pin"`
	MustChange *bool  `json:"must_change"`
}

func (h *handler) resetPIN(w http.ResponseWriter, r *http.Request) {
	id, err := mailboxParam(r)
	var b pinBody
	if err == nil {
		err = decode(r, &b)
	}
	var res PINResult
	if err == nil {
		res, err = h.svc.ResetPIN(r.Context(), actor(r), id, PINReset{PIN: b.PIN, MustChange: b.MustChange})
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, PINResultView{Mailbox: id.String(), MustChange: res.MustChange, PIN: res.Generated})
}

func (h *handler) getLockout(w http.ResponseWriter, r *http.Request) {
	id, err := mailboxParam(r)
	var l state.Lockout
	if err == nil {
		l, err = h.svc.Lockout(r.Context(), id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, lockoutView(l))
}

func (h *handler) clearLockout(w http.ResponseWriter, r *http.Request) {
	id, err := mailboxParam(r)
	var was bool
	if err == nil {
		was, err = h.svc.Unlock(r.Context(), actor(r), id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, UnlockedView{Mailbox: id.String(), WasLocked: was})
}

func (h *handler) getCounts(w http.ResponseWriter, r *http.Request) {
	id, err := mailboxParam(r)
	var c state.Counts
	if err == nil {
		c, err = h.svc.Counts(r.Context(), id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, countsView(c))
}

func (h *handler) listMessages(w http.ResponseWriter, r *http.Request) {
	id, err := mailboxParam(r)
	var folder *mailbox.Folder
	if name := r.URL.Query().Get("folder"); name != "" && err == nil {
		var f mailbox.Folder
		f, err = ParseFolderName(name)
		folder = &f
	}
	var msgs []state.Message
	if err == nil {
		msgs, err = h.svc.Messages(r.Context(), id, folder)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, messageListView(msgs))
}

// messageIDs reads both ids of a message path.
func messageIDs(r *http.Request) (mailbox.ID, mailbox.MessageID, error) {
	id, err := mailboxParam(r)
	if err != nil {
		return mailbox.ID{}, "", err
	}
	msg, err := messageParam(r)
	return id, msg, err
}

func (h *handler) getMessage(w http.ResponseWriter, r *http.Request) {
	id, msg, err := messageIDs(r)
	var m state.Message
	if err == nil {
		m, err = h.svc.Message(r.Context(), id, msg)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, messageView(m))
}

// messageBody is the body of PATCH /mailboxes/{mailbox}/messages/{message}.
type messageBody struct {
	Folder *string `json:"folder"`
	Heard  *bool   `json:"heard"`
}

func (h *handler) updateMessage(w http.ResponseWriter, r *http.Request) {
	id, msg, err := messageIDs(r)
	var b messageBody
	if err == nil {
		err = decode(r, &b)
	}
	var m state.Message
	switch {
	case err != nil:
	case (b.Folder == nil) == (b.Heard == nil):
		err = fmt.Errorf("%w: give folder or heard", ErrInvalidRequest)
	case b.Folder != nil:
		var f mailbox.Folder
		if f, err = ParseFolderName(*b.Folder); err == nil {
			m, err = h.svc.MoveMessage(r.Context(), actor(r), id, msg, f)
		}
	default:
		m, err = h.svc.MarkHeard(r.Context(), actor(r), id, msg, *b.Heard)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, messageView(m))
}

func (h *handler) forwardMessage(w http.ResponseWriter, r *http.Request) {
	id, msg, err := messageIDs(r)
	var b struct {
		To string `json:"to"`
	}
	if err == nil {
		err = decode(r, &b)
	}
	var to mailbox.ID
	if err == nil {
		to, err = mailbox.ParseID(b.To)
	}
	var c state.Message
	if err == nil {
		c, err = h.svc.ForwardMessage(r.Context(), actor(r), id, msg, to)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, messageView(c))
}

func (h *handler) deleteMessage(w http.ResponseWriter, r *http.Request) {
	id, msg, err := messageIDs(r)
	if err == nil {
		err = h.svc.DeleteMessage(r.Context(), actor(r), id, msg)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) listTrash(w http.ResponseWriter, r *http.Request) {
	id, err := mailboxParam(r)
	var msgs []state.Message
	if err == nil {
		msgs, err = h.svc.Trash(r.Context(), id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, messageListView(msgs))
}

func (h *handler) restoreMessage(w http.ResponseWriter, r *http.Request) {
	id, msg, err := messageIDs(r)
	var m state.Message
	if err == nil {
		m, err = h.svc.RestoreMessage(r.Context(), actor(r), id, msg)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, messageView(m))
}

func (h *handler) purgeMessage(w http.ResponseWriter, r *http.Request) {
	id, msg, err := messageIDs(r)
	if err == nil {
		err = h.svc.PurgeMessage(r.Context(), actor(r), id, msg)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) getMessageAudio(w http.ResponseWriter, r *http.Request) {
	id, msg, err := messageIDs(r)
	var b []byte
	if err == nil {
		b, err = h.svc.MessageAudio(r.Context(), id, msg)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.wav"`, msg))
	writeBody(w, http.StatusOK, "audio/wav", b)
}

func (h *handler) listAudit(w http.ResponseWriter, r *http.Request) {
	entries, next, err := h.svc.Audit(r.Context(), r.URL.Query().Get("before"), intParam(r, "limit"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, auditPageView(entries, next))
}

// GreetingsView says which greetings a mailbox has recorded.
type GreetingsView struct {
	Mailbox   string          `json:"mailbox"`
	Greetings map[string]bool `json:"greetings"`
}

func (h *handler) listGreetings(w http.ResponseWriter, r *http.Request) {
	id, err := mailboxParam(r)
	var got map[string]bool
	if err == nil {
		got, err = h.svc.Greetings(r.Context(), id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, GreetingsView{Mailbox: id.String(), Greetings: got})
}

// greetingIDs reads both parts of a greeting path.
func greetingIDs(r *http.Request) (mailbox.ID, mailbox.Greeting, error) {
	id, err := mailboxParam(r)
	if err != nil {
		return mailbox.ID{}, "", err
	}
	g, err := ParseGreetingName(pathParam(r, "greeting"))
	return id, g, err
}

func (h *handler) getGreetingAudio(w http.ResponseWriter, r *http.Request) {
	id, g, err := greetingIDs(r)
	var b []byte
	if err == nil {
		b, err = h.svc.GreetingAudio(r.Context(), id, g)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.wav"`, id.Number, greetingName(g)))
	writeBody(w, http.StatusOK, "audio/wav", b)
}

func (h *handler) deleteGreeting(w http.ResponseWriter, r *http.Request) {
	id, g, err := greetingIDs(r)
	if err == nil {
		err = h.svc.DeleteGreeting(r.Context(), actor(r), id, g)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// uploadGreeting takes a WAV or MP3 file as the body (audio/wav or
// audio/mpeg; the content is sniffed, not trusted) and makes it the
// greeting.
func (h *handler) uploadGreeting(w http.ResponseWriter, r *http.Request) {
	id, g, err := greetingIDs(r)
	var body []byte
	if err == nil {
		body, err = io.ReadAll(r.Body)
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			err = fmt.Errorf("%w: over %d bytes", audioconv.ErrTooLarge, tooBig.Limit)
		} else if err != nil {
			err = fmt.Errorf("%w: body: %v", ErrInvalidRequest, err)
		}
	}
	if err != nil {
		h.svc.record(r.Context(), actor(r), "greeting.upload", pathParam(r, "mailbox")+"/"+pathParam(r, "greeting"), err, "")
		h.fail(w, r, err)
		return
	}
	out, err := h.svc.UploadGreeting(r.Context(), actor(r), id, g, body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
