package email

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clusterpbx/voicemail/state"
)

func validConfig() Config {
	return Config{From: "voicemail@pbx.test", SMTP: SMTPConfig{Host: "relay.test"}}.WithDefaults()
}

func TestConfigDefaults(t *testing.T) {
	c := validConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.SMTP.Port != 587 || c.SMTP.Security != SecurityStartTLS || c.Attach != AttachWAV || c.MessageIDDomain != "pbx.test" ||
		c.ClaimIdle != DefaultClaimIdle || c.GiveUp != DefaultGiveUp || c.Language != "en" || c.FromName != "Voicemail" {
		t.Errorf("defaults %+v", c)
	}
	if p := (Config{From: "a@b.c", SMTP: SMTPConfig{Host: "h", Security: SecurityTLS}}).WithDefaults().SMTP.Port; p != 465 {
		t.Errorf("implicit TLS port %d", p)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		field string
		edit  func(*Config)
	}{
		{"From", func(c *Config) { c.From = "" }},
		{"From", func(c *Config) { c.From = "Voicemail <vm@pbx.test>" }},
		{"FromName", func(c *Config) { c.FromName = "a\r\nBcc: x@y" }},
		{"Attach", func(c *Config) { c.Attach = "ogg" }},
		{"Language", func(c *Config) { c.Language = "../en" }},
		{"MessageIDDomain", func(c *Config) { c.MessageIDDomain = "a b" }},
		{"Workers", func(c *Config) { c.Workers = 100 }},
		{"Poll", func(c *Config) { c.Poll = time.Millisecond }},
		{"SendTimeout", func(c *Config) { c.SendTimeout = time.Hour }},
		{"ClaimIdle", func(c *Config) { c.ClaimIdle = c.SendTimeout }},
		{"RetryMin", func(c *Config) { c.RetryMin = time.Millisecond }},
		{"RetryMax", func(c *Config) { c.RetryMax = c.RetryMin / 2 }},
		{"GiveUp", func(c *Config) { c.GiveUp = time.Second }},
		{"SMTP.Host", func(c *Config) { c.SMTP.Host = "" }},
		{"SMTP.Port", func(c *Config) { c.SMTP.Port = -1 }},
		{"SMTP.Security", func(c *Config) { c.SMTP.Security = "ssl" }},
		{"SMTP.Password", func(c *Config) { c.SMTP.Password = "x" }},
		{"SMTP.Timeout", func(c *Config) { c.SMTP.Timeout = time.Hour }},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			c := validConfig()
			tt.edit(&c)
			err := c.Validate()
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Validate = %v, want a ConfigError on %s", err, tt.field)
			}
		})
	}
}

func TestTemplatesRenderEveryLanguage(t *testing.T) {
	tmpl, err := loadTemplates("", "en")
	if err != nil {
		t.Fatal(err)
	}
	n := state.Notification{Mailbox: state.MailboxID{Number: "1001", Context: "default"}, Target: state.TargetEmail,
		MessageID: "m1732634712042-9f86d081", MsgNum: 3, CallerNum: "5551234", Received: left, Duration: 75 * time.Second}
	box := state.Mailbox{Name: "Ann"}
	for _, tt := range []struct {
		lang, subject, body string
	}{
		{"en", "[PBX]: New message 3 in mailbox 1001", "you were just left a 1:15 long message (number 3)\nin mailbox 1001 from 5551234, on Monday, November 25, 2024 at 02:25:12 PM"},
		{"en_GB", "[PBX]: New message 3 in mailbox 1001", "Dear Ann:"},
		{"fr", "[PBX] : nouveau message 3 dans la boîte 1001", "de 1:15 (numéro 3)\ndans la boîte vocale 1001, de la part de 5551234, le lundi 25 novembre 2024 à 14:25:12."},
		{"de", "[PBX]: New message 3 in mailbox 1001", "Dear Ann:"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			lang := tmpl.language(tt.lang)
			v := vars(n, box, outgoing{lang: lang, loc: time.UTC}, wordsFor(lang))
			subject, err := tmpl.render(lang, tmplEmailSubject, v)
			if err != nil || oneLine(subject) != tt.subject {
				t.Errorf("subject %q, %v; want %q", oneLine(subject), err, tt.subject)
			}
			body, err := tmpl.render(lang, tmplEmailBody, v)
			if err != nil || !strings.Contains(body, tt.body) {
				t.Errorf("body %q, %v; want it to hold %q", body, err, tt.body)
			}
		})
	}
}

func TestTemplatesDirOverridesAndRejectsBadTemplates(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "en"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, "en", name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(tmplEmailSubject, "Voicemail from {{.VM_CIDNUM}} ({{.VM_DUR}})")
	tmpl, err := loadTemplates(dir, "en")
	if err != nil {
		t.Fatal(err)
	}
	v := Vars{VM_CIDNUM: "5551234", VM_DUR: "0:09", VM_NAME: "Ann"}
	if s, _ := tmpl.render("en", tmplEmailSubject, v); s != "Voicemail from 5551234 (0:09)" {
		t.Errorf("overridden subject %q", s)
	}
	if b, _ := tmpl.render("en", tmplEmailBody, v); !strings.HasPrefix(b, "Dear Ann:") {
		t.Errorf("the shipped body should stay: %q", b)
	}
	write(tmplEmailBody, "{{.VM_NOSUCH}}")
	if _, err := loadTemplates(dir, "en"); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("a template naming an unknown variable: %v", err)
	}
	write(tmplEmailBody, "{{if}}")
	if _, err := loadTemplates(dir, "en"); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("a template that does not parse: %v", err)
	}
	if _, err := loadTemplates(filepath.Join(dir, "missing"), "en"); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("a missing directory: %v", err)
	}
}

func TestCallerIDAndDuration(t *testing.T) {
	for _, tt := range []struct{ name, num, want string }{
		{"Ann", "5551234", "Ann <5551234>"}, {"", "5551234", "5551234"}, {"Ann", "", "Ann"}, {"", "", "an unknown caller"},
	} {
		if got := callerID(tt.name, tt.num, "an unknown caller"); got != tt.want {
			t.Errorf("callerID(%q, %q) = %q", tt.name, tt.num, got)
		}
	}
	for d, want := range map[time.Duration]string{0: "0:00", 9 * time.Second: "0:09", 75 * time.Second: "1:15", 61*time.Minute + 500*time.Millisecond: "61:00"} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestBackoffDoublesUpToTheMax(t *testing.T) {
	m := &Mailer{cfg: Config{RetryMin: 30 * time.Second, RetryMax: 30 * time.Minute}}
	for attempt, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 7: 30 * time.Minute, 40: 30 * time.Minute} {
		got := m.backoff(attempt)
		if got > want || got < want*4/5 {
			t.Errorf("backoff(%d) = %v, want %v less at most a fifth", attempt, got, want)
		}
	}
}

func FuzzParseWAV(f *testing.F) {
	f.Add(wavAudio{format: []byte{1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x80, 0x3e, 0, 0, 2, 0, 16, 0}, data: make([]byte, 100)}.bytes())
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEdata\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := parseWAV(b)
		if err != nil {
			return
		}
		if w.duration() < 0 {
			t.Fatalf("negative duration")
		}
		// What parses, written again, parses to the same.
		w2, err := parseWAV(w.bytes())
		if err != nil || string(w2.data) != string(w.data) || string(w2.format) != string(w.format) {
			t.Fatalf("round trip: %v", err)
		}
		_ = joinWAV(b, b)
	})
}
