package menus

import (
	"strings"
	"testing"

	"github.com/clusterpbx/voicemail/mailbox"
)

func TestSayNumber(t *testing.T) {
	tests := []struct {
		lang string
		n    int
		want string
	}{
		{"en", 0, "0"},
		{"en", 7, "7"},
		{"en", 19, "19"},
		{"en", 20, "20"},
		{"en", 42, "40 2"},
		{"en", 100, "1 hundred"},
		{"en", 215, "2 hundred 15"},
		{"en", 1999, "1 thousand 9 hundred 90 9"},
		{"fr", 21, "20 et 1"},
		{"fr", 45, "40 5"},
		{"fr", 71, "60 et 11"},
		{"fr", 75, "60 15"},
		{"fr", 80, "80"},
		{"fr", 92, "80 12"},
		{"fr", 100, "hundred"},
		{"fr", 305, "3 hundred 5"},
		{"fr", 1000, "thousand"},
	}
	for _, tt := range tests {
		got := strings.ReplaceAll(strings.Join(SayNumber(tt.lang, tt.n), " "), "digits/", "")
		if got != tt.want {
			t.Errorf("SayNumber(%s, %d) = %q, want %q", tt.lang, tt.n, got, tt.want)
		}
	}
}

func TestMessageIntro(t *testing.T) {
	tests := []struct {
		c    Counts
		want string
	}{
		{Counts{}, "vm-youhave vm-no vm-messages"},
		{Counts{New: 1}, "vm-youhave digits/1 vm-INBOX vm-message"},
		{Counts{New: 3}, "vm-youhave digits/3 vm-INBOX vm-messages"},
		{Counts{Old: 1}, "vm-youhave digits/1 vm-Old vm-message"},
		{Counts{New: 1, Old: 2}, "vm-youhave digits/1 vm-INBOX vm-and digits/2 vm-Old vm-messages"},
	}
	for _, tt := range tests {
		if got := strings.Join(messageIntro("en", tt.c), " "); got != tt.want {
			t.Errorf("intro %+v = %q, want %q", tt.c, got, tt.want)
		}
	}
}

func TestInstructionsWordOrder(t *testing.T) {
	en := strings.Join(mainInstructions(&State{Lang: "en", Counts: Counts{Old: 1}}), " ")
	fr := strings.Join(mainInstructions(&State{Lang: "fr", Counts: Counts{New: 1}}), " ")
	if en != "vm-onefor vm-Old vm-messages vm-opts vm-helpexit" {
		t.Errorf("en: %s", en)
	}
	// vm_play_folder_name: the noun first in es, it and pt only; French
	// says "nouveaux messages".
	if fr != "vm-onefor vm-INBOX vm-messages vm-opts vm-helpexit" {
		t.Errorf("fr: %s", fr)
	}
	for _, lang := range []string{"es", "it", "pt_BR"} {
		got := strings.Join(mainInstructions(&State{Lang: lang, Counts: Counts{New: 1}}), " ")
		if got != "vm-onefor vm-messages vm-INBOX vm-opts vm-helpexit" {
			t.Errorf("%s: %s", lang, got)
		}
		if got := strings.Join(folderName(lang, mailbox.FolderWork), " "); got != "vm-messages vm-Work" {
			t.Errorf("%s folder name: %s", lang, got)
		}
	}
	if got := strings.Join(folderName("fr", mailbox.FolderWork), " "); got != "vm-Work vm-messages" {
		t.Errorf("fr folder name: %s", got)
	}
}
