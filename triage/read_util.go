package triage

import (
	"bytes"
	"math"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// String bounds: an Entry's strings are copies of at most these many bytes
// of the line (cut on a UTF-8 boundary).
const (
	maxShort = 256 // names, addresses, flags, paths
	maxLong  = 512 // error texts and messages (the plugin cuts its error at 512 bytes too)
)

// interner keeps one copy of each recurring string (nodes, targets, API
// ids, flags …), so that an Entry's strings cost no allocation once seen.
// It holds at most internMax strings of at most maxShort bytes; beyond
// that, strings are copied each time. In front of the map, the last string
// of each field is kept: consecutive lines mostly repeat it.
type interner struct {
	m    map[string]string
	last [nFields]string
}

const internMax = 1 << 14

func (in *interner) init() {
	if in.m == nil {
		in.m = make(map[string]string, 1024)
	}
}

// str returns b as a string, interned when it is short enough and the
// table not full.
func (in *interner) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if in == nil {
		return string(b)
	}
	in.init()
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(b) <= maxShort && len(in.m) < internMax {
		in.m[s] = s
	}
	return s
}

// field returns b, the value of field id, as a string: the field's last
// string when b equals it, else interned.
func (in *interner) field(id fieldID, b []byte) string {
	if in == nil {
		return string(b)
	}
	if l := in.last[id]; len(l) == len(b) && l == string(b) {
		return l
	}
	s := in.str(b)
	in.last[id] = s
	return s
}

// copyOf returns b as a new string, or the field's last string when b
// equals it: for values too varied to intern (paths, error texts).
func (in *interner) copyOf(id fieldID, b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if in == nil {
		return string(b)
	}
	if l := in.last[id]; len(l) == len(b) && l == string(b) {
		return l
	}
	s := string(b)
	in.last[id] = s
	return s
}

// cut returns b cut to at most max bytes on a UTF-8 boundary.
func cut(b []byte, max int) []byte {
	if len(b) <= max {
		return b
	}
	n := max
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return b[:n]
}

// decode returns the text of v: its bytes as is, or unescaped (JSON or Go
// quoting) into scratch, cut to max bytes. The result may alias the line or
// scratch; the second result is the scratch to keep.
func decode(v value, scratch []byte, max int) ([]byte, []byte) {
	switch v.enc {
	case encJSON:
		start := len(scratch)
		scratch = unescapeJSON(scratch, v.b, max)
		return scratch[start:], scratch
	case encGo:
		start := len(scratch)
		scratch = unquoteGo(scratch, v.b, max)
		return scratch[start:], scratch
	}
	return cut(v.b, max), scratch
}

// unescapeJSON appends the unescaped inside of a JSON string to dst,
// stopping once max bytes are written. Invalid escapes are kept as written.
func unescapeJSON(dst, s []byte, max int) []byte {
	limit := len(dst) + max
	for i := 0; i < len(s) && len(dst) < limit; {
		if s[i] != '\\' || i+1 >= len(s) {
			// Copy the run up to the next backslash at once.
			j := bytes.IndexByte(s[i+1:], '\\')
			if j < 0 {
				j = len(s)
			} else {
				j += i + 1
			}
			j = min(j, i+limit-len(dst))
			dst = append(dst, s[i:j]...)
			i = j
			continue
		}
		switch s[i+1] {
		case '"', '\\', '/':
			dst = append(dst, s[i+1])
		case 'n':
			dst = append(dst, '\n')
		case 't':
			dst = append(dst, '\t')
		case 'r':
			dst = append(dst, '\r')
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'u':
			r, n := hex4(s[i+2:])
			if n == 0 {
				dst = append(dst, '\\', 'u')
				i += 2
				continue
			}
			i += 6
			if utf16.IsSurrogate(r) && i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
				if r2, n2 := hex4(s[i+2:]); n2 != 0 {
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						r = d
						i += 6
					}
				}
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default:
			dst = append(dst, '\\', s[i+1])
		}
		i += 2
	}
	return trimRunes(dst, limit)
}

// hex4 parses 4 hex digits; n is 4, or 0 when s does not start with them.
func hex4(s []byte) (rune, int) {
	if len(s) < 4 {
		return 0, 0
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, 0
		}
	}
	return r, 4
}

// unquoteGo appends the text of a Go-quoted string (with its quotes, as
// strconv.Quote and logrus's TextFormatter write it) to dst, stopping once
// max bytes are written. A malformed escape is kept as written.
func unquoteGo(dst, s []byte, max int) []byte {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	limit := len(dst) + max
	for i := 0; i < len(s) && len(dst) < limit; {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			dst = append(dst, c)
			i++
			continue
		}
		// strconv.UnquoteChar handles every Go escape.
		r, mb, tail, err := strconv.UnquoteChar(string(s[i:min(len(s), i+10)]), '"')
		if err != nil {
			dst = append(dst, c)
			i++
			continue
		}
		used := min(len(s), i+10) - i - len(tail)
		if mb {
			dst = utf8.AppendRune(dst, r)
		} else {
			dst = append(dst, byte(r)) // an ASCII escape, or \xNN of any byte
		}
		i += used
	}
	return trimRunes(dst, limit)
}

// trimRunes cuts dst to limit bytes on a UTF-8 boundary.
func trimRunes(dst []byte, limit int) []byte {
	if len(dst) <= limit {
		return dst
	}
	n := limit
	for n > 0 && !utf8.RuneStart(dst[n]) {
		n--
	}
	return dst[:n]
}

// parseInt parses a decimal integer (a JSON number without fraction, or a
// string of digits); ok is false for anything else.
func parseInt(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parseFloat parses a JSON number; NaN when b is none.
func parseFloat(b []byte) float64 {
	// The common case: digits, an optional fraction of up to 15 digits.
	var mant uint64
	digits, frac := 0, -1
	neg := false
	i := 0
	if len(b) > 0 && b[0] == '-' {
		neg = true
		i++
	}
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case '0' <= c && c <= '9':
			mant = mant*10 + uint64(c-'0')
			digits++
			if frac >= 0 {
				frac++
			}
		case c == '.' && frac < 0:
			frac = 0
		default:
			goto slow
		}
	}
	if digits == 0 || digits > 15 || frac == 0 {
		goto slow
	}
	{
		f := float64(mant)
		if frac > 0 {
			f /= pow10[frac]
		}
		if neg {
			f = -f
		}
		return f
	}
slow:
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16}

// parseRFC3339 parses "2006-01-02T15:04:05[.frac](Z|±hh:mm)" into UTC
// without allocating; ok is false for anything else.
func parseRFC3339(b []byte) (time.Time, bool) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != 't' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	num := func(s []byte) int {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(b[0:4]), num(b[5:7]), num(b[8:10])
	hour, minute, sec := num(b[11:13]), num(b[14:16]), num(b[17:19])
	if year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 60 {
		return time.Time{}, false
	}
	i, nsec := 19, 0
	if i < len(b) && b[i] == '.' {
		i++
		scale := 100000000
		start := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			nsec += int(b[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == start {
			return time.Time{}, false
		}
	}
	if i >= len(b) {
		return time.Time{}, false
	}
	offset := 0
	switch b[i] {
	case 'Z', 'z':
		i++
	case '+', '-':
		if len(b) < i+6 || b[i+3] != ':' {
			return time.Time{}, false
		}
		h, m := num(b[i+1:i+3]), num(b[i+4:i+6])
		if h < 0 || m < 0 {
			return time.Time{}, false
		}
		offset = (h*60 + m) * 60
		if b[i] == '-' {
			offset = -offset
		}
		i += 6
	default:
		return time.Time{}, false
	}
	if i != len(b) {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), true
}

// parseStamp parses Tyk's yearless text time, "Jan 02 15:04:05", into its
// parts; ok is false for anything else.
func parseStamp(b []byte) (month time.Month, day, sec int, ok bool) {
	if len(b) != 15 || b[3] != ' ' || b[6] != ' ' || b[9] != ':' || b[12] != ':' {
		return 0, 0, 0, false
	}
	m := 0
	for i, name := range monthNames {
		if string(b[:3]) == name {
			m = i + 1
		}
	}
	d, ok1 := parseInt(b[4:6])
	h, ok2 := parseInt(b[7:9])
	mi, ok3 := parseInt(b[10:12])
	s, ok4 := parseInt(b[13:15])
	if m == 0 || !ok1 || !ok2 || !ok3 || !ok4 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 {
		return 0, 0, 0, false
	}
	return time.Month(m), d, h*3600 + mi*60 + s, true
}

var monthNames = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// stampTime places a yearless time in year; it is read as UTC.
func stampTime(year int, month time.Month, day, sec int) time.Time {
	return time.Date(year, month, day, 0, 0, sec, 0, time.UTC)
}

// nearestYear places a yearless time in the year, among ref's and the ones
// either side, that puts it nearest ref (a wrapper's own timestamp).
func nearestYear(ref time.Time, month time.Month, day, sec int) time.Time {
	best := stampTime(ref.Year(), month, day, sec)
	for _, y := range []int{ref.Year() - 1, ref.Year() + 1} {
		t := stampTime(y, month, day, sec)
		if absDur(t.Sub(ref)) < absDur(best.Sub(ref)) {
			best = t
		}
	}
	return best
}

// yearBefore places a yearless time in ref's year, or the one before when
// that would put it more than a day after ref (a file's modification time:
// its lines were written before it).
func yearBefore(ref time.Time, month time.Month, day, sec int) time.Time {
	t := stampTime(ref.Year(), month, day, sec)
	if t.Sub(ref) > 24*time.Hour {
		t = stampTime(ref.Year()-1, month, day, sec)
	}
	return t
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
