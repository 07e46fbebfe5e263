package triage

import "bytes"

// scanJSON reads a flat JSON object (one log line of Tyk's JSON format, or
// of Docker's json-file driver) and sets the fields it uses. Values it does
// not use are skipped without decoding; nested objects and arrays are
// skipped whole. It returns "" or the reason the line is bad:
// ReasonTruncated when the line ends inside the object, ReasonGarbage for
// any other syntax error.
//
// It is the hot path of the reader: one pass, no allocation. It is our
// own code, not a library's, for speed: with github.com/valyala/fastjson
// (v1.6.10, a reused Parser and Object.Visit: the fastest well-kept
// library that checks the syntax and allocates nothing), the whole
// triage pass over a generated 1 GiB log ran at 324–363 MB/s against
// 526–577 MB/s with this scanner, measured side by side, i.e. 6–9× the
// jq pipeline an operator would type instead where 10× is required
// (BenchmarkTriageThroughput in cmd/upstreamcause).
func scanJSON(b []byte, f *fields) string {
	n := len(b)
	i := skipWS(b, 0)
	if i >= n || b[i] != '{' {
		return ReasonGarbage
	}
	i = skipWS(b, i+1)
	if i < n && b[i] == '}' {
		return trailing(b, i+1)
	}
	for {
		if i >= n {
			return ReasonTruncated
		}
		if b[i] != '"' {
			return ReasonGarbage
		}
		end := i + 1 // keys are short: a loop beats bytes.IndexByte
		for end < n && b[end] != '"' && b[end] != '\\' {
			end++
		}
		if end < n && b[end] == '\\' {
			var ok bool
			if end, ok = stringEnd(b, i+1); !ok {
				return ReasonTruncated
			}
		} else if end >= n {
			return ReasonTruncated
		}
		key := b[i+1 : end]
		i = end + 1
		if i < n && b[i] == ':' && i+1 < n && b[i+1] > ' ' {
			i++ // compact JSON, as Tyk writes it
		} else {
			i = skipWS(b, i)
			if i >= n {
				return ReasonTruncated
			}
			if b[i] != ':' {
				return ReasonGarbage
			}
			i = skipWS(b, i+1)
			if i >= n {
				return ReasonTruncated
			}
		}
		id := lookupKey(key)
		switch c := b[i]; {
		case c == '"':
			end, ok := stringEnd(b, i+1)
			if !ok {
				return ReasonTruncated
			}
			if id != fNone {
				v := b[i+1 : end]
				enc := encRaw
				if bytes.IndexByte(v, '\\') >= 0 {
					enc = encJSON
				}
				f.set(id, value{b: v, enc: enc, str: true})
			}
			i = end + 1
		case c == '{' || c == '[':
			end, reason := skipNested(b, i)
			if reason != "" {
				return reason
			}
			i = end
		default:
			start := i
			for i < n && b[i] != ',' && b[i] != '}' && b[i] != ' ' && b[i] != '\t' && b[i] != '\r' && b[i] != '\n' {
				i++
			}
			lit := b[start:i]
			if !validLiteral(lit) {
				if i >= n {
					return ReasonTruncated
				}
				return ReasonGarbage
			}
			if id != fNone && lit[0] != 'n' { // null: absent
				f.set(id, value{b: lit})
			}
		}
		if i < n && b[i] > ' ' {
			// compact: no white space to skip
		} else if i = skipWS(b, i); i >= n {
			return ReasonTruncated
		}
		switch b[i] {
		case ',':
			i++
			if i < n && b[i] <= ' ' {
				i = skipWS(b, i)
			}
		case '}':
			return trailing(b, i+1)
		default:
			return ReasonGarbage
		}
	}
}

// trailing checks that only white space follows the object's end at i.
func trailing(b []byte, i int) string {
	if skipWS(b, i) != len(b) {
		return ReasonGarbage
	}
	return ""
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// stringEnd returns the index of the quote that closes the JSON string
// whose contents start at i; false when the line ends first.
func stringEnd(b []byte, i int) (int, bool) {
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return 0, false
		}
		j += i
		if b[j-1] != '\\' {
			return j, true
		}
		// Escaped when preceded by an odd number of backslashes.
		k := j - 1
		for k >= i && b[k] == '\\' {
			k--
		}
		if (j-1-k)%2 == 0 {
			return j, true
		}
		i = j + 1
	}
}

// skipNested skips the object or array starting at i and returns the index
// after it.
func skipNested(b []byte, i int) (int, string) {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, ""
			}
		case '"':
			end, ok := stringEnd(b, i+1)
			if !ok {
				return 0, ReasonTruncated
			}
			i = end
		}
		i++
	}
	return 0, ReasonTruncated
}

// validLiteral reports whether lit is a JSON number, true, false or null.
// It checks the characters, not the grammar of numbers.
func validLiteral(lit []byte) bool {
	if len(lit) == 0 {
		return false
	}
	switch string(lit) {
	case "true", "false", "null":
		return true
	}
	for _, c := range lit {
		if (c < '0' || c > '9') && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E' {
			return false
		}
	}
	return true
}
