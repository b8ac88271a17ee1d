package app

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestFsckFlagsBelongToFsck(t *testing.T) {
	for _, args := range [][]string{
		{"--repair"},
		{"--json", "lockout", "1001"},
		{"fsck", "--force"}, // --force needs --repair
		{"fsck", "extra"},
	} {
		var out, errOut bytes.Buffer
		if code := Main(context.Background(), args, &out, &errOut); code != 2 {
			t.Errorf("Main(%q) = %d, want 2 (usage); stderr %q", args, code, errOut.String())
		}
		if !strings.Contains(errOut.String(), "voicemail:") {
			t.Errorf("Main(%q) says nothing on stderr", args)
		}
	}
	// A command flag is no setting: it does not reach the configuration.
	var fsck *fsckOptions
	cfg, rest, err := loadConfig([]string{"fsck", "--repair", "--json"}, envOf(nil), func(fs *pflag.FlagSet) { fsck = fsckFlags(fs) })
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rest, []string{"fsck"}) || !fsck.Repair || !fsck.JSON || fsck.Force {
		t.Errorf("loadConfig = %v, %+v", rest, *fsck)
	}
	if cfg.Janitor != DefaultConfig().Janitor {
		t.Errorf("janitor settings changed by command flags: %+v", cfg.Janitor)
	}
}

func TestWriteFsckReport(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	seen := now.Add(-2 * time.Hour)
	rep := &FsckReport{
		Now: now, Grace: "1h0m0s", Repair: true, Stored: 7, Ours: 5, Mailboxes: 2, Messages: 3, Greetings: 1, Sessions: 1,
		Orphans: []FsckOrphan{
			{Recording: "voicemail/default/1001/msg/a", FirstSeen: &seen, PastGrace: true, Removed: true},
			{Recording: "voicemail/default/1001/msg/b"},
		},
		Problems: []FsckProblem{
			{Kind: fsckMessageAudio, Mailbox: "1001@default", Message: "m3", Recording: "voicemail/default/1001/msg/m3",
				Detail: "message in [New] without its audio", Repaired: true, Repair: "message removed"},
			{Kind: fsckDuplicate, Mailbox: "1001@default", Message: "m4", Detail: "folders [New Work] all list it"},
		},
		Notes: []string{"1 Asterisk server(s) did not list their recordings"},
		Found: 3, Repaired: 2,
	}
	var b bytes.Buffer
	writeFsckReport(&b, rep)
	want := `checked 7 stored recordings (5 of ours), 2 mailboxes, 3 messages, 1 greetings, 1 live sessions
orphan audio: 2 (1 past the 1h0m0s grace)
  voicemail/default/1001/msg/a: an orphan for 2h0m0s  [deleted]
  voicemail/default/1001/msg/b: not seen by the janitor yet
problems: 2
  message-audio 1001@default message m3: message in [New] without its audio (voicemail/default/1001/msg/m3)  [message removed]
  duplicate 1001@default message m4: folders [New Work] all list it
note: 1 Asterisk server(s) did not list their recordings
3 found, 2 repaired, 1 left
`
	if b.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	writeFsckReport(&b, &FsckReport{Grace: "1h0m0s"})
	if !strings.HasSuffix(b.String(), "problems: 0\nclean\n") {
		t.Errorf("clean report:\n%s", b.String())
	}
	b.Reset()
	writeFsckReport(&b, &FsckReport{Grace: "1h0m0s", Found: 1, Problems: []FsckProblem{{Kind: fsckStrayID, Mailbox: "1@x", Message: "g", Detail: "d"}}})
	if !strings.HasSuffix(b.String(), "1 found; run with --repair to fix what is safe\n") {
		t.Errorf("report without --repair:\n%s", b.String())
	}
}
