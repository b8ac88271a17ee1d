package email

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/clusterpbx/voicemail/state"
)

// Content types of the attachments (app_voicemail's "audio/x-wav" for WAV).
const (
	contentWAV = "audio/x-wav"
	contentMP3 = "audio/mpeg"
)

// outgoing is one mail to send, before it is a go-mail message.
type outgoing struct {
	to, toName string
	lang       string
	loc        *time.Location
	// audio is the attachment and its format (AttachWAV or AttachMP3);
	// nil for none.
	audio     []byte
	format    string
	audioGone bool
	// transcript is the automatic transcript, "" for none.
	transcript string
}

// messageID is the stable Message-ID of a notification (without angle
// brackets): the same for every attempt at it, so that a mail sent twice
// (at least once) can be recognised.
func messageID(n state.Notification, domain string) string {
	return fmt.Sprintf("%s.%s.%s.%s@%s", n.MessageID, n.Target, n.Mailbox.Number, n.Mailbox.Context, domain)
}

// attachmentName is the attachment's file name, app_voicemail's
// msgNNNN.ext with its 0-based message number.
func attachmentName(n state.Notification, format string) string {
	return fmt.Sprintf("msg%04d.%s", max(n.MsgNum-1, 0), format)
}

// vars fills the template variables of n for box.
func vars(n state.Notification, box state.Mailbox, m outgoing, w words) Vars {
	v := Vars{
		VM_NAME:        box.Name,
		VM_DUR:         duration(n.Duration),
		VM_MSGNUM:      strconv.Itoa(n.MsgNum),
		VM_MAILBOX:     n.Mailbox.Number,
		VM_CONTEXT:     n.Mailbox.Context,
		VM_CALLERID:    callerID(n.CallerName, n.CallerNum, w.unknownCaller),
		VM_CIDNUM:      n.CallerNum,
		VM_CIDNAME:     n.CallerName,
		VM_DATE:        w.date(n.Received.In(m.loc)),
		VM_MESSAGEFILE: n.Recording,
		Urgent:         n.Urgent,
		Forwarded:      n.Forwarded,
		Origin:         n.Origin,
		AudioGone:      m.audioGone,
		Transcript:     m.transcript,
	}
	if n.Urgent {
		v.VM_FLAG = "Urgent"
	}
	if m.audio != nil {
		v.Attachment = attachmentName(n, m.format)
	}
	return v
}

// compose builds the go-mail message of n for box.
func (ml *Mailer) compose(n state.Notification, box state.Mailbox, m outgoing, now time.Time) (*gomail.Msg, error) {
	w := wordsFor(m.lang)
	v := vars(n, box, m, w)
	subjectTmpl, bodyTmpl := tmplEmailSubject, tmplEmailBody
	if n.Target == state.TargetPager {
		subjectTmpl, bodyTmpl = tmplPagerSubject, tmplPagerBody
	}
	subject, err := ml.tmpl.render(m.lang, subjectTmpl, v)
	if err != nil {
		return nil, err
	}
	body, err := ml.tmpl.render(m.lang, bodyTmpl, v)
	if err != nil {
		return nil, err
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.FromFormat(ml.cfg.FromName, ml.cfg.From); err != nil {
		return nil, fmt.Errorf("email: From: %w", err)
	}
	if err := msg.AddToFormat(m.toName, m.to); err != nil {
		return nil, fmt.Errorf("%w: address %q of %s: %w", ErrPermanent, m.to, n.Mailbox, err)
	}
	msg.Subject(oneLine(subject))
	msg.SetBodyString(gomail.TypeTextPlain, body)
	msg.SetMessageIDWithValue(messageID(n, ml.cfg.MessageIDDomain))
	msg.SetDateWithValue(now)
	msg.SetUserAgent("clusterpbx-voicemail")
	if n.Urgent {
		msg.SetImportance(gomail.ImportanceUrgent)
	}
	// app_voicemail's X-Asterisk-VM headers (make_email_file), for filters.
	msg.SetGenHeader("X-Asterisk-VM-Message-Num", strconv.Itoa(n.MsgNum))
	msg.SetGenHeader("X-Asterisk-VM-Context", n.Mailbox.Context)
	msg.SetGenHeader("X-Asterisk-VM-Extension", n.Mailbox.Number)
	msg.SetGenHeader("X-Asterisk-VM-Caller-ID-Num", orUnknown(n.CallerNum))
	msg.SetGenHeader("X-Asterisk-VM-Caller-ID-Name", orUnknown(n.CallerName))
	msg.SetGenHeader("X-Asterisk-VM-Duration", strconv.Itoa(int(n.Duration/time.Second)))
	msg.SetGenHeader("X-Asterisk-VM-Orig-date", n.Received.In(m.loc).Format(time.RFC1123Z))
	if n.Forwarded {
		msg.SetGenHeader("X-Asterisk-VM-Message-Type", "Forwarded")
	}
	if m.audio != nil {
		ct := contentWAV
		if m.format == AttachMP3 {
			ct = contentMP3
		}
		if err := msg.AttachReader(attachmentName(n, m.format), bytes.NewReader(m.audio),
			gomail.WithFileContentType(gomail.ContentType(ct))); err != nil {
			return nil, fmt.Errorf("email: attach: %w", err)
		}
	}
	return msg, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
