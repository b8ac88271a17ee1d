package web

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"go.uber.org/zap"

	"github.com/clusterpbx/voicemail/admin"
	"github.com/clusterpbx/voicemail/audioconv"
	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

// preCSRFCookie holds the CSRF token of the sign-in forms (a double
// submit: there is no session yet).
const preCSRFCookie = "vm_csrf"

// loginForm is the body of the sign-in page.
type loginForm struct {
	Action  string
	Admin   bool
	Mailbox string
}

// preCSRF returns the sign-in forms' CSRF token, setting its cookie when
// the browser has none.
func (h *Handler) preCSRF(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(preCSRFCookie); err == nil && len(ck.Value) == 43 {
		return ck.Value
	}
	tok := randomToken()
	h.setCookie(w, preCSRFCookie, tok, 0)
	return tok
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	h.showLogin(w, r, http.StatusOK, loginForm{Action: "/login"}, "")
}

func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request, status int, f loginForm, errKey string) {
	lang := requestLang(r)
	if q := r.URL.Query().Get("lang"); q == lang {
		h.setCookie(w, "vm_lang", lang, 365*24*3600)
	}
	title := "login.title"
	if f.Admin {
		title = "admin.login"
	}
	p := page{Lang: lang, Title: word(lang, title), CSRF: h.preCSRF(w, r), Body: f}
	if errKey != "" {
		p.Error = word(lang, errKey)
	} else if r.URL.Query().Get("expired") != "" {
		p.Flash = word(lang, "login.expired")
	}
	h.render(w, status, "login", p)
}

// preCSRFOK checks a sign-in form's CSRF token against its cookie.
func (h *Handler) preCSRFOK(r *http.Request) bool {
	ck, err := r.Cookie(preCSRFCookie)
	return err == nil && h.csrfOK(r, ck.Value)
}

// login signs an owner in with the mailbox and PIN: the phone's check,
// lockout and limits (admin.Service.Login), the client's address counted
// like a calling number.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if !h.preCSRFOK(r) {
		h.csrfRefused(w, r, requestLang(r))
		return
	}
	lang := pickLang(r.PostFormValue("lang"), r.Header.Get("Accept-Language"))
	f := loginForm{Action: "/login", Mailbox: strings.TrimSpace(r.PostFormValue("mailbox"))}
	id, err := mailbox.ParseID(f.Mailbox)
	if err != nil {
		h.showLogin(w, r, http.StatusUnauthorized, f, "login.wrong")
		return
	}
	mb, err := h.svc.Login(r.Context(), admin.OwnerActor(id, "web", r.RemoteAddr), id, r.PostFormValue("pin"), "web-"+remoteIP(r))
	switch {
	case errors.Is(err, state.ErrLocked):
		h.showLogin(w, r, http.StatusTooManyRequests, f, "login.locked")
		return
	case errors.Is(err, state.ErrWrongPIN), errors.Is(err, state.ErrMailboxNotFound):
		// The same answer for both: the page does not tell which mailboxes
		// exist.
		h.showLogin(w, r, http.StatusUnauthorized, f, "login.wrong")
		return
	case err != nil:
		h.log.Error("web: login", zap.Stringer("mailbox", id), zap.Error(err))
		h.showLogin(w, r, http.StatusServiceUnavailable, f, "err.generic")
		return
	}
	if mb.Language != "" {
		lang = pickLang(mb.Language)
	}
	h.startSession(w, r, Session{Kind: kindOwner, Mailbox: id.String(), Lang: lang, MustChangePIN: mb.PINIsDefault}, "/folders/new")
}

// startSession stores a new session (a new token: no fixation), sets its
// cookie and redirects to next.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, s Session, next string) {
	token, _, err := h.sess.create(r.Context(), s)
	if err != nil {
		h.log.Error("web: session", zap.Error(err))
		h.failPage(w, r, http.StatusServiceUnavailable, s.Lang, "err.generic")
		return
	}
	h.setCookie(w, h.cookie, token, 0)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the session; a stale form still signs out.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	next := "/login"
	if ck, err := r.Cookie(h.cookie); err == nil {
		if s, err := h.sess.get(r.Context(), ck.Value, false); err == nil {
			if !h.csrfOK(r, s.CSRF) {
				h.csrfRefused(w, r, s.Lang)
				return
			}
			if s.Kind == kindAdmin {
				next = "/admin/login"
			}
			if err := h.sess.delete(r.Context(), ck.Value); err != nil {
				h.log.Warn("web: logout", zap.Error(err))
			}
		}
	}
	h.setCookie(w, h.cookie, "", -1)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// ownerID is the signed-in owner's mailbox.
func ownerID(r *http.Request) mailbox.ID {
	id, _ := mailbox.ParseID(sessionOf(r).Mailbox)
	return id
}

// ownerPage is a page of a signed-in owner.
func (h *Handler) ownerPage(r *http.Request, title, nav string, body any) page {
	c := sessionOf(r)
	return page{Lang: c.Lang, Title: title, Who: c.Mailbox, Nav: nav, Sess: &c.Session, CSRF: c.CSRF,
		Flash: flashOf(r, c.Lang), Error: noticeOf(r, "err", c.Lang), Body: body}
}

// folderEntry is a folder in the folder list.
type folderEntry struct {
	Slug, Label string
	Count       int
	Current     bool
}

// messageEntry is a message in the list.
type messageEntry struct {
	ID, Caller, Date, ISO, Duration string
	// Transcript is the automatic transcript, "" for none.
	Transcript                  string
	Urgent, Heard, CanMarkHeard bool
}

// messageLabels are the texts of each message's controls, looked up once
// per page rather than once per message.
type messageLabels struct {
	Urgent, Duration, Play, Download, DownloadMP3, Transcript, Heard, Unheard, MoveTo, Move, Confirm, Delete string
	ForwardTo, Forward                                                                                       string
	// MP3 is whether downloads may be MP3 (Config.Lame).
	MP3 bool
}

type folderBody struct {
	L messageLabels
	// MoveOptions are the <option>s of the folders a message can move to,
	// escaped once per page.
	MoveOptions template.HTML
	Slug        string
	Folders     []folderEntry
	Messages    []messageEntry
}

// slug is a folder as the URLs name it.
func slug(f mailbox.Folder) string { return strings.ToLower(f.String()) }

// location is the zone of an owner's dates.
func (h *Handler) location(mb state.Mailbox) *time.Location {
	if mb.Notify.Timezone != "" {
		if loc, err := time.LoadLocation(mb.Notify.Timezone); err == nil {
			return loc
		}
	}
	return h.tz
}

// dateFormat is how each language writes a message's date.
var dateFormat = map[string]string{"en": "Mon 2 Jan 2006, 15:04", "fr": "02/01/2006 15:04"}

func (h *Handler) folderPage(w http.ResponseWriter, r *http.Request) {
	c := sessionOf(r)
	id := ownerID(r)
	f, err := admin.ParseFolderName(chi.URLParam(r, "folder"))
	if err != nil {
		h.failPage(w, r, http.StatusNotFound, c.Lang, "err.generic")
		return
	}
	d, err := h.svc.Mailbox(r.Context(), id)
	var msgs []state.Message
	if err == nil {
		msgs, err = h.svc.Messages(r.Context(), id, &f)
	}
	if err != nil {
		h.serviceError(w, r, err)
		return
	}
	// Indexed by mailbox.Folder, in mailbox.AllFolders' order.
	counts := []int{d.Counts.New, d.Counts.Old, d.Counts.Work, d.Counts.Family, d.Counts.Friends, d.Counts.Urgent}
	w8 := func(k string) string { return word(c.Lang, k) }
	body := folderBody{Slug: slug(f), L: messageLabels{Urgent: w8("msg.urgent"), Duration: w8("msg.duration"),
		Play: w8("msg.play"), Download: w8("msg.download"), DownloadMP3: w8("msg.download.mp3"), Transcript: w8("msg.transcript"),
		Heard: w8("msg.heard"), Unheard: w8("msg.unheard"), MoveTo: w8("msg.moveto"), Move: w8("msg.move"),
		Confirm: w8("msg.confirm"), Delete: w8("msg.delete"), ForwardTo: w8("msg.forwardto"), Forward: w8("msg.forward"),
		MP3: h.cfg.Lame != ""}}
	for i, folder := range mailbox.AllFolders {
		body.Folders = append(body.Folders, folderEntry{Slug: slug(folder), Label: word(c.Lang, "folder."+folder.String()),
			Count: counts[i], Current: folder == f})
	}
	var opts strings.Builder
	for _, fe := range body.Folders {
		if !fe.Current {
			fmt.Fprintf(&opts, `<option value="%s">%s</option>`, html.EscapeString(fe.Slug), html.EscapeString(fe.Label))
		}
	}
	body.MoveOptions = template.HTML(opts.String()) // #nosec G203 -- escaped above
	loc := h.location(d.Mailbox)
	// Newest first, as a mail reader lists them.
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		caller := callerName(m, c.Lang)
		t := m.Received.In(loc)
		body.Messages = append(body.Messages, messageEntry{ID: m.ID, Caller: caller, Date: t.Format(dateFormat[c.Lang]),
			ISO: t.Format(time.RFC3339), Duration: minSec(m.Duration), Urgent: m.Urgent, Transcript: m.Transcript,
			Heard: m.Folder == mailbox.FolderOld, CanMarkHeard: m.Folder.Unheard() || m.Folder == mailbox.FolderOld})
	}
	p := h.ownerPage(r, fmt.Sprintf("%s (%d)", word(c.Lang, "folder."+f.String()), counts[f]), "folders", body)
	p.Live = true
	if undo, err := mailbox.ParseMessageID(r.URL.Query().Get("undo")); err == nil && p.Flash != "" {
		p.Undo = string(undo)
	}
	h.render(w, http.StatusOK, "folder", p)
}

// minSec is a message's length as the pages show it: m:ss.
func minSec(d time.Duration) string {
	secs := int(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d", secs/60, secs%60)
}

// callerName is who left message m, as the pages show it.
func callerName(m state.Message, lang string) string {
	caller := strings.TrimSpace(m.CallerName)
	switch {
	case caller != "" && m.CallerNum != "":
		caller += " <" + m.CallerNum + ">"
	case m.CallerNum != "":
		caller = m.CallerNum
	case caller == "":
		caller = word(lang, "msg.unknown")
	}
	return caller
}

// serviceError answers an error of the admin service.
func (h *Handler) serviceError(w http.ResponseWriter, r *http.Request, err error) {
	code, status := admin.Code(err)
	if status >= 500 {
		h.log.Error("web", zap.String("path", r.URL.Path), zap.Error(err))
	}
	lang := sessionOf(r).Lang
	if lang == "" {
		lang = requestLang(r)
	}
	_ = code
	h.failPage(w, r, status, lang, "err.generic")
}

// messageParam is the {message} of the path.
func messageParam(r *http.Request) (mailbox.MessageID, error) {
	return mailbox.ParseMessageID(chi.URLParam(r, "message"))
}

// messageAudio serves a message's audio with range requests (seeking,
// and Safari, which plays nothing without them); ?download=1 makes it an
// attachment.
func (h *Handler) messageAudio(w http.ResponseWriter, r *http.Request) {
	id := ownerID(r)
	msg, err := messageParam(r)
	var m state.Message
	if err == nil {
		m, err = h.svc.Message(r.Context(), id, msg)
	}
	var b []byte
	if err == nil {
		b, err = h.svc.MessageAudio(r.Context(), id, msg)
	}
	if err != nil {
		_, status := admin.Code(err)
		http.Error(w, http.StatusText(status), status)
		return
	}
	if r.URL.Query().Get("format") == "mp3" && h.cfg.Lame != "" {
		mp3, err := audioconv.MP3(r.Context(), h.cfg.Lame, b)
		if err != nil {
			h.log.Error("web: MP3 download", zap.String("message", string(msg)), zap.Error(err))
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		serveAudio(w, r, "audio/mpeg", string(msg)+".mp3", m.Received, mp3)
		return
	}
	serveWAV(w, r, string(msg)+".wav", m.Received, b)
}

// serveWAV serves audio with http.ServeContent (Range, If-Range,
// If-Modified-Since).
func serveWAV(w http.ResponseWriter, r *http.Request, name string, mod time.Time, b []byte) {
	serveAudio(w, r, "audio/wav", name, mod, b)
}

// serveAudio serves audio of a type as serveWAV does.
func serveAudio(w http.ResponseWriter, r *http.Request, typ, name string, mod time.Time, b []byte) {
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Cache-Control", "private, max-age=300")
	if r.URL.Query().Get("download") != "" {
		w.Header().Set("Content-Disposition", "attachment; filename=\""+name+"\"")
	}
	http.ServeContent(w, r, name, mod, bytes.NewReader(b))
}

// back is the folder page a message action returns to, with a notice.
func back(r *http.Request, ok string) string {
	f, err := admin.ParseFolderName(r.PostFormValue("back"))
	if err != nil {
		f = mailbox.FolderNew
	}
	return "/folders/" + slug(f) + "?ok=" + url.QueryEscape(ok)
}

// webActor is the audit trail's actor of a signed-in browser.
func webActor(r *http.Request) admin.Actor {
	c := sessionOf(r)
	if c.Kind == kindAdmin {
		return admin.Actor{Name: c.Admin, Source: "web", Remote: r.RemoteAddr}
	}
	return admin.OwnerActor(ownerID(r), "web", r.RemoteAddr)
}

func (h *Handler) moveMessage(w http.ResponseWriter, r *http.Request) {
	msg, err := messageParam(r)
	var to mailbox.Folder
	if err == nil {
		to, err = admin.ParseFolderName(r.PostFormValue("folder"))
	}
	if err == nil {
		_, err = h.svc.MoveMessage(r.Context(), webActor(r), ownerID(r), msg, to)
	}
	if err != nil {
		h.serviceError(w, r, err)
		return
	}
	http.Redirect(w, r, back(r, "msg.moved"), http.StatusSeeOther)
}

func (h *Handler) markHeard(w http.ResponseWriter, r *http.Request) {
	msg, err := messageParam(r)
	if err == nil {
		_, err = h.svc.MarkHeard(r.Context(), webActor(r), ownerID(r), msg, r.PostFormValue("heard") == "1")
	}
	if err != nil {
		h.serviceError(w, r, err)
		return
	}
	http.Redirect(w, r, back(r, "msg.marked"), http.StatusSeeOther)
}

// forwardMessage copies a message into another mailbox (the phone's
// option 8): a number alone is in the owner's context.
func (h *Handler) forwardMessage(w http.ResponseWriter, r *http.Request) {
	msg, err := messageParam(r)
	if err != nil {
		h.serviceError(w, r, err)
		return
	}
	own := ownerID(r)
	to, err := forwardTarget(strings.TrimSpace(r.PostFormValue("to")), own.Context)
	if err == nil {
		_, err = h.svc.ForwardMessage(r.Context(), webActor(r), own, msg, to)
	}
	var key string
	switch {
	case err == nil:
		http.Redirect(w, r, back(r, "msg.forwarded"), http.StatusSeeOther)
		return
	case errors.Is(err, mailbox.ErrInvalidID), errors.Is(err, state.ErrMailboxNotFound):
		key = "fwd.unknown"
	case errors.Is(err, admin.ErrForwardToSelf):
		key = "fwd.self"
	case errors.Is(err, state.ErrMailboxFull):
		key = "fwd.full"
	default:
		h.serviceError(w, r, err)
		return
	}
	http.Redirect(w, r, back(r, "")+"&err="+key, http.StatusSeeOther)
}

// forwardTarget is the mailbox a forward form names: NUMBER or
// NUMBER@CONTEXT, a number alone in context.
func forwardTarget(s, context string) (mailbox.ID, error) {
	if s == "" {
		return mailbox.ID{}, mailbox.ErrInvalidID
	}
	if !strings.Contains(s, "@") {
		s += "@" + context
	}
	return mailbox.ParseID(s)
}

// deleteMessage deletes a message to the trash; the folder page it returns
// to offers to undo it.
func (h *Handler) deleteMessage(w http.ResponseWriter, r *http.Request) {
	msg, err := messageParam(r)
	if err == nil {
		err = h.svc.DeleteMessage(r.Context(), webActor(r), ownerID(r), msg)
	}
	if err != nil {
		h.serviceError(w, r, err)
		return
	}
	http.Redirect(w, r, back(r, "msg.deleted")+"&undo="+url.QueryEscape(string(msg)), http.StatusSeeOther)
}

// trashEntry is a message in the trash.
type trashEntry struct {
	ID, Caller, Date, Deleted, DeletedISO, Duration, Folder string
}

type trashBody struct {
	Messages []trashEntry
	// KeepDays is how many days the janitor keeps them; 0: until purged.
	KeepDays int
}

// trashPage lists the messages deleted to the trash, the last deleted
// first, each with a button to put it back and one to purge it.
func (h *Handler) trashPage(w http.ResponseWriter, r *http.Request) {
	c := sessionOf(r)
	id := ownerID(r)
	d, err := h.svc.Mailbox(r.Context(), id)
	var msgs []state.Message
	if err == nil {
		msgs, err = h.svc.Trash(r.Context(), id)
	}
	if err != nil {
		h.serviceError(w, r, err)
		return
	}
	loc := h.location(d.Mailbox)
	body := trashBody{KeepDays: int((h.cfg.TrashKeep + 12*time.Hour) / (24 * time.Hour))}
	if h.cfg.TrashKeep > 0 && body.KeepDays == 0 {
		body.KeepDays = 1
	}
	for _, m := range msgs {
		del := m.Deleted.In(loc)
		body.Messages = append(body.Messages, trashEntry{ID: m.ID, Caller: callerName(m, c.Lang),
			Date: m.Received.In(loc).Format(dateFormat[c.Lang]), Deleted: del.Format(dateFormat[c.Lang]),
			DeletedISO: del.Format(time.RFC3339), Duration: minSec(m.Duration),
			Folder: word(c.Lang, "folder."+m.Folder.String())})
	}
	h.render(w, http.StatusOK, "trash", h.ownerPage(r, word(c.Lang, "trash.title"), "folders", body))
}

// restoreMessage puts a message back from the trash and shows the folder
// it went back to.
func (h *Handler) restoreMessage(w http.ResponseWriter, r *http.Request) {
	msg, err := messageParam(r)
	var m state.Message
	if err == nil {
		m, err = h.svc.RestoreMessage(r.Context(), webActor(r), ownerID(r), msg)
	}
	switch {
	case err == nil:
		http.Redirect(w, r, "/folders/"+slug(m.Folder)+"?ok=trash.restored", http.StatusSeeOther)
	case errors.Is(err, state.ErrMailboxFull):
		http.Redirect(w, r, "/trash?err=trash.full", http.StatusSeeOther)
	case errors.Is(err, state.ErrMessageNotFound):
		http.Redirect(w, r, "/trash?err=trash.gone", http.StatusSeeOther)
	default:
		h.serviceError(w, r, err)
	}
}

// purgeMessage deletes a message in the trash for good.
func (h *Handler) purgeMessage(w http.ResponseWriter, r *http.Request) {
	msg, err := messageParam(r)
	if err == nil {
		err = h.svc.PurgeMessage(r.Context(), webActor(r), ownerID(r), msg)
	}
	switch {
	case err == nil:
		http.Redirect(w, r, "/trash?ok=trash.purged", http.StatusSeeOther)
	case errors.Is(err, state.ErrMessageNotFound):
		http.Redirect(w, r, "/trash?err=trash.gone", http.StatusSeeOther)
	default:
		h.serviceError(w, r, err)
	}
}

// greetingEntry is one greeting on the greetings page.
type greetingEntry struct {
	Name     string
	Recorded bool
}

type greetingsBody struct {
	Active    string
	Greetings []greetingEntry
	// CanUpload is whether this instance takes uploaded greetings
	// (admin.recordings_dir set); MaxMB is the largest file it takes.
	CanUpload bool
	MaxMB     int
}

func (h *Handler) greetingsPage(w http.ResponseWriter, r *http.Request) {
	h.showGreetings(w, r, http.StatusOK, "")
}

func (h *Handler) showGreetings(w http.ResponseWriter, r *http.Request, status int, errKey string) {
	c := sessionOf(r)
	got, err := h.svc.Greetings(r.Context(), ownerID(r))
	if err != nil {
		h.serviceError(w, r, err)
		return
	}
	body := greetingsBody{Active: admin.ActiveGreeting(got), CanUpload: h.svc.CanUpload(), MaxMB: maxUpload >> 20}
	for _, n := range uploadable {
		body.Greetings = append(body.Greetings, greetingEntry{Name: n, Recorded: got[n]})
	}
	p := h.ownerPage(r, word(c.Lang, "greet.title"), "greetings", body)
	if errKey != "" {
		p.Error = word(c.Lang, errKey)
	}
	h.render(w, status, "greetings", p)
}

// uploadable are the greetings an owner sees and may replace with a file,
// in the page's order.
var uploadable = []string{"temp", "unavail", "busy", "name"}

// maxUpload bounds an uploaded greeting (the admin API's bound), and
// uploadForm the request that carries it.
const (
	maxUpload  = audioconv.DefaultMaxBytes
	uploadForm = maxUpload + 64<<10
)

// uploadGreeting makes an uploaded WAV or MP3 file one of the owner's
// greetings: the admin service checks and converts it, and every instance
// plays it from the next call.
func (h *Handler) uploadGreeting(w http.ResponseWriter, r *http.Request) {
	g, err := admin.ParseGreetingName(chi.URLParam(r, "greeting"))
	if err != nil {
		h.failPage(w, r, http.StatusNotFound, sessionOf(r).Lang, "err.generic")
		return
	}
	file, _, err := r.FormFile("audio")
	if err != nil {
		h.showGreetings(w, r, http.StatusBadRequest, "greet.upload.nofile")
		return
	}
	defer file.Close()
	audio, err := io.ReadAll(io.LimitReader(file, maxUpload+1))
	if err == nil && len(audio) > maxUpload {
		err = audioconv.ErrTooLarge
	}
	if err == nil {
		_, err = h.svc.UploadGreeting(r.Context(), webActor(r), ownerID(r), g, audio)
	}
	switch {
	case err == nil:
		http.Redirect(w, r, "/greetings?ok=greet.uploaded", http.StatusSeeOther)
	case errors.Is(err, audioconv.ErrTooLarge):
		h.showGreetings(w, r, http.StatusRequestEntityTooLarge, "greet.upload.toolarge")
	case errors.Is(err, audioconv.ErrTooLong):
		h.showGreetings(w, r, http.StatusBadRequest, "greet.upload.toolong")
	case errors.Is(err, audioconv.ErrTooShort):
		h.showGreetings(w, r, http.StatusBadRequest, "greet.upload.tooshort")
	case errors.Is(err, audioconv.ErrUnsupported):
		h.showGreetings(w, r, http.StatusUnsupportedMediaType, "greet.upload.format")
	case errors.Is(err, admin.ErrUploadUnavailable):
		h.log.Error("web: greeting upload", zap.Error(err))
		h.showGreetings(w, r, http.StatusServiceUnavailable, "greet.upload.off")
	default:
		h.serviceError(w, r, err)
	}
}

func (h *Handler) greetingAudio(w http.ResponseWriter, r *http.Request) {
	g, err := admin.ParseGreetingName(chi.URLParam(r, "greeting"))
	var b []byte
	if err == nil {
		b, err = h.svc.GreetingAudio(r.Context(), ownerID(r), g)
	}
	if err != nil {
		_, status := admin.Code(err)
		http.Error(w, http.StatusText(status), status)
		return
	}
	serveWAV(w, r, chi.URLParam(r, "greeting")+".wav", time.Time{}, b)
}

// deleteGreeting deletes the temporary greeting: the others are replaced
// by phone, and deleting them here would surprise callers.
func (h *Handler) deleteGreeting(w http.ResponseWriter, r *http.Request) {
	if chi.URLParam(r, "greeting") != "temp" {
		h.failPage(w, r, http.StatusNotFound, sessionOf(r).Lang, "err.generic")
		return
	}
	if err := h.svc.DeleteGreeting(r.Context(), webActor(r), ownerID(r), mailbox.GreetingTemp); err != nil && !errors.Is(err, admin.ErrGreetingNotFound) {
		h.serviceError(w, r, err)
		return
	}
	http.Redirect(w, r, "/greetings?ok=greet.deleted", http.StatusSeeOther)
}

type settingsBody struct {
	PINRules, Email, Language, Attach, Timezone string
	Attaches                                    []string
}

// attachFormats are the attachment formats an owner chooses from ("" is
// the system's default).
var attachFormats = []string{"", "wav", "mp3", "none"}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request) {
	h.showSettings(w, r, http.StatusOK, "")
}

func (h *Handler) showSettings(w http.ResponseWriter, r *http.Request, status int, errText string) {
	c := sessionOf(r)
	mb, err := h.svc.Mailbox(r.Context(), ownerID(r))
	if err != nil {
		h.serviceError(w, r, err)
		return
	}
	body := settingsBody{PINRules: fmt.Sprintf(word(c.Lang, "set.pin.rules"), h.svc.PINPolicy().MinLength),
		Email: mb.Mailbox.Email, Language: c.Lang, Attach: mb.Mailbox.Notify.Attach, Timezone: mb.Mailbox.Notify.Timezone,
		Attaches: attachFormats}
	p := h.ownerPage(r, word(c.Lang, "set.title"), "settings", body)
	p.Error = errText
	h.render(w, status, "settings", p)
}

// changePIN is the owner's PIN change: the phone's rules.
func (h *Handler) changePIN(w http.ResponseWriter, r *http.Request) {
	c := sessionOf(r)
	pin := r.PostFormValue("pin")
	if pin != r.PostFormValue("pin2") {
		h.showSettings(w, r, http.StatusBadRequest, word(c.Lang, "set.pin.mismatch"))
		return
	}
	err := h.svc.ChangeOwnPIN(r.Context(), webActor(r), ownerID(r), pin)
	switch {
	case errors.Is(err, mailbox.ErrWeakPIN), errors.Is(err, mailbox.ErrInvalidPIN):
		h.showSettings(w, r, http.StatusBadRequest, word(c.Lang, "set.pin.weak")+pinReason(err))
		return
	case err != nil:
		h.serviceError(w, r, err)
		return
	}
	if c.MustChangePIN {
		c.MustChangePIN = false
		if err := h.sess.update(r.Context(), c.token, c.Session); err != nil {
			h.serviceError(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/settings?ok=set.pin.done", http.StatusSeeOther)
}

// pinReason is the rule a PIN broke, from the policy's error (which never
// quotes the PIN).
func pinReason(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// saveProfile saves the owner's email address, attachment format, time
// zone and language, checked by
// the store as an administrator's change is.
func (h *Handler) saveProfile(w http.ResponseWriter, r *http.Request) {
	c := sessionOf(r)
	email := strings.TrimSpace(r.PostFormValue("email"))
	lang := r.PostFormValue("language")
	known := false
	for _, l := range languages {
		known = known || l == lang
	}
	if !known {
		h.showSettings(w, r, http.StatusBadRequest, word(c.Lang, "set.invalid")+"language")
		return
	}
	attach := r.PostFormValue("attach")
	tz := strings.TrimSpace(r.PostFormValue("timezone"))
	_, err := h.svc.UpdateMailbox(r.Context(), webActor(r), ownerID(r), state.MailboxUpdate{Email: &email, Language: &lang,
		Attach: &attach, Timezone: &tz})
	if errors.Is(err, state.ErrInvalidMailboxField) {
		h.showSettings(w, r, http.StatusBadRequest, word(c.Lang, "set.invalid")+pinReason(err))
		return
	}
	if err != nil {
		h.serviceError(w, r, err)
		return
	}
	c.Lang = lang
	if err := h.sess.update(r.Context(), c.token, c.Session); err != nil {
		h.serviceError(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings?ok=set.saved", http.StatusSeeOther)
}
