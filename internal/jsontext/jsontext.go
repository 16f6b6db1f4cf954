// Package jsontext checks that a JSON request body's text can be taken at
// its word. encoding/json replaces invalid UTF-8, and escaped UTF-16
// surrogates that do not pair up, with U+FFFD without a word: a request
// carrying them would be stored changed. Both dialects refuse such a body
// with their own argument error instead.
package jsontext

import "unicode/utf8"

// Problem describes the first reason body's text would not survive
// decoding unchanged, or is "" when it would.
func Problem(body []byte) string {
	if !utf8.Valid(body) {
		return "request body is not valid UTF-8"
	}
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		// An escape: \uXXXX may be a surrogate; any other escape is two bytes.
		if i+1 >= len(body) || body[i+1] != 'u' {
			i++
			continue
		}
		r, ok := hex4(body, i+2)
		if !ok {
			i++ // the JSON decoder reports the bad escape itself
			continue
		}
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return "request body has an unpaired UTF-16 surrogate escape (\\u" + string(body[i+2:i+6]) + ")"
		case r >= 0xD800 && r <= 0xDBFF:
			lo, ok := rune(0), false
			if i+7 < len(body) && body[i+6] == '\\' && body[i+7] == 'u' {
				lo, ok = hex4(body, i+8)
			}
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return "request body has an unpaired UTF-16 surrogate escape (\\u" + string(body[i+2:i+6]) + ")"
			}
			i += 11
		default:
			i += 5
		}
	}
	return ""
}

// hex4 reads four hex digits at b[at:].
func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
