package triage

import "bytes"

// scanText reads one line of Tyk's text format, logrus's TextFormatter:
//
//	time="Dec 01 06:04:19" level=info msg="…" prefix=access-log status=500 …
//
// Fields are key=value separated by one space; a value with a character
// outside [A-Za-z0-9-._/@^+] is Go-quoted (strconv.Quote: \" \\ \n \t
// \xNN \uNNNN), an empty value is written as nothing (key=). It sets the
// fields it uses and returns "" or the reason the line is bad:
// ReasonTruncated for a quoted value the line ends inside, ReasonGarbage
// for a field without "=".
func scanText(b []byte, f *fields) string {
	n := len(b)
	i := 0
	for i < n {
		for i < n && b[i] == ' ' {
			i++
		}
		if i >= n {
			break
		}
		start := i
		for i < n && b[i] != '=' && b[i] != ' ' {
			i++
		}
		if i >= n || b[i] != '=' || i == start {
			return ReasonGarbage
		}
		key := b[start:i]
		i++
		id := lookupKey(key)
		if i < n && b[i] == '"' {
			end, ok := goStringEnd(b, i+1)
			if !ok {
				return ReasonTruncated
			}
			if id != fNone {
				v := b[i : end+1]
				enc := encGo
				if !hasByte(v[1:len(v)-1], '\\') {
					v, enc = v[1:len(v)-1], encRaw
				}
				f.set(id, value{b: v, enc: enc, str: true})
			}
			i = end + 1
			if i < n && b[i] != ' ' {
				return ReasonGarbage
			}
			continue
		}
		vs := i
		if j := bytes.IndexByte(b[i:], ' '); j >= 0 {
			i += j
		} else {
			i = n
		}
		if id != fNone {
			f.set(id, value{b: b[vs:i], str: true})
		}
	}
	return ""
}

// goStringEnd returns the index of the quote closing the Go-quoted string
// whose contents start at i; false when the line ends first.
func goStringEnd(b []byte, i int) (int, bool) {
	for i < len(b) {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return 0, false
		}
		j += i
		k := j - 1 // escaped when preceded by an odd number of backslashes
		for k >= i && b[k] == '\\' {
			k--
		}
		if (j-1-k)%2 == 0 {
			return j, true
		}
		i = j + 1
	}
	return 0, false
}

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}
