package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/admin"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

// The administrators' pages, over the admin API's operations. An
// administrator signs in with an admin API token (admin.tokens): the
// accounts are the API's, never a mailbox PIN.

func (h *Handler) adminLoginPage(w http.ResponseWriter, r *http.Request) {
	h.showLogin(w, r, http.StatusOK, loginForm{Action: "/admin/login", Admin: true}, "")
}

// adminFailDelay slows every refused token a little: with 256-bit tokens
// guessing is hopeless anyway, this keeps a flood cheap for the server.
const adminFailDelay = 500 * time.Millisecond

func (h *Handler) adminLogin(w http.ResponseWriter, r *http.Request) {
	if !h.preCSRFOK(r) {
		h.csrfRefused(w, r, requestLang(r))
		return
	}
	name, ok := h.tokens.Check(strings.TrimSpace(r.PostFormValue("token")))
	if !ok {
		h.log.Warn("web: administrator sign-in with an unknown token", zap.String("security_event", "web_admin_auth_failed"), zap.String("remote", r.RemoteAddr))
		select {
		case <-time.After(adminFailDelay):
		case <-r.Context().Done():
		}
		h.showLogin(w, r, http.StatusUnauthorized, loginForm{Action: "/admin/login", Admin: true}, "admin.wrong")
		return
	}
	lang := pickLang(r.PostFormValue("lang"), r.Header.Get("Accept-Language"))
	h.startSession(w, r, Session{Kind: kindAdmin, Admin: name, Lang: lang}, "/admin/mailboxes")
}

// adminPage is a page of a signed-in administrator.
func (h *Handler) adminPage(r *http.Request, title, nav string, body any) page {
	c := sessionOf(r)
	return page{Lang: c.Lang, Title: title, Who: c.Admin, Nav: nav, Sess: &c.Session, CSRF: c.CSRF,
		Flash: flashOf(r, c.Lang), Error: noticeOf(r, "err", c.Lang), Body: body}
}

type mailboxRow struct {
	ID, Name, Email string
	New, Old        int
}

type mailboxesBody struct {
	Query, Next, Generated string
	Mailboxes              []mailboxRow
}

func (h *Handler) adminMailboxes(w http.ResponseWriter, r *http.Request) {
	h.showMailboxes(w, r, http.StatusOK, "", "")
}

func (h *Handler) showMailboxes(w http.ResponseWriter, r *http.Request, status int, generated, errText string) {
	c := sessionOf(r)
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	pg, err := h.svc.ListMailboxes(r.Context(), state.MailboxQuery{Search: q, After: r.URL.Query().Get("after"), Limit: 50})
	if err != nil {
		h.serviceError(w, r, err)
		return
	}
	body := mailboxesBody{Query: q, Next: pg.Next, Generated: generated}
	for _, e := range pg.Mailboxes {
		body.Mailboxes = append(body.Mailboxes, mailboxRow{ID: e.Mailbox.ID.String(), Name: e.Mailbox.Name,
			Email: e.Mailbox.Email, New: e.Counts.New, Old: e.Counts.Old})
	}
	p := h.adminPage(r, word(c.Lang, "nav.mailboxes"), "mailboxes", body)
	p.Error = errText
	h.render(w, status, "admin-mailboxes", p)
}

// failReason is an error of the admin service as a person reads it: its
// last part, which names the rule broken and never a PIN.
func failReason(err error) string { return pinReason(err) }

func (h *Handler) adminCreate(w http.ResponseWriter, r *http.Request) {
	c := sessionOf(r)
	id, err := mailbox.ParseID(strings.TrimSpace(r.PostFormValue("mailbox")))
	var res admin.PINResult
	if err == nil {
		_, res, err = h.svc.CreateMailbox(r.Context(), webActor(r), admin.NewMailbox{ID: id,
			Name: strings.TrimSpace(r.PostFormValue("name")), Email: strings.TrimSpace(r.PostFormValue("email")),
			PIN: r.PostFormValue("pin")})
	}
	if _, status := admin.Code(err); err != nil && status < 500 {
		h.showMailboxes(w, r, status, "", word(c.Lang, "set.invalid")+failReason(err))
		return
	}
	if err != nil {
		h.serviceError(w, r, err)
		return
	}
	if res.Generated != "" {
		// Shown once, in this answer, never in a URL.
		h.showMailbox(w, r, id, res.Generated, "adm.created")
		return
	}
	http.Redirect(w, r, "/admin/mailboxes/"+url.PathEscape(id.String())+"?ok=adm.created", http.StatusSeeOther)
}

type mailboxBody struct {
	ID, Name, Email, Language, Generated, Remaining string
	Attach, Timezone                                string
	Attaches                                        []string
	New, Old, Failures                              int
	Locked                                          bool
}

func (h *Handler) adminMailbox(w http.ResponseWriter, r *http.Request) {
	id, err := mailbox.ParseID(chi.URLParam(r, "mailbox"))
	if err != nil {
		h.serviceError(w, r, err)
		return
	}
	h.showMailbox(w, r, id, "", "")
}

func (h *Handler) showMailbox(w http.ResponseWriter, r *http.Request, id mailbox.ID, generated, flash string) {
	c := sessionOf(r)
	d, err := h.svc.Mailbox(r.Context(), id)
	if err != nil {
		h.serviceError(w, r, err)
		return
	}
	body := mailboxBody{ID: id.String(), Name: d.Mailbox.Name, Email: d.Mailbox.Email, Language: d.Mailbox.Language,
		Attach: d.Mailbox.Notify.Attach, Timezone: d.Mailbox.Notify.Timezone, Attaches: attachFormats,
		Generated: generated, New: d.Counts.New, Old: d.Counts.Old, Failures: d.Lockout.Failures,
		Locked: d.Lockout.Remaining > 0, Remaining: d.Lockout.Remaining.Round(time.Second).String()}
	title := id.String()
	if d.Mailbox.Name != "" {
		title += " · " + d.Mailbox.Name
	}
	p := h.adminPage(r, title, "mailboxes", body)
	if flash != "" {
		p.Flash = word(c.Lang, flash)
	}
	h.render(w, http.StatusOK, "admin-mailbox", p)
}

// mailboxPath is the page of a mailbox with a notice.
func mailboxPath(id mailbox.ID, ok string) string {
	return "/admin/mailboxes/" + url.PathEscape(id.String()) + "?ok=" + ok
}

func (h *Handler) adminUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := mailbox.ParseID(chi.URLParam(r, "mailbox"))
	if err == nil {
		name := strings.TrimSpace(r.PostFormValue("name"))
		email := strings.TrimSpace(r.PostFormValue("email"))
		lang := strings.TrimSpace(r.PostFormValue("language"))
		attach := r.PostFormValue("attach")
		tz := strings.TrimSpace(r.PostFormValue("timezone"))
		_, err = h.svc.UpdateMailbox(r.Context(), webActor(r), id, state.MailboxUpdate{Name: &name, Email: &email, Language: &lang,
			Attach: &attach, Timezone: &tz})
	}
	if err != nil {
		h.serviceError(w, r, err)
		return
	}
	http.Redirect(w, r, mailboxPath(id, "adm.saved"), http.StatusSeeOther)
}

func (h *Handler) adminResetPIN(w http.ResponseWriter, r *http.Request) {
	id, err := mailbox.ParseID(chi.URLParam(r, "mailbox"))
	var res admin.PINResult
	if err == nil {
		res, err = h.svc.ResetPIN(r.Context(), webActor(r), id, admin.PINReset{PIN: r.PostFormValue("pin")})
	}
	if err != nil {
		h.serviceError(w, r, err)
		return
	}
	h.showMailbox(w, r, id, res.Generated, "adm.saved")
}

func (h *Handler) adminUnlock(w http.ResponseWriter, r *http.Request) {
	id, err := mailbox.ParseID(chi.URLParam(r, "mailbox"))
	if err == nil {
		_, err = h.svc.Unlock(r.Context(), webActor(r), id)
	}
	if err != nil {
		h.serviceError(w, r, err)
		return
	}
	http.Redirect(w, r, mailboxPath(id, "adm.unlocked"), http.StatusSeeOther)
}

func (h *Handler) adminDelete(w http.ResponseWriter, r *http.Request) {
	id, err := mailbox.ParseID(chi.URLParam(r, "mailbox"))
	if err == nil {
		err = h.svc.DeleteMailbox(r.Context(), webActor(r), id)
	}
	if err != nil && !errors.Is(err, state.ErrNotReplicated) {
		h.serviceError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/mailboxes?ok=adm.deleted", http.StatusSeeOther)
}

type auditRow struct {
	Date, ISO, Actor, Source, Action, Target, Result string
}

type auditBody struct {
	Entries []auditRow
	Next    string
}

func (h *Handler) adminAudit(w http.ResponseWriter, r *http.Request) {
	c := sessionOf(r)
	entries, next, err := h.svc.Audit(r.Context(), r.URL.Query().Get("before"), 100)
	if err != nil {
		h.serviceError(w, r, err)
		return
	}
	body := auditBody{Next: next}
	for _, e := range entries {
		t := e.Time.In(h.tz)
		body.Entries = append(body.Entries, auditRow{Date: t.Format("2006-01-02 15:04:05"), ISO: t.Format(time.RFC3339),
			Actor: e.Actor, Source: e.Source, Action: e.Action, Target: e.Target, Result: e.Result})
	}
	h.render(w, http.StatusOK, "admin-audit", h.adminPage(r, word(c.Lang, "nav.audit"), "audit", body))
}

// outboxRow is a notification on the outbox page.
type outboxRow struct {
	Mailbox, ID, Message, Target, Caller, Date, ISO, Reason string
	Attempts                                                int
}

type outboxBody struct {
	Dead, Pending []outboxRow
}

// adminOutbox lists the email notifications given up on (dead letters)
// and those waiting, as 'voicemail mail list' does, with a retry and a
// drop button for each.
func (h *Handler) adminOutbox(w http.ResponseWriter, r *http.Request) {
	c := sessionOf(r)
	rep, err := h.svc.Outbox(r.Context())
	if err != nil {
		h.serviceError(w, r, err)
		return
	}
	row := func(n state.Notification, at time.Time, reason string) outboxRow {
		t := at.In(h.tz)
		caller := n.CallerNum
		if n.CallerName != "" {
			caller = strings.TrimSpace(n.CallerName + " " + caller)
		}
		return outboxRow{Mailbox: n.Mailbox.String(), ID: n.ID, Message: n.MessageID, Target: n.Target, Caller: caller,
			Date: t.Format("2006-01-02 15:04:05"), ISO: t.Format(time.RFC3339), Reason: reason, Attempts: n.Attempts}
	}
	var body outboxBody
	for _, d := range rep.Dead {
		body.Dead = append(body.Dead, row(d.Notification, d.DeadAt, d.Reason))
	}
	for _, n := range rep.Pending {
		body.Pending = append(body.Pending, row(n, n.Received, n.LastError))
	}
	h.render(w, http.StatusOK, "admin-outbox", h.adminPage(r, word(c.Lang, "nav.outbox"), "outbox", body))
}

// adminOutboxAction retries or drops one notification.
func (h *Handler) adminOutboxAction(w http.ResponseWriter, r *http.Request) {
	id, err := mailbox.ParseID(chi.URLParam(r, "mailbox"))
	if err != nil {
		h.failPage(w, r, http.StatusNotFound, sessionOf(r).Lang, "err.generic")
		return
	}
	n := chi.URLParam(r, "notification")
	ok := "out.retried"
	if chi.URLParam(r, "action") == "drop" {
		err, ok = h.svc.DropNotification(r.Context(), webActor(r), id, n), "out.dropped"
	} else {
		err = h.svc.RetryNotification(r.Context(), webActor(r), id, n)
	}
	switch {
	case errors.Is(err, state.ErrNotificationNotFound):
		http.Redirect(w, r, "/admin/outbox?err=out.gone", http.StatusSeeOther)
	case err != nil:
		h.serviceError(w, r, err)
	default:
		http.Redirect(w, r, "/admin/outbox?ok="+ok, http.StatusSeeOther)
	}
}

// outboxTableData is what the outbox-rows template shows: one table.
type outboxTableData struct {
	Lang, CSRF, Caption string
	Rows                []outboxRow
}

// outboxTable is the data of one table of the outbox page.
func outboxTable(p page, rows []outboxRow, caption string) outboxTableData {
	return outboxTableData{Lang: p.Lang, CSRF: p.CSRF, Caption: word(p.Lang, caption), Rows: rows}
}
