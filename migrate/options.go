package migrate

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// What import does with each option of app_voicemail (apps/app_voicemail.c,
// apply_option and load_config). An option this app supports per mailbox
// has an apply function; the others are listed, so that the report names
// them as "not applied: unsupported option X" rather than unknown, and
// wiring one later is a line here.
type optionRule struct {
	// apply sets the option on the mailbox being created; nil when the
	// store has no such setting yet.
	apply func(p *boxPlan, value string) error
	// yaml, for a [general] option, is the setting of the app's YAML that
	// does the same, "" when none does.
	yaml string
}

// boxOptions are app_voicemail's per-mailbox options, and the [general]
// options that are defaults of them.
var boxOptions = map[string]optionRule{
	"language":         {apply: func(p *boxPlan, v string) error { p.Language = v; return nil }},
	"review":           {apply: storeOption("review"), yaml: "voicemail.review"},
	"attach":           {apply: applyAttach},
	"attachfmt":        {},
	"attachextension":  {},
	"serveremail":      {yaml: "mail.from"},
	"fromstring":       {},
	"emailsubject":     {},
	"emailbody":        {},
	"tz":               {apply: applyTZ},
	"locale":           {},
	"delete":           {apply: applyDelete},
	"deletevoicemail":  {},
	"saycid":           {apply: storeOption("saycid")},
	"sendvoicemail":    {},
	"tempgreetwarn":    {},
	"messagewrap":      {},
	"operator":         {apply: storeOption("operator")},
	"envelope":         {apply: storeOption("envelope")},
	"moveheard":        {},
	"sayduration":      {apply: storeOption("sayduration")},
	"saydurationm":     {},
	"forcename":        {apply: storeOption("forcename")},
	"forcegreetings":   {apply: storeOption("forcegreet")},
	"callback":         {},
	"dialout":          {},
	"exitcontext":      {},
	"minsecs":          {apply: storeOption("min_secs")},
	"maxsecs":          {apply: storeOption("max_secs"), yaml: "voicemail.max_message"},
	"maxmessage":       {apply: storeOption("max_secs"), yaml: "voicemail.max_message"},
	"maxmsg":           {apply: storeOption("max_messages"), yaml: "voicemail.max_messages"},
	"backupdeleted":    {},
	"volgain":          {},
	"passwordlocation": {},
	"hidefromdir":      {apply: applyHidden},
	"nextaftercmd":     {},
	"imapuser":         {},
	"imappassword":     {},
	"imapserver":       {},
	"imapport":         {},
	"imapflags":        {},
	"imapfolder":       {},
	"imapvmshareid":    {},
	"emailreplyto":     {},
	"maxsilence":       {apply: storeOption("max_silence"), yaml: "voicemail.max_silence"},
	"maxlogins":        {},
	"format":           {},
}

// generalOnly are [general] options that are no mailbox's: they are
// reported as notes with the YAML setting that does the same, if any.
var generalOnly = map[string]string{
	"format":                     "(messages are stored as WAV; the audio of the spool is converted)",
	"minpassword":                "voicemail.pin_policy",
	"maxlogins":                  "voicemail.max_logins",
	"pollmailboxes":              "",
	"pollfreq":                   "",
	"mailcmd":                    "mail.*",
	"pbxskip":                    "",
	"externnotify":               "",
	"smdiport":                   "",
	"usedirectory":               "",
	"searchcontexts":             "",
	"silencethreshold":           "",
	"skipms":                     "",
	"sendvoicemail":              "",
	"charset":                    "",
	"adsifdn":                    "",
	"adsisec":                    "",
	"adsiver":                    "",
	"userscontext":               "",
	"odbcstorage":                "",
	"odbctable":                  "",
	"cidinternalcontexts":        "",
	"directoryintro":             "",
	"externpass":                 "",
	"externpasscheck":            "",
	"externpassnotify":           "",
	"pagerfromstring":            "",
	"pagersubject":               "",
	"pagerbody":                  "",
	"pagerdateformat":            "",
	"emaildateformat":            "",
	"listen-control-forward-key": "",
	"listen-control-reverse-key": "",
	"listen-control-pause-key":   "",
	"listen-control-restart-key": "",
	"listen-control-stop-key":    "",
	"vm-password":                "",
	"vm-newpassword":             "",
	"vm-passchanged":             "",
	"vm-reenterpassword":         "",
	"vm-mismatch":                "",
	"vm-invalid-password":        "",
	"vm-pls-try-again":           "",
	"vm-prepend-timeout":         "",
	"tempgreetwarn":              "",
	"locktimeout":                "",
	"aliasescontext":             "",
	"mailbox_aliases":            "",
}

// storeOption applies app_voicemail's option as the store's option key
// (state.OptionKeys): a boolean read as ast_true/ast_false, or a number.
func storeOption(key string) func(p *boxPlan, v string) error {
	return func(p *boxPlan, v string) error {
		value := strings.TrimSpace(v)
		if b, ok := confBool(value); ok {
			value = strconv.FormatBool(b)
		}
		next, err := p.Options.Set(key, value)
		if err != nil {
			return fmt.Errorf("%s=%q: %v", key, clip(v), err)
		}
		p.Options = next
		return nil
	}
}

// applyAttach reads attach=yes|no: no attachment, or the sender's default
// format.
func applyAttach(p *boxPlan, v string) error {
	b, ok := confBool(v)
	if !ok {
		return fmt.Errorf("attach=%q is not yes or no", clip(v))
	}
	if !b {
		p.Notify.Attach = "none"
	}
	return nil
}

// applyDelete reads delete=yes|no (delete the message once emailed).
func applyDelete(p *boxPlan, v string) error {
	b, ok := confBool(v)
	if !ok {
		return fmt.Errorf("delete=%q is not yes or no", clip(v))
	}
	p.Notify.DeleteAfterEmail = b
	return nil
}

// applyHidden reads hidefromdir=yes|no (left out of the directory).
func applyHidden(p *boxPlan, v string) error {
	b, ok := confBool(v)
	if !ok {
		return fmt.Errorf("hidefromdir=%q is not yes or no", clip(v))
	}
	p.Hidden = b
	return nil
}

// applyTZ takes tz= when it is an IANA zone name; app_voicemail's usual
// value names a [zonemessages] entry, which is not read.
func applyTZ(p *boxPlan, v string) error {
	tz := strings.TrimSpace(v)
	if tz == "" || strings.ContainsAny(tz, " .\\") || strings.HasPrefix(tz, "/") {
		return fmt.Errorf("tz=%q is not an IANA zone name ([zonemessages] entries are not read)", clip(v))
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return fmt.Errorf("tz=%q is not an IANA zone name ([zonemessages] entries are not read)", clip(v))
	}
	p.Notify.Timezone = tz
	return nil
}

// confBool reads a boolean as Asterisk's ast_true and ast_false do.
func confBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "true", "y", "t", "1", "on":
		return true, true
	case "no", "false", "n", "f", "0", "off":
		return false, true
	}
	return false, false
}

// generalNotes says, for each [general] option, what becomes of it: this
// app takes system-wide settings from its YAML, never per mailbox.
func generalNotes(c *Conf) []string {
	var out []string
	for _, o := range c.General {
		yaml := ""
		if r, ok := boxOptions[o.Key]; ok {
			yaml = r.yaml
		} else if y, ok := generalOnly[o.Key]; ok {
			yaml = y
		} else {
			out = append(out, fmt.Sprintf("[general] %s=%s: not applied: unknown option", o.Key, clip(o.Value)))
			continue
		}
		switch {
		case strings.HasPrefix(yaml, "("):
			out = append(out, fmt.Sprintf("[general] %s=%s: not applied %s", o.Key, clip(o.Value), yaml))
		case yaml != "":
			out = append(out, fmt.Sprintf("[general] %s=%s: not applied per mailbox: set %s in the YAML", o.Key, clip(o.Value), yaml))
		default:
			out = append(out, fmt.Sprintf("[general] %s=%s: not applied: unsupported option %s", o.Key, clip(o.Value), o.Key))
		}
	}
	return out
}
