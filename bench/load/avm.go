package load

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Asterisk's app_voicemail keeps its messages as files
// (apps/app_voicemail.c, file storage): <spool>/<context>/<box>/<folder>/
// msgNNNN.txt (the metadata) and msgNNNN.<format> for each format of
// voicemail.conf (testenv: wav). The tool seeds the listening mailboxes
// and checks both flows' effects there, as it does in Redis for ours.

// avmContext is app_voicemail's voicemail context of the load mailboxes
// (testenv/asterisk/voicemail.conf).
const avmContext = "avmload"

// avmBox is the directory of a mailbox.
func (r *runner) avmBox(number string) string {
	return filepath.Join(r.o.Spool, avmContext, number)
}

// avmPrepare empties the step's mailboxes and files one new message in
// each listening one. Files are 0666 and directories 0777: Asterisk runs
// as its own user inside the testenv container and must move and rename
// them.
func (r *runner) avmPrepare(conc int) error {
	wav := avmSeedWAV()
	for slot := range conc {
		var box string
		if r.o.Flow == FlowListen {
			box = r.avmBox(r.listenBox(slot).Number)
		} else {
			box = r.avmBox(r.depositBox(slot).Number)
		}
		if err := os.RemoveAll(box); err != nil {
			return fmt.Errorf("load: empty %s: %w", box, err)
		}
		for _, d := range []string{box, filepath.Join(box, "INBOX")} {
			if err := os.MkdirAll(d, 0o777); err != nil {
				return fmt.Errorf("load: %w", err)
			}
			if err := os.Chmod(d, 0o777); err != nil {
				return fmt.Errorf("load: %w", err)
			}
		}
		if r.o.Flow != FlowListen {
			continue
		}
		now := time.Now()
		number := r.listenBox(slot).Number
		txt := avmMessageTxt(number, now, slot)
		for name, data := range map[string][]byte{"msg0000.txt": []byte(txt), "msg0000.wav": wav} {
			p := filepath.Join(box, "INBOX", name)
			if err := os.WriteFile(p, data, 0o666); err != nil {
				return fmt.Errorf("load: seed %s: %w", p, err)
			}
			if err := os.Chmod(p, 0o666); err != nil {
				return fmt.Errorf("load: %w", err)
			}
		}
	}
	return nil
}

// avmMessageTxt is a message's metadata as app_voicemail writes it
// (leave_voicemail, the [message] section).
func avmMessageTxt(box string, at time.Time, n int) string {
	return fmt.Sprintf(`;
; Message Information file
;
[message]
origmailbox=%s
context=avm-load
macrocontext=
exten=%s
rdnis=unknown
priority=1
callerchan=PJSIP/vmload-seed
callerid="Seed" <2001>
origdate=%s
origtime=%d
category=
msg_id=%d-%08d
flag=
duration=4
`, box, box, at.UTC().Format("Mon Jan _2 03:04:05 PM MST 2006"), at.Unix(), at.Unix(), n)
}

// avmSeedWAV is 4 s of a 440 Hz tone, 8 kHz 16-bit mono PCM: the audio of
// every seeded message (as long as ours plays).
func avmSeedWAV() []byte {
	const rate, secs = 8000, 4
	n := rate * secs
	b := make([]byte, 44+2*n)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1) // PCM
	binary.LittleEndian.PutUint16(b[22:], 1) // mono
	binary.LittleEndian.PutUint32(b[24:], rate)
	binary.LittleEndian.PutUint32(b[28:], 2*rate)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*n))
	for i := range n {
		v := int16(8000 * math.Sin(2*math.Pi*440*float64(i)/rate))
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(v))
	}
	return b
}

// avmVerify checks the files each successful call should have left: the
// listened message saved to Work (and gone from INBOX), or a deposit's
// message in INBOX with the call's caller number. A call whose effect is
// missing counts as failed.
func (r *runner) avmVerify(calls []callResult) {
	for i := range calls {
		c := &calls[i]
		if !c.ok {
			continue
		}
		box := r.avmBox(c.mailbox.Number)
		switch c.flow {
		case FlowListen:
			if _, err := os.Stat(filepath.Join(box, "Work", "msg0000.txt")); err != nil {
				c.ok, c.reason = false, "spool: the message is not in Work"
			} else if _, err := os.Stat(filepath.Join(box, "INBOX", "msg0000.txt")); err == nil {
				c.ok, c.reason = false, "spool: the message is still in INBOX"
			}
		case FlowDeposit:
			if !avmHasMessageFrom(filepath.Join(box, "INBOX"), c.callerNum) {
				c.ok, c.reason = false, "spool: no message from "+c.callerNum+" in INBOX"
			}
		}
	}
}

// avmHasMessageFrom reports whether a folder holds a message whose
// callerid has num, with its audio.
func avmHasMessageFrom(dir, num string) bool {
	txts, _ := filepath.Glob(filepath.Join(dir, "msg*.txt"))
	for _, t := range txts {
		b, err := os.ReadFile(t)
		if err != nil || !strings.Contains(string(b), "<"+num+">") {
			continue
		}
		if fi, err := os.Stat(strings.TrimSuffix(t, ".txt") + ".wav"); err == nil && fi.Size() > 44 {
			return true
		}
	}
	return false
}

// avmCleanup removes what the run left in app_voicemail's mailboxes.
func (r *runner) avmCleanup() {
	for slot := range r.o.maxSlots() {
		for _, n := range []int{listenBase + slot, depositBase + slot} {
			_ = os.RemoveAll(r.avmBox(strconv.Itoa(n)))
		}
	}
}
