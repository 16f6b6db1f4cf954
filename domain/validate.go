package domain

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// One input policy for both dialects and both stores: text is valid UTF-8
// without NUL (PostgreSQL refuses NUL in text, and SQLite would store it,
// so the backends would disagree); an ID is also free of control and
// invisible format characters (zero-width space and friends), of leading
// and trailing white space, and not white space alone. Messages quote at
// most a short prefix of an offending value.

// maxQuoted is how many bytes of an offending value a message shows.
const maxQuoted = 32

// quoted is v for an error message: Go-quoted, cut to maxQuoted bytes on a
// rune boundary, with "…" when cut.
func quoted(v string) string {
	if len(v) <= maxQuoted {
		return strconv.Quote(v)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return strconv.Quote(v[:cut]) + "…"
}

// textProblem says what is wrong with free text, or "".
func textProblem(v string) string {
	switch {
	case !utf8.ValidString(v):
		return "is not valid UTF-8"
	case strings.IndexByte(v, 0) >= 0:
		return "contains a NUL character"
	}
	return ""
}

// idProblem says what is wrong with an ID (already known to be non-empty
// and short enough), or "".
func idProblem(id string) string {
	if p := textProblem(id); p != "" {
		return p
	}
	first, _ := utf8.DecodeRuneInString(id)
	last, _ := utf8.DecodeLastRuneInString(id)
	switch {
	case unicode.IsSpace(first) || unicode.IsSpace(last):
		return "begins or ends with white space"
	case strings.ContainsFunc(id, unicode.IsControl):
		return "contains a control character"
	case strings.ContainsFunc(id, isInvisible):
		return "contains an invisible character"
	}
	return ""
}

// isInvisible reports format characters (Unicode Cf: zero-width space and
// joiners, direction marks, the byte order mark, soft hyphen) and the
// blank fillers that render as nothing.
func isInvisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) || r == '\u3164' || r == '\uFFA0' || r == '\u115F' || r == '\u1160' || r == '\u2800'
}
