package menus

import (
	"strconv"
	"strings"
)

// SayNumber returns the sound files that speak n in lang, as Asterisk's
// ast_say_number does (main/say.c), so that each file can be interrupted by a
// key, which ARI's number: media cannot.
func SayNumber(lang string, n int) []string {
	if strings.HasPrefix(strings.ToLower(lang), "fr") {
		return sayFR(n)
	}
	return sayEN(n)
}

func digit(n int) string { return "digits/" + strconv.Itoa(n) }

func itoa(n int) string { return strconv.Itoa(n) }

// sayEN follows ast_say_number_full_en.
func sayEN(n int) []string {
	if n == 0 {
		return []string{digit(0)}
	}
	var out []string
	if n < 0 {
		out = append(out, "digits/minus")
		n = -n
	}
	for n > 0 {
		switch {
		case n < 20:
			out = append(out, digit(n))
			n = 0
		case n < 100:
			out = append(out, digit(n/10*10))
			n %= 10
		case n < 1000:
			out = append(out, digit(n/100), "digits/hundred")
			n %= 100
		case n < 1000000:
			out = append(out, sayEN(n/1000)...)
			out = append(out, "digits/thousand")
			n %= 1000
		default:
			out = append(out, sayEN(n/1000000)...)
			out = append(out, "digits/million")
			n %= 1000000
		}
	}
	return out
}

// sayFR follows ast_say_number_full_fr: "vingt et un", "soixante et onze",
// "quatre-vingt-douze", "cent", "mille".
func sayFR(n int) []string {
	if n == 0 {
		return []string{digit(0)}
	}
	var out []string
	if n < 0 {
		out = append(out, "digits/minus")
		n = -n
	}
	for n > 0 {
		switch {
		case n < 21:
			out = append(out, digit(n))
			n = 0
		case n < 70:
			out = append(out, digit(n/10*10))
			if n%10 == 1 {
				out = append(out, "digits/et")
			}
			n %= 10
		case n < 80:
			out = append(out, digit(60))
			if n%10 == 1 {
				out = append(out, "digits/et")
			}
			n -= 60
		case n < 100:
			out = append(out, digit(80))
			n -= 80
		case n < 200:
			out = append(out, "digits/hundred")
			n -= 100
		case n < 1000:
			out = append(out, digit(n/100), "digits/hundred")
			n %= 100
		case n < 2000:
			out = append(out, "digits/thousand")
			n -= 1000
		case n < 1000000:
			out = append(out, sayFR(n/1000)...)
			out = append(out, "digits/thousand")
			n %= 1000
		default:
			out = append(out, sayFR(n/1000000)...)
			out = append(out, "digits/million")
			n %= 1000000
		}
	}
	return out
}
