package email

import (
	"fmt"
	"strings"
	"time"
)

// words are the few words the mail needs outside its templates, per
// language.
type words struct {
	// unknownCaller is VM_CALLERID without caller ID (app_voicemail: "an
	// unknown caller").
	unknownCaller string
	// date formats VM_DATE (app_voicemail's emaildateformat, by default
	// "%A, %B %d, %Y at %r").
	date func(t time.Time) string
}

var (
	frDays   = [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	frMonths = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
		"septembre", "octobre", "novembre", "décembre"}
)

var wordsByLang = map[string]words{
	"en": {
		unknownCaller: "an unknown caller",
		date:          func(t time.Time) string { return t.Format("Monday, January 02, 2006 at 03:04:05 PM") },
	},
	"fr": {
		unknownCaller: "un correspondant inconnu",
		date: func(t time.Time) string {
			return fmt.Sprintf("%s %d %s %d à %s", frDays[t.Weekday()], t.Day(), frMonths[t.Month()-1], t.Year(), t.Format("15:04:05"))
		},
	},
}

// wordsFor returns the words of lang (as templates.language picked it),
// English for a language without its own.
func wordsFor(lang string) words {
	if w, ok := wordsByLang[lang]; ok {
		return w
	}
	if i := strings.IndexAny(lang, "_-"); i > 0 {
		if w, ok := wordsByLang[lang[:i]]; ok {
			return w
		}
	}
	return wordsByLang["en"]
}

// callerID is VM_CALLERID, as app_voicemail's ast_callerid_merge: "Name
// <number>", or whichever it has, or unknown.
func callerID(name, num, unknown string) string {
	switch {
	case name != "" && num != "":
		return name + " <" + num + ">"
	case num != "":
		return num
	case name != "":
		return name
	}
	return unknown
}

// duration is VM_DUR, m:ss (app_voicemail: "%d:%02d").
func duration(d time.Duration) string {
	s := int(d / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
