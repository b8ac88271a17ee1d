package ari

import "bytes"

// scanType returns the value of the top-level "type" member of the JSON
// object in data, found without decoding the rest. It gives ok false when
// data does not start as an object, when no member is spelt exactly "type"
// with a plain string value (no escapes), or when it loses its way in
// malformed input. It does not validate: DecodeEvent unmarshals the frame
// afterwards, which rejects what is not JSON, and checks that it read the
// same type.
func scanType(data []byte) (typ string, ok bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return "", false
	}
	i++
	for {
		i = skipSpace(data, i)
		if i >= len(data) || data[i] != '"' {
			return "", false
		}
		key, next, plain := scanString(data, i)
		if next < 0 {
			return "", false
		}
		i = skipSpace(data, next)
		if i >= len(data) || data[i] != ':' {
			return "", false
		}
		i = skipSpace(data, i+1)
		if plain && string(key) == "type" {
			if i >= len(data) || data[i] != '"' {
				return "", false
			}
			val, _, plain := scanString(data, i)
			if val == nil || !plain {
				return "", false
			}
			return string(val), true
		}
		if i = skipValue(data, i); i < 0 {
			return "", false
		}
		i = skipSpace(data, i)
		if i >= len(data) || data[i] != ',' {
			return "", false
		}
		i++
	}
}

// scanString reads the JSON string starting at data[i] == '"'. It returns
// its raw contents, the index after the closing quote (-1 if there is
// none), and whether the contents hold no escape.
func scanString(data []byte, i int) (raw []byte, next int, plain bool) {
	j := i + 1
	plain = true
	for j < len(data) {
		switch data[j] {
		case '\\':
			plain = false
			j += 2
			continue
		case '"':
			return data[i+1 : j], j + 1, plain
		}
		j++
	}
	return nil, -1, false
}

// skipValue returns the index after the JSON value starting at data[i], or
// -1. Objects and arrays are skipped by depth, strings by their quotes;
// anything else runs to the next delimiter.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		_, next, _ := scanString(data, i)
		return next
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				_, next, _ := scanString(data, i)
				if next < 0 {
					return -1
				}
				i = next
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	if j := bytes.IndexAny(data[i:], ",}] \t\r\n"); j > 0 {
		return i + j
	}
	return -1
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}
