package migrate

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

// ExportStore is what Export needs of the store: *state.Store.
type ExportStore interface {
	MailboxIDs(ctx context.Context) ([]state.MailboxID, error)
	Messages(ctx context.Context, id state.MailboxID, f state.Folder) ([]state.Message, error)
	Greetings(ctx context.Context, id state.MailboxID) (map[state.GreetingKind]string, error)
}

var _ ExportStore = (*state.Store)(nil)

// Exporter writes this app's messages and greetings as an app_voicemail
// spool: the way back.
type Exporter struct {
	// Store is where the messages are read.
	Store ExportStore
	// Recordings is Asterisk's recording directory, where the audio is.
	Recordings string
	// Audio converts to the formats other than wav.
	Audio Audio
	// Formats are the audio formats written, as app_voicemail's format=
	// names them: "wav" (the default), "gsm" and "WAV" (wav49).
	Formats []string
	// Context, when set, exports only the mailboxes of this context.
	Context string
	// DryRun reads and reports everything and writes nothing.
	DryRun bool
}

// spoolDirOf is the spool folder a message is exported into: app_voicemail
// keeps new urgent messages in Urgent.
func spoolDirOf(m state.Message) string {
	switch m.Folder {
	case mailbox.FolderUrgent:
		return "Urgent"
	case mailbox.FolderNew:
		if m.Urgent {
			return "Urgent"
		}
		return "INBOX"
	case mailbox.FolderOld:
		return "Old"
	case mailbox.FolderWork:
		return "Work"
	case mailbox.FolderFamily:
		return "Family"
	default:
		return "Friends"
	}
}

// Export writes every mailbox's messages and greetings under spool as
// app_voicemail's file storage has them. It is idempotent and merges: a
// message is written as the next msgNNNN of its folder unless a
// msgNNNN.txt there already carries its id (msg_id=), and a greeting file
// that exists is left alone.
func (ex *Exporter) Export(ctx context.Context, spool string) (*Report, error) {
	r := newReport("export", ex.DryRun)
	formats := ex.Formats
	if len(formats) == 0 {
		formats = []string{"wav"}
	}
	for _, f := range formats {
		if f != "wav" && f != "gsm" && f != "WAV" {
			return r, fmt.Errorf("migrate: export format %q: want wav, gsm or WAV", f)
		}
	}
	ids, err := ex.Store.MailboxIDs(ctx)
	if err != nil {
		return r, fmt.Errorf("migrate: export: %w", err)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].String() < ids[j].String() })
	for _, id := range ids {
		if ex.Context != "" && id.Context != ex.Context {
			continue
		}
		if err := ex.mailbox(ctx, r, spool, id, formats); err != nil {
			return r, err
		}
	}
	return r, nil
}

func (ex *Exporter) mailbox(ctx context.Context, r *Report, spool string, id mailbox.ID, formats []string) error {
	dir := filepath.Join(spool, id.Context, id.Number)
	key := id.String()
	for _, f := range mailbox.AllFolders {
		msgs, err := ex.Store.Messages(ctx, id, f)
		if err != nil {
			return fmt.Errorf("migrate: export %s: %w", key, err)
		}
		for _, m := range msgs {
			if err := ex.message(ctx, r, spool, dir, m, formats); err != nil {
				return err
			}
		}
	}
	greetings, err := ex.Store.Greetings(ctx, id)
	if err != nil {
		return fmt.Errorf("migrate: export %s: %w", key, err)
	}
	for _, g := range spoolGreetings {
		name := greetings[g]
		if name == "" {
			continue
		}
		item := "greeting " + string(g)
		path := filepath.Join(dir, string(g)+".wav")
		if _, err := os.Stat(path); err == nil {
			r.add(key, item, Unchanged, "%s exists: left alone", path)
			continue
		}
		wav, err := ex.readAudio(name)
		if err != nil {
			r.add(key, item, Skipped, "audio: %v", err)
			continue
		}
		if ex.DryRun {
			r.add(key, item, Done, "to %s", path)
			continue
		}
		if err := ex.writeAudio(ctx, spool, filepath.Join(dir, string(g)), wav, formats); err != nil {
			return err
		}
		r.add(key, item, Done, "to %s", path)
	}
	return nil
}

// message writes one message into its spool folder.
func (ex *Exporter) message(ctx context.Context, r *Report, spool, dir string, m state.Message, formats []string) error {
	key := m.Mailbox.String()
	folder := spoolDirOf(m)
	fdir := filepath.Join(dir, folder)
	existing, next, err := folderIndex(fdir)
	if err != nil {
		return err
	}
	if file, ok := existing[m.ID]; ok {
		r.add(key, folder+"/"+file, Unchanged, "message %s already exported", m.ID)
		return nil
	}
	file := fmt.Sprintf("msg%04d", next)
	item := folder + "/" + file
	wav, err := ex.readAudio(m.Recording)
	if err != nil {
		r.add(key, item, Skipped, "message %s: audio: %v", m.ID, err)
		return nil
	}
	detail := fmt.Sprintf("message %s", m.ID)
	if m.Intro != "" {
		detail += "; the forwarding owner's introduction is not exported"
	}
	if ex.DryRun {
		r.add(key, item, Done, "%s", detail)
		return nil
	}
	base := filepath.Join(fdir, file)
	if err := ex.writeAudio(ctx, spool, base, wav, formats); err != nil {
		return err
	}
	// The text file last: app_voicemail counts a message by its files,
	// and the msg_id in it is what makes a second export skip it.
	if err := writeFile(spool, base+".txt", messageInfoFile(m)); err != nil {
		return err
	}
	r.add(key, item, Done, "%s", detail)
	return nil
}

// folderIndex reads the msgNNNN.txt of a spool folder: the message ids
// they carry (msg_id=) by file, and the next free number.
func folderIndex(dir string) (map[string]string, int, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return map[string]string{}, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("migrate: export: %w", err)
	}
	ids := map[string]string{}
	next := 0
	for _, e := range entries {
		base, ext, ok := strings.Cut(e.Name(), ".")
		if !ok || !isMsgFile(base) {
			continue
		}
		if n, err := strconv.Atoi(base[3:]); err == nil && n+1 > next {
			next = n + 1
		}
		if ext != "txt" {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		info := ParseMessageInfo(f)
		_ = f.Close()
		if info.MsgID != "" {
			ids[info.MsgID] = base
		}
	}
	return ids, next, nil
}

func (ex *Exporter) readAudio(name string) ([]byte, error) {
	if ex.Recordings == "" {
		return nil, fmt.Errorf("no recording directory given")
	}
	return readLimited(filepath.Join(ex.Recordings, filepath.FromSlash(name)+".wav"))
}

// writeAudio writes wav as base.EXT for each format.
func (ex *Exporter) writeAudio(ctx context.Context, spool, base string, wav []byte, formats []string) error {
	for _, f := range formats {
		if f == "wav" {
			if err := writeFile(spool, base+".wav", wav); err != nil {
				return err
			}
			continue
		}
		if err := mkdirs(spool, filepath.Dir(base)); err != nil {
			return err
		}
		if err := ex.Audio.FromWAV(ctx, wav, base+"."+f, f); err != nil {
			return err
		}
		ownerOf(spool).give(base + "." + f)
	}
	return nil
}

// messageInfoFile is the msgNNNN.txt of m, with the fields app_voicemail
// writes (apps/app_voicemail.c, leave_voicemail) and this app's id as
// msg_id.
func messageInfoFile(m state.Message) []byte {
	var b bytes.Buffer
	callerID := "Unknown"
	switch {
	case m.CallerName != "" && m.CallerNum != "":
		callerID = fmt.Sprintf("\"%s\" <%s>", strings.ReplaceAll(m.CallerName, "\"", ""), m.CallerNum)
	case m.CallerNum != "":
		callerID = "<" + m.CallerNum + ">"
	case m.CallerName != "":
		callerID = "\"" + strings.ReplaceAll(m.CallerName, "\"", "") + "\""
	}
	origMailbox := m.Mailbox.Number
	if o, err := mailbox.ParseID(m.Origin); err == nil {
		origMailbox = o.Number
	}
	flag := ""
	if m.Urgent {
		flag = "Urgent"
	}
	received := m.Received.UTC()
	fmt.Fprintf(&b, ";\n; Message Information file\n;\n[message]\n")
	fmt.Fprintf(&b, "origmailbox=%s\ncontext=%s\nmacrocontext=\nexten=%s\nrdnis=unknown\npriority=1\n",
		origMailbox, m.Mailbox.Context, m.Mailbox.Number)
	fmt.Fprintf(&b, "callerchan=\ncallerid=%s\norigdate=%s\norigtime=%d\ncategory=\nmsg_id=%s\nflag=%s\nduration=%d\n",
		callerID, received.Format("Mon Jan _2 03:04:05 PM MST 2006"), received.Unix(), m.ID, flag,
		int((m.Duration+time.Second/2)/time.Second))
	return b.Bytes()
}
