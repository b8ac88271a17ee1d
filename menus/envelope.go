package menus

import (
	"time"
)

// envelope is what app_voicemail says before a message's audio
// (play_message_datetime, play_message_callerid, play_message_duration):
// "received today at 9 42 a.m.", with saycid ", from phone number 2 0 0
// 1", with sayduration the length of long messages; nothing without
// envelope (app_voicemail's play_message tests each option).
func envelope(loc *time.Location, lang string, m MsgInfo, nowMS int64, o BoxOptions) []string {
	var out []string
	if o.Envelope {
		out = append(out, "vm-received")
		out = append(out, sayWhen(loc, lang, time.UnixMilli(m.Received), time.UnixMilli(nowMS))...)
	}
	if o.SayCID {
		out = append(out, sayCaller(m)...)
	}
	// sayduration with saydurationm=2: only messages of two minutes or more.
	if mins := m.Duration / 60; o.SayDuration && mins >= 2 {
		out = append(out, "vm-duration")
		out = append(out, SayNumber(lang, mins)...)
		out = append(out, "vm-minutes")
	}
	return out
}

// The spans of main/say.c's 'q' format, counted back from the start of
// today: the weekday is said within 2628000 s (a month), the year after
// 15768000 s (six months).
const (
	sayWeekdayWithin = 2628000 * time.Second
	sayYearAfter     = 15768000 * time.Second
)

// sayCaller is the caller ID of the envelope (play_message_callerid).
func sayCaller(m MsgInfo) []string {
	var out []string
	if m.CallerNum == "" {
		return append(out, "vm-unknown-caller")
	}
	out = append(out, "vm-from-phonenumber")
	return append(out, sayDigits(m.CallerNum)...)
}

// sayWhen says a time with app_voicemail's default English format
// "q 'digits/at' IMp": today, yesterday, a weekday within the last week,
// then the weekday and the date within a month, the date within six months,
// the date and the year before; then the hour, the minutes and a.m. or p.m.
func sayWhen(loc *time.Location, lang string, t, now time.Time) []string {
	if loc == nil {
		loc = time.UTC
	}
	t, now = t.In(loc), now.In(loc)
	var out []string
	day := func(x time.Time) time.Time { return time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, loc) }
	days := int(day(now).Sub(day(t)).Hours()/24 + 0.5)
	switch {
	case days == 0:
		out = append(out, "digits/today")
	case days == 1:
		out = append(out, "digits/yesterday")
	case days > 1 && days < 7:
		out = append(out, "digits/day-"+itoa(int(t.Weekday())))
	case french(lang):
		// "jeudi 21 octobre 2026": day, number, month, year.
		out = append(out, "digits/day-"+itoa(int(t.Weekday())))
		out = append(out, SayNumber(lang, t.Day())...)
		out = append(out, "digits/mon-"+itoa(int(t.Month())-1))
		out = append(out, SayNumber(lang, t.Year())...)
	default:
		// main/say.c's 'q' past the last week: "ABd" (weekday, month,
		// day) within about a month of today's start, "Bd" within about
		// six months, "BdY" before.
		ago := day(now).Sub(t)
		if ago < sayWeekdayWithin {
			out = append(out, "digits/day-"+itoa(int(t.Weekday())))
		}
		out = append(out, "digits/mon-"+itoa(int(t.Month())-1))
		out = append(out, sayOrdinalEN(t.Day())...)
		if ago >= sayYearAfter {
			out = append(out, SayNumber(lang, t.Year())...)
		}
	}
	out = append(out, "digits/at")
	if french(lang) {
		// 24-hour clock: "à 14 heures 5".
		out = append(out, SayNumber(lang, t.Hour())...)
		out = append(out, "digits/oclock")
		if m := t.Minute(); m > 0 {
			out = append(out, SayNumber(lang, m)...)
		}
		return out
	}
	h := t.Hour() % 12
	if h == 0 {
		h = 12
	}
	out = append(out, "digits/"+itoa(h))
	switch m := t.Minute(); {
	case m == 0:
		out = append(out, "digits/oclock")
	case m < 10:
		out = append(out, "digits/oh", "digits/"+itoa(m))
	default:
		out = append(out, SayNumber(lang, m)...)
	}
	if t.Hour() < 12 {
		out = append(out, "digits/a-m")
	} else {
		out = append(out, "digits/p-m")
	}
	return out
}

// sayOrdinalEN says a day of the month: "digits/h-1" … "digits/h-20",
// "digits/20" "digits/h-1" for the 21st, "digits/h-30".
func sayOrdinalEN(d int) []string {
	switch {
	case d <= 20 || d%10 == 0:
		return []string{"digits/h-" + itoa(d)}
	default:
		return []string{"digits/" + itoa(d/10*10), "digits/h-" + itoa(d%10)}
	}
}

func french(lang string) bool {
	return len(lang) >= 2 && (lang[:2] == "fr" || lang[:2] == "FR")
}
