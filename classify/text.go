package classify

import "strings"

// ASCII case-insensitive string helpers that never allocate. Non-ASCII bytes
// (including invalid UTF-8) compare as themselves. Every pattern passed as
// sub is written in lower case.

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// equalFold reports whether s equals the lower-case pattern sub, ignoring
// ASCII case.
func equalFold(s, sub string) bool {
	if len(s) != len(sub) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower(s[i]) != sub[i] {
			return false
		}
	}
	return true
}

// indexFold returns the index of the first occurrence of the lower-case
// pattern sub in s, ignoring ASCII case, or -1. Candidates for the first byte
// are found with strings.IndexByte, for both cases of it.
func indexFold(s, sub string) int {
	n := len(sub)
	if n == 0 {
		return 0
	}
	lo, up := sub[0], sub[0]
	if 'a' <= lo && lo <= 'z' {
		up = lo - ('a' - 'A')
	}
	nextLo, nextUp := -1, -1 // next known position of lo / up at or after i; -2: none left
	for i := 0; i+n <= len(s); {
		if nextLo != -2 && nextLo < i {
			if j := strings.IndexByte(s[i:], lo); j >= 0 {
				nextLo = i + j
			} else {
				nextLo = -2
			}
		}
		if up != lo && nextUp != -2 && nextUp < i {
			if j := strings.IndexByte(s[i:], up); j >= 0 {
				nextUp = i + j
			} else {
				nextUp = -2
			}
		}
		switch {
		case nextLo >= 0 && (nextUp < 0 || nextLo < nextUp):
			i = nextLo
		case nextUp >= 0:
			i = nextUp
		default:
			return -1
		}
		if i+n > len(s) {
			return -1
		}
		if equalFold(s[i+1:i+n], sub[1:]) {
			return i
		}
		i++
	}
	return -1
}

func hasFold(s, sub string) bool { return indexFold(s, sub) >= 0 }

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && equalFold(s[:len(prefix)], prefix)
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && equalFold(s[len(s)-len(suffix):], suffix)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// trimSpace trims ASCII white space at both ends.
func trimSpace(s string) string {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// trimWrapping trims white space and what other loggers and markdown wrap
// an error text in: quotes, backticks, emphasis (* _), quote and list marks
// (> -) and opening brackets at the start; quotes, backticks, emphasis and
// trailing punctuation (. , ; ) ] }) at the end. None of these begins or
// ends an error text Message recognises.
func trimWrapping(s string) string {
	for len(s) > 0 && (isSpace(s[0]) || strings.IndexByte("\"'`*_>-([", s[0]) >= 0) {
		s = s[1:]
	}
	for len(s) > 0 && (isSpace(s[len(s)-1]) || strings.IndexByte("\"'`*_.,;)]}", s[len(s)-1]) >= 0) {
		s = s[:len(s)-1]
	}
	return s
}

// isWord reports whether s is, or ends with, the error text word: s equals
// word, or ends with ": "+word (as in "read tcp …: EOF"), ignoring case.
func isWord(s, word string) bool {
	if !hasSuffixFold(s, word) {
		return false
	}
	rest := s[:len(s)-len(word)]
	return rest == "" || hasSuffixFold(rest, ": ")
}

// hasWordAt reports whether the lower-case pattern sub occurs in s at the
// start or right after a space or colon (so "lookup " does not match inside
// "xlookup ").
func hasWordAt(s, sub string) bool {
	for off := 0; off < len(s); {
		i := indexFold(s[off:], sub)
		if i < 0 {
			return false
		}
		i += off
		if i == 0 || s[i-1] == ' ' || s[i-1] == ':' {
			return true
		}
		off = i + 1
	}
	return false
}
