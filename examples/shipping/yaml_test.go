package shipping_test

import (
	"fmt"
	"strconv"
	"strings"
)

// parseYAML reads the block-style YAML these examples are written in:
// mappings, sequences (also "- key: value" items), plain, single- and
// double-quoted scalars, flow sequences of scalars ([a, "b"]), the empty
// flow mapping {}, block scalars (|, |-, >, >-) and comments. Anything else
// (anchors, aliases, tags, flow mappings with content, tabs in indentation,
// duplicate keys) is an error, so a file that needs a real YAML library
// fails here rather than being misread. The module has no YAML library of
// its own (gopkg.in/yaml.v3 is only in its graph through testify), and the
// examples must not add one. Every value comes back as a string, a
// []any or a map[string]any.
func parseYAML(src string) (any, error) {
	p := &yamlParser{}
	for n, l := range strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n") {
		if strings.Contains(l[:len(l)-len(strings.TrimLeft(l, " \t"))], "\t") {
			return nil, fmt.Errorf("line %d: tab in indentation", n+1)
		}
		p.lines = append(p.lines, l)
	}
	i := p.skip(0)
	if i >= len(p.lines) {
		return nil, nil
	}
	v, next, err := p.block(i, indentOf(p.lines[i]))
	if err != nil {
		return nil, err
	}
	if next = p.skip(next); next < len(p.lines) {
		return nil, fmt.Errorf("line %d: unexpected content %q", next+1, p.lines[next])
	}
	return v, nil
}

type yamlParser struct{ lines []string }

func indentOf(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }

// skip returns the index of the first line at or after i that is neither
// blank nor a comment.
func (p *yamlParser) skip(i int) int {
	for i < len(p.lines) {
		t := strings.TrimSpace(p.lines[i])
		if t != "" && !strings.HasPrefix(t, "#") {
			break
		}
		i++
	}
	return i
}

// block parses the mapping or sequence whose lines start at line i with
// the given indentation.
func (p *yamlParser) block(i, indent int) (any, int, error) {
	l := p.lines[i]
	if strings.HasPrefix(strings.TrimLeft(l, " "), "\t") || strings.Contains(l[:indentOf(l)], "\t") {
		return nil, 0, fmt.Errorf("line %d: tab in indentation", i+1)
	}
	t := strings.TrimSpace(l)
	if t == "-" || strings.HasPrefix(t, "- ") {
		return p.sequence(i, indent)
	}
	return p.mapping(i, indent)
}

func (p *yamlParser) sequence(i, indent int) (any, int, error) {
	var out []any
	for i = p.skip(i); i < len(p.lines); i = p.skip(i) {
		l := p.lines[i]
		in := indentOf(l)
		if in < indent {
			break
		}
		if in > indent {
			return nil, 0, fmt.Errorf("line %d: bad indentation", i+1)
		}
		t := strings.TrimSpace(l)
		if t != "-" && !strings.HasPrefix(t, "- ") {
			break
		}
		rest := strings.TrimSpace(strings.TrimPrefix(t, "-"))
		switch {
		case rest == "":
			j := p.skip(i + 1)
			if j >= len(p.lines) || indentOf(p.lines[j]) <= indent {
				out = append(out, "")
				i++
				continue
			}
			v, next, err := p.block(j, indentOf(p.lines[j]))
			if err != nil {
				return nil, 0, err
			}
			out = append(out, v)
			i = next
		case isMappingLine(rest):
			// "- key: value": a mapping whose first key is on this line; the
			// line is re-read with the dash as indentation.
			p.lines[i] = strings.Repeat(" ", indent) + " " + l[indent+1:]
			v, next, err := p.mapping(i, indentOf(p.lines[i]))
			if err != nil {
				return nil, 0, err
			}
			out = append(out, v)
			i = next
		default:
			v, next, err := p.scalarValue(rest, i, indent)
			if err != nil {
				return nil, 0, err
			}
			out = append(out, v)
			i = next
		}
	}
	return out, i, nil
}

func (p *yamlParser) mapping(i, indent int) (any, int, error) {
	out := map[string]any{}
	for i = p.skip(i); i < len(p.lines); i = p.skip(i) {
		l := p.lines[i]
		in := indentOf(l)
		if in < indent {
			break
		}
		if in > indent {
			return nil, 0, fmt.Errorf("line %d: bad indentation", i+1)
		}
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "- ") || t == "-" {
			break
		}
		key, rest, err := splitKey(t)
		if err != nil {
			return nil, 0, fmt.Errorf("line %d: %v", i+1, err)
		}
		if _, dup := out[key]; dup {
			return nil, 0, fmt.Errorf("line %d: duplicate key %q", i+1, key)
		}
		if rest == "" {
			j := p.skip(i + 1)
			if j < len(p.lines) && indentOf(p.lines[j]) > indent {
				v, next, err := p.block(j, indentOf(p.lines[j]))
				if err != nil {
					return nil, 0, err
				}
				out[key] = v
				i = next
				continue
			}
			out[key] = ""
			i++
			continue
		}
		v, next, err := p.scalarValue(rest, i, indent)
		if err != nil {
			return nil, 0, err
		}
		out[key] = v
		i = next
	}
	return out, i, nil
}

// isMappingLine reports whether t starts with "key:" followed by a space
// or the end of the line (a plain or quoted key).
func isMappingLine(t string) bool {
	_, _, err := splitKey(t)
	return err == nil
}

func splitKey(t string) (key, rest string, err error) {
	if t == "" {
		return "", "", fmt.Errorf("empty line")
	}
	if t[0] == '"' || t[0] == '\'' {
		end := quotedEnd(t)
		if end < 0 || end+1 >= len(t) || t[end+1] != ':' {
			return "", "", fmt.Errorf("not a key: %q", t)
		}
		k, err := unquoteYAML(t[:end+1])
		if err != nil {
			return "", "", err
		}
		return k, strings.TrimSpace(t[end+2:]), nil
	}
	for j := 0; j < len(t); j++ {
		if t[j] == ':' && (j+1 == len(t) || t[j+1] == ' ') {
			k := strings.TrimSpace(t[:j])
			if k == "" || strings.ContainsAny(k[:1], "[{&*!|>%@`#") {
				return "", "", fmt.Errorf("not a key: %q", t)
			}
			return k, strings.TrimSpace(t[j+1:]), nil
		}
		if t[j] == ' ' && j+1 < len(t) && t[j+1] == '#' {
			break
		}
	}
	return "", "", fmt.Errorf("not a key: %q", t)
}

// quotedEnd returns the index of the quote closing the scalar that t
// starts with, or -1.
func quotedEnd(t string) int {
	q := t[0]
	for j := 1; j < len(t); j++ {
		switch {
		case q == '"' && t[j] == '\\':
			j++
		case q == '\'' && t[j] == '\'' && j+1 < len(t) && t[j+1] == '\'':
			j++
		case t[j] == q:
			return j
		}
	}
	return -1
}

func unquoteYAML(s string) (string, error) {
	if s[0] == '\'' {
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'"), nil
	}
	v, err := strconv.Unquote(s)
	if err != nil {
		return "", fmt.Errorf("bad double-quoted scalar %s: %v", s, err)
	}
	return v, nil
}

// scalarValue parses the value after "key: " or "- " on line i: a block
// scalar (continuing on the lines below), a quoted or plain scalar, or a
// flow sequence.
func (p *yamlParser) scalarValue(rest string, i, indent int) (any, int, error) {
	switch {
	case rest == "|" || rest == "|-" || rest == ">" || rest == ">-":
		var body []string
		j := i + 1
		blockIndent := -1
		for ; j < len(p.lines); j++ {
			l := p.lines[j]
			if strings.TrimSpace(l) == "" {
				body = append(body, "")
				continue
			}
			in := indentOf(l)
			if in <= indent {
				break
			}
			if blockIndent < 0 {
				blockIndent = in
			}
			if in < blockIndent {
				return nil, 0, fmt.Errorf("line %d: block scalar line less indented than its first", j+1)
			}
			body = append(body, l[blockIndent:])
		}
		for len(body) > 0 && body[len(body)-1] == "" {
			body = body[:len(body)-1]
		}
		sep := "\n"
		if rest[0] == '>' {
			sep = " "
		}
		s := strings.Join(body, sep)
		if !strings.HasSuffix(rest, "-") {
			s += "\n"
		}
		return s, j, nil
	case rest[0] == '"' || rest[0] == '\'':
		end := quotedEnd(rest)
		if end < 0 {
			return nil, 0, fmt.Errorf("line %d: unterminated quoted scalar", i+1)
		}
		if tail := strings.TrimSpace(rest[end+1:]); tail != "" && !strings.HasPrefix(tail, "#") {
			return nil, 0, fmt.Errorf("line %d: content after a quoted scalar: %q", i+1, tail)
		}
		v, err := unquoteYAML(rest[:end+1])
		if err != nil {
			return nil, 0, fmt.Errorf("line %d: %v", i+1, err)
		}
		return v, i + 1, nil
	case rest[0] == '[':
		v, err := flowSequence(rest)
		if err != nil {
			return nil, 0, fmt.Errorf("line %d: %v", i+1, err)
		}
		return v, i + 1, nil
	case rest == "{}":
		return map[string]any{}, i + 1, nil
	case strings.ContainsAny(rest[:1], "{&*!%@`"):
		return nil, 0, fmt.Errorf("line %d: unsupported YAML construct %q", i+1, rest)
	}
	if k := strings.Index(rest, " #"); k >= 0 {
		rest = strings.TrimSpace(rest[:k])
	}
	if strings.Contains(rest, ": ") {
		return nil, 0, fmt.Errorf("line %d: plain scalar with \": \" (quote it): %q", i+1, rest)
	}
	return rest, i + 1, nil
}

// flowSequence parses [a, "b", 'c'] (scalars only, on one line).
func flowSequence(s string) ([]any, error) {
	end := strings.LastIndex(s, "]")
	if end < 0 {
		return nil, fmt.Errorf("unterminated flow sequence %q", s)
	}
	if tail := strings.TrimSpace(s[end+1:]); tail != "" && !strings.HasPrefix(tail, "#") {
		return nil, fmt.Errorf("content after a flow sequence: %q", tail)
	}
	body := strings.TrimSpace(s[1:end])
	out := []any{}
	for body != "" {
		var item string
		if body[0] == '"' || body[0] == '\'' {
			e := quotedEnd(body)
			if e < 0 {
				return nil, fmt.Errorf("unterminated quoted item in %q", s)
			}
			v, err := unquoteYAML(body[:e+1])
			if err != nil {
				return nil, err
			}
			item, body = v, strings.TrimSpace(body[e+1:])
		} else {
			c := strings.IndexByte(body, ',')
			if c < 0 {
				c = len(body)
			}
			item, body = strings.TrimSpace(body[:c]), body[c:]
			if strings.ContainsAny(item, "[]{}") {
				return nil, fmt.Errorf("nested flow collections are not supported: %q", s)
			}
		}
		out = append(out, item)
		if body == "" {
			break
		}
		if body[0] != ',' {
			return nil, fmt.Errorf("expected , in %q", s)
		}
		body = strings.TrimSpace(body[1:])
	}
	return out, nil
}

// yget walks a parsed YAML value by map keys and sequence indexes.
func yget(v any, path ...any) (any, error) {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%v: not a mapping", k)
			}
			if v, ok = m[k]; !ok {
				return nil, fmt.Errorf("no key %q", k)
			}
		case int:
			s, ok := v.([]any)
			if !ok || k >= len(s) {
				return nil, fmt.Errorf("[%d]: not a sequence or too short", k)
			}
			v = s[k]
		}
	}
	return v, nil
}
