package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/clusterpbx/voicemail/mailbox"
	"github.com/clusterpbx/voicemail/state"
)

// CLI is the command line over a Service: the voicemail mailbox and
// message commands, with the same checks and audit trail as the API (the
// actor is "cli:" and the user). Each command writes for people, or with
// JSON the API's JSON shapes, one document per command.
type CLI struct {
	Svc   *Service
	Actor Actor
	Out   io.Writer
	// In is where a greeting given as "-" is read from.
	In   io.Reader
	JSON bool
}

// print writes v as JSON, or human as text.
func (c *CLI) print(v any, human func(w io.Writer)) error {
	if c.JSON {
		enc := json.NewEncoder(c.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	human(c.Out)
	return nil
}

// MailboxAdd creates a mailbox; a generated one-time PIN is printed once.
func (c *CLI) MailboxAdd(ctx context.Context, m NewMailbox) error {
	mb, pin, err := c.Svc.CreateMailbox(ctx, c.Actor, m)
	if err != nil {
		return err
	}
	v := mailboxView(mb)
	v.PIN = pin.Generated
	return c.print(v, func(w io.Writer) {
		fmt.Fprintf(w, "created %s", mb.ID)
		if mb.Name != "" {
			fmt.Fprintf(w, " (%s)", mb.Name)
		}
		fmt.Fprintln(w)
		printPIN(w, pin)
	})
}

func printPIN(w io.Writer, pin PINResult) {
	if pin.Generated != "" {
		fmt.Fprintf(w, "one-time PIN: %s (shown once; the owner chooses another at the next login)\n", pin.Generated)
	} else if pin.MustChange {
		fmt.Fprintln(w, "PIN set; the owner chooses another at the next login")
	} else {
		fmt.Fprintln(w, "PIN set")
	}
}

// MailboxList prints a page of mailboxes.
func (c *CLI) MailboxList(ctx context.Context, q state.MailboxQuery) error {
	page, err := c.Svc.ListMailboxes(ctx, q)
	if err != nil {
		return err
	}
	return c.print(mailboxPageView(page), func(w io.Writer) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "MAILBOX\tNAME\tEMAIL\tURGENT\tNEW\tOLD\tOTHER\tMANAGED BY")
		for _, e := range page.Mailboxes {
			v := mailboxView(e.Mailbox)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", v.Mailbox, v.Name, v.Email, e.Counts.Urgent, e.Counts.New, e.Counts.Old,
				e.Counts.Work+e.Counts.Family+e.Counts.Friends, v.ManagedBy)
		}
		_ = tw.Flush()
		if page.Next != "" {
			fmt.Fprintf(w, "more: --after %s\n", page.Next)
		}
	})
}

// MailboxShow prints one mailbox.
func (c *CLI) MailboxShow(ctx context.Context, id mailbox.ID) error {
	d, err := c.Svc.Mailbox(ctx, id)
	if err != nil {
		return err
	}
	v := mailboxView(d.Mailbox)
	counts, lock := countsView(d.Counts), lockoutView(d.Lockout)
	v.Counts, v.Lockout = &counts, &lock
	return c.print(v, func(w io.Writer) {
		review := "system setting"
		if v.Review != nil {
			review = fmt.Sprint(*v.Review)
		}
		fmt.Fprintf(w, "mailbox:   %s\nname:      %s\nemail:     %s\nlanguage:  %s\nreview:    %s\nhidden:    %v\n",
			v.Mailbox, v.Name, v.Email, v.Language, review, v.Hidden)
		if own := v.Options.String(); own != "" {
			fmt.Fprintf(w, "options:   %s (the others: system settings)\n", own)
		} else {
			fmt.Fprintf(w, "options:   system settings\n")
		}
		if v.Pager != "" || v.Attach != "" || v.Timezone != "" || v.DeleteAfterEmail {
			fmt.Fprintf(w, "notify:    pager %q, attach %q, time zone %q, delete after email %v\n",
				v.Pager, v.Attach, v.Timezone, v.DeleteAfterEmail)
		}
		fmt.Fprintf(w, "PIN:       set by %s%s\n", v.PINSetBy, map[bool]string{true: ", must be changed at the next login"}[v.PINMustChange])
		fmt.Fprintf(w, "managed:   by %s\n", v.ManagedBy)
		if v.Created != nil {
			fmt.Fprintf(w, "created:   %s\n", v.Created.Format(time.RFC3339))
		}
		fmt.Fprintf(w, "messages:  %d urgent, %d new, %d old, %d work, %d family, %d friends\n",
			counts.Urgent, counts.New, counts.Old, counts.Work, counts.Family, counts.Friends)
		if lock.Locked {
			fmt.Fprintf(w, "lockout:   locked for %ds more (lockout %d in a row)\n", lock.RemainingSeconds, lock.LockoutsInARow)
		} else {
			fmt.Fprintf(w, "lockout:   none (%d wrong PINs in the current window)\n", lock.Failures)
		}
	})
}

// MailboxSet changes a mailbox's fields.
func (c *CLI) MailboxSet(ctx context.Context, id mailbox.ID, u state.MailboxUpdate) error {
	mb, err := c.Svc.UpdateMailbox(ctx, c.Actor, id, u)
	if err != nil {
		return err
	}
	return c.print(mailboxView(mb), func(w io.Writer) {
		fmt.Fprintf(w, "changed %s (%s)\n", mb.ID, strings.TrimPrefix(updateDetail(u), "fields: "))
	})
}

// MailboxDelete deletes a mailbox with its messages and audio.
func (c *CLI) MailboxDelete(ctx context.Context, id mailbox.ID) error {
	if err := c.Svc.DeleteMailbox(ctx, c.Actor, id); err != nil {
		return err
	}
	return c.print(map[string]string{"deleted": id.String()}, func(w io.Writer) {
		fmt.Fprintf(w, "deleted %s, its messages, greetings and audio\n", id)
	})
}

// ResetPIN sets a mailbox's PIN or generates a one-time one.
func (c *CLI) ResetPIN(ctx context.Context, id mailbox.ID, r PINReset) error {
	res, err := c.Svc.ResetPIN(ctx, c.Actor, id, r)
	if err != nil {
		return err
	}
	return c.print(PINResultView{Mailbox: id.String(), MustChange: res.MustChange, PIN: res.Generated}, func(w io.Writer) {
		fmt.Fprintf(w, "%s: ", id)
		printPIN(w, res)
	})
}

// MessageList prints the messages of a folder, or of all.
func (c *CLI) MessageList(ctx context.Context, id mailbox.ID, f *mailbox.Folder) error {
	msgs, err := c.Svc.Messages(ctx, id, f)
	if err != nil {
		return err
	}
	return c.print(messageListView(msgs), func(w io.Writer) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "MESSAGE\tFOLDER\tRECEIVED\tSECONDS\tFROM")
		for _, m := range msgs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%s\n", m.ID, folderName(m.Folder), m.Received.Local().Format("2006-01-02 15:04:05"),
				m.Duration.Seconds(), callerOf(m))
		}
		_ = tw.Flush()
	})
}

func callerOf(m state.Message) string {
	switch {
	case m.CallerName != "" && m.CallerNum != "":
		return fmt.Sprintf("%s <%s>", m.CallerName, m.CallerNum)
	case m.CallerNum != "":
		return m.CallerNum
	case m.CallerName != "":
		return m.CallerName
	}
	return "unknown"
}

// MessageMove files a message into folder to.
func (c *CLI) MessageMove(ctx context.Context, id mailbox.ID, msg mailbox.MessageID, to mailbox.Folder) error {
	m, err := c.Svc.MoveMessage(ctx, c.Actor, id, msg, to)
	if err != nil {
		return err
	}
	return c.print(messageView(m), func(w io.Writer) {
		fmt.Fprintf(w, "moved %s of %s to %s\n", msg, id, folderName(to))
	})
}

// MessageForward copies a message into the mailbox to, as the phone's
// forward does (Service.ForwardMessage).
func (c *CLI) MessageForward(ctx context.Context, id mailbox.ID, msg mailbox.MessageID, to mailbox.ID) error {
	m, err := c.Svc.ForwardMessage(ctx, c.Actor, id, msg, to)
	if err != nil {
		return err
	}
	return c.print(messageView(m), func(w io.Writer) {
		fmt.Fprintf(w, "forwarded %s of %s to %s as %s\n", msg, id, to, m.ID)
	})
}

// MessageDelete deletes messages to the mailbox's trash; it stops at the
// first failure.
func (c *CLI) MessageDelete(ctx context.Context, id mailbox.ID, msgs []mailbox.MessageID) error {
	deleted := []string{}
	for _, msg := range msgs {
		if err := c.Svc.DeleteMessage(ctx, c.Actor, id, msg); err != nil {
			return err
		}
		deleted = append(deleted, string(msg))
	}
	return c.print(map[string]any{"mailbox": id.String(), "deleted": deleted}, func(w io.Writer) {
		for _, m := range deleted {
			fmt.Fprintf(w, "deleted %s of %s to the trash\n", m, id)
		}
	})
}

// MessageTrash prints the messages in a mailbox's trash.
func (c *CLI) MessageTrash(ctx context.Context, id mailbox.ID) error {
	msgs, err := c.Svc.Trash(ctx, id)
	if err != nil {
		return err
	}
	return c.print(messageListView(msgs), func(w io.Writer) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "MESSAGE\tFROM FOLDER\tDELETED\tSECONDS\tFROM")
		for _, m := range msgs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%s\n", m.ID, folderName(m.Folder), m.Deleted.Local().Format("2006-01-02 15:04:05"),
				m.Duration.Seconds(), callerOf(m))
		}
		_ = tw.Flush()
	})
}

// MessageRestore puts messages back from the trash; it stops at the first
// failure.
func (c *CLI) MessageRestore(ctx context.Context, id mailbox.ID, msgs []mailbox.MessageID) error {
	restored := []MessageView{}
	for _, msg := range msgs {
		m, err := c.Svc.RestoreMessage(ctx, c.Actor, id, msg)
		if err != nil {
			return err
		}
		restored = append(restored, messageView(m))
	}
	return c.print(map[string]any{"mailbox": id.String(), "restored": restored}, func(w io.Writer) {
		for _, m := range restored {
			fmt.Fprintf(w, "restored %s of %s to %s\n", m.ID, id, m.Folder)
		}
	})
}

// MessagePurge deletes messages in the trash for good, with their audio;
// it stops at the first failure.
func (c *CLI) MessagePurge(ctx context.Context, id mailbox.ID, msgs []mailbox.MessageID) error {
	purged := []string{}
	for _, msg := range msgs {
		if err := c.Svc.PurgeMessage(ctx, c.Actor, id, msg); err != nil {
			return err
		}
		purged = append(purged, string(msg))
	}
	return c.print(map[string]any{"mailbox": id.String(), "purged": purged}, func(w io.Writer) {
		for _, m := range purged {
			fmt.Fprintf(w, "purged %s of %s\n", m, id)
		}
	})
}

// MessageExport writes messages to dir, each as MESSAGE.wav (its audio)
// and MESSAGE.json (its envelope): those named, or else those of folder f
// (all folders when f is nil). It is a read: nothing changes, so nothing
// is audited.
func (c *CLI) MessageExport(ctx context.Context, id mailbox.ID, msgs []mailbox.MessageID, f *mailbox.Folder, dir string) error {
	var list []state.Message
	if len(msgs) == 0 {
		var err error
		if list, err = c.Svc.Messages(ctx, id, f); err != nil {
			return err
		}
	}
	for _, msg := range msgs {
		m, err := c.Svc.Message(ctx, id, msg)
		if err != nil {
			return err
		}
		list = append(list, m)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("admin: export: %w", err)
	}
	written := make([]MessageView, 0, len(list))
	var lines []string
	for _, m := range list {
		wav, err := c.Svc.MessageAudio(ctx, id, mailbox.MessageID(m.ID))
		if err != nil {
			return err
		}
		// m.ID is a validated message id: no separator, no "..".
		base := filepath.Join(dir, m.ID)
		env, err := json.MarshalIndent(messageView(m), "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(base+".wav", wav, 0o640); err != nil {
			return fmt.Errorf("admin: export: %w", err)
		}
		if err := os.WriteFile(base+".json", append(env, '\n'), 0o640); err != nil {
			return fmt.Errorf("admin: export: %w", err)
		}
		written = append(written, messageView(m))
		lines = append(lines, fmt.Sprintf("wrote %s.wav and .json (%s, %.1f s, from %s)", base, folderName(m.Folder), m.Duration.Seconds(), callerOf(m)))
	}
	return c.print(MessageListView{Messages: written}, func(w io.Writer) {
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
		fmt.Fprintf(w, "%d messages exported to %s\n", len(written), dir)
	})
}

// GreetingUpload makes audio (a WAV or MP3 file) a greeting of the mailbox.
func (c *CLI) GreetingUpload(ctx context.Context, id mailbox.ID, g mailbox.Greeting, audio []byte) error {
	out, err := c.Svc.UploadGreeting(ctx, c.Actor, id, g, audio)
	if err != nil {
		return err
	}
	return c.print(out, func(w io.Writer) {
		fmt.Fprintf(w, "%s greeting of %s set from the %s file: %.1f s\n", out.Greeting, out.Mailbox, out.Format, out.Seconds)
	})
}

// GreetingDelete deletes a greeting: callers hear the default again.
func (c *CLI) GreetingDelete(ctx context.Context, id mailbox.ID, g mailbox.Greeting) error {
	if err := c.Svc.DeleteGreeting(ctx, c.Actor, id, g); err != nil {
		return err
	}
	return c.print(map[string]string{"mailbox": id.String(), "greeting": greetingName(g), "deleted": "true"}, func(w io.Writer) {
		fmt.Fprintf(w, "deleted the %s greeting of %s\n", greetingName(g), id)
	})
}
