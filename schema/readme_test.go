package schema

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/upstreamcause/tyk-upstream-cause/accesslog"
	"github.com/upstreamcause/tyk-upstream-cause/probe"
)

// readmePending are the fields the plugin writes that the README documents
// only in prose, not in a table row yet, and why; each is logged, not
// failed. Remove an entry once the README's table has its row (the row is
// then checked like every other).
var readmePending = map[string]string{}

// readmePath is the README the tests read: ../README.md, or the file
// SCHEMA_README names (to try a change to the README before making it).
func readmePath() string {
	if p := os.Getenv("SCHEMA_README"); p != "" {
		return p
	}
	return "../README.md"
}

// readmeRow is one row of a README field table.
type readmeRow struct {
	line     int
	names    []string // the backticked keys of the field cell
	typ      string   // the type cell
	examples []string // the backticked values of the example cell
	exCell   string
	text     string // the whole row
}

// readmeSection returns the lines of README.md from the heading that starts
// with heading to the next heading of the same or a higher level.
func readmeSection(t *testing.T, readme []string, heading string) (int, []string) {
	t.Helper()
	level := strings.Index(heading, " ")
	for i, l := range readme {
		if !strings.HasPrefix(l, heading) {
			continue
		}
		for j := i + 1; j < len(readme); j++ {
			if h := strings.Index(readme[j], " "); strings.HasPrefix(readme[j], "#") && h > 0 && h <= level && strings.Trim(readme[j][:h], "#") == "" {
				return i + 1, readme[i:j]
			}
		}
		return i + 1, readme[i:]
	}
	t.Fatalf("README.md has no section %q", heading)
	return 0, nil
}

var backticked = regexp.MustCompile("`([^`]*)`")

// fieldRows parses the rows of the tables whose header starts with
// "| field | type |" in lines (which start at README line first).
func fieldRows(first int, lines []string) []readmeRow {
	var rows []readmeRow
	in := false
	for i, l := range lines {
		if !strings.HasPrefix(l, "|") {
			in = false
			continue
		}
		cells := strings.Split(strings.Trim(l, "|"), "|")
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		if len(cells) >= 3 && cells[0] == "field" && cells[1] == "type" {
			in = true
			continue
		}
		if !in || strings.HasPrefix(cells[0], "---") || len(cells) < 3 {
			continue
		}
		r := readmeRow{line: first + i, typ: cells[1], exCell: cells[2], text: l}
		for _, m := range backticked.FindAllStringSubmatch(cells[0], -1) {
			r.names = append(r.names, m[1])
		}
		for _, m := range backticked.FindAllStringSubmatch(cells[2], -1) {
			r.examples = append(r.examples, m[1])
		}
		rows = append(rows, r)
	}
	return rows
}

// readmeType maps a README type ("int", "float, ms", "string, RFC 3339
// UTC", "bool") to the schema's type and format.
func readmeType(s string) (typ, format string, ok bool) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "string"):
		typ = TypeString
	case strings.HasPrefix(s, "int"):
		typ = TypeInteger
	case strings.HasPrefix(s, "float"):
		typ = TypeNumber
	case strings.HasPrefix(s, "bool"):
		typ = TypeBoolean
	default:
		return "", "", false
	}
	if strings.Contains(s, "RFC 3339") {
		format = FormatDateTime
	}
	return typ, format, true
}

// rowTypes returns the type of each name of r: one type for all, or one
// per name when the type cell lists as many types as there are names
// ("float ms, string").
func rowTypes(r readmeRow) ([]string, []string, error) {
	parts := strings.Split(r.typ, ",")
	types, formats := make([]string, len(r.names)), make([]string, len(r.names))
	if len(parts) == len(r.names) && len(parts) > 1 {
		positional := true
		for _, p := range parts {
			if _, _, ok := readmeType(p); !ok {
				positional = false
			}
		}
		if positional {
			for i, p := range parts {
				types[i], formats[i], _ = readmeType(p)
			}
			return types, formats, nil
		}
	}
	typ, format, ok := readmeType(r.typ)
	if !ok {
		return nil, nil, fmt.Errorf("README.md:%d: type %q is none of string, int, float, bool", r.line, r.typ)
	}
	for i := range r.names {
		types[i], formats[i] = typ, format
	}
	return types, formats, nil
}

func exampleText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

// checkTable checks the README's rows against fields: every name in a row
// is a field with the row's type (and RFC 3339 rows are date-time), each
// field's example is the row's (where the row gives one per name, or has
// one name), and every field the plugin writes has a row.
func checkTable(what string, rows []readmeRow, fields []Field) (problems, pending []string) {
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	byKey := map[string]Field{}
	for _, f := range fields {
		byKey[f.Key] = f
	}
	documented := map[string]bool{}
	for _, r := range rows {
		types, formats, err := rowTypes(r)
		if err != nil {
			bad("%v", err)
			continue
		}
		for i, name := range r.names {
			documented[name] = true
			f, ok := byKey[name]
			if !ok {
				bad("README.md:%d: %s documents %s, which the schema does not have", r.line, what, name)
				continue
			}
			if f.Type != types[i] {
				bad("README.md:%d: %s is %q (%s) in the README, %s in the schema", r.line, name, r.typ, types[i], f.Type)
			}
			if formats[i] == FormatDateTime && f.Format != FormatDateTime {
				bad("README.md:%d: %s is RFC 3339 in the README, not date-time in the schema", r.line, name)
			}
			if f.Format == FormatDateTime && !strings.Contains(r.text, "RFC 3339") {
				bad("README.md:%d: %s is a date-time in the schema; the README's row does not say RFC 3339", r.line, name)
			}
			if f.WrittenBy == ByGateway {
				bad("README.md:%d: %s is documented as the plugin's; the schema says only the gateway writes it", r.line, name)
			}
			ex := exampleText(f.Example)
			switch {
			case strings.Contains(r.exCell, "…"):
			case len(r.examples) == len(r.names) && len(r.names) > 1:
				if ex != r.examples[i] {
					bad("README.md:%d: %s's example is %q in the README, %q in the schema", r.line, name, r.examples[i], ex)
				}
			case len(r.names) == 1 && len(r.examples) > 0:
				found := false
				for _, e := range r.examples {
					found = found || e == ex
				}
				if !found {
					bad("README.md:%d: %s's example %q in the schema is none of the README's %q", r.line, name, ex, r.examples)
				}
			}
		}
	}
	for _, f := range fields {
		if f.WrittenBy == ByGateway || documented[f.Key] {
			continue
		}
		if why, ok := readmePending[f.Key]; ok {
			pending = append(pending, fmt.Sprintf("%s: %s has no README table row yet: %s", what, f.Key, why))
			continue
		}
		bad("%s: %s (written by the %s) is in the schema but has no row in the README's table", what, f.Key, f.WrittenBy)
	}
	return problems, pending
}

// TestREADMEAgrees: the README's field tables (Fields, and the probe's
// under "The connectivity probe") and the schema name the same fields with
// the same types; the ECS and OpenTelemetry names the schema has are the
// ones the README names.
func TestREADMEAgrees(t *testing.T) {
	raw, err := os.ReadFile(readmePath())
	if err != nil {
		t.Fatal(err)
	}
	readme := strings.Split(string(raw), "\n")

	first, fieldsSec := readmeSection(t, readme, "## Fields")
	rows := fieldRows(first, fieldsSec)
	if len(rows) < 20 {
		t.Fatalf("README.md: %d rows in the Fields table", len(rows))
	}
	report := func(problems, pending []string) {
		for _, p := range problems {
			t.Error(p)
		}
		for _, p := range pending {
			t.Log(p)
		}
	}
	report(checkTable("access log (tyk names)", rows, AccessLogFields(&accesslog.TykNames)))

	first, probeSec := readmeSection(t, readme, "### The connectivity probe")
	prows := fieldRows(first, probeSec)
	if len(prows) < 8 {
		t.Fatalf("README.md: %d rows in the probe's table", len(prows))
	}
	var probeFields []Field
	for _, f := range ProbeFields() {
		if f.Key == "msg" || f.Key == "message" { // the entry's message: its prose says what it is
			f.WrittenBy = ByGateway
		}
		probeFields = append(probeFields, f)
	}
	report(checkTable("probe entry", prows, probeFields))

	// The other modes' names: every key that is not under tyk.upstream.
	// (which the README names as a namespace) is named in the README.
	text := string(raw)
	if !strings.Contains(text, "`tyk.upstream.*`") {
		t.Error("README.md does not name the tyk.upstream.* namespace")
	}
	for _, m := range []string{"ecs", "otel"} {
		n, _ := NamesFor(m)
		for _, f := range AccessLogFields(n) {
			if f.NamesField == "" || strings.HasPrefix(f.Key, "tyk.upstream.") {
				continue
			}
			if !strings.Contains(text, "`"+f.Key+"`") {
				t.Errorf("%s: %s (Names.%s) is not named in README.md", m, f.Key, f.NamesField)
			}
		}
	}
	if !strings.Contains(text, "`"+probe.Prefix+"`") && !strings.Contains(text, "prefix="+probe.Prefix) {
		t.Errorf("README.md does not name the probe's prefix %s", probe.Prefix)
	}
}

// TestCheckTable: what the README check finds wrong.
func TestCheckTable(t *testing.T) {
	readme := strings.Split(`## Fields

| field | type | example | meaning |
|---|---|---|---|
| `+"`upstream_flag`"+` | string | `+"`UCT`"+` | flag |
| `+"`upstream_attempts`"+` | float | `+"`2`"+` | attempts |
| `+"`upstream_dns_ms`, `upstream_connect_ms`"+` | float, ms | `+"`300.555`"+` | durations |
| `+"`upstream_tls_cert_not_before`"+` | string | `+"`2026-11-19T15:17:19Z`"+` | not before |
| `+"`upstream_peer`"+` | string | `+"`10.0.3.18:8080`"+` | peer |
| `+"`upstream_bogus`"+` | string | `+"`x`"+` | not a field |
| `+"`status`"+` | int | `+"`500`"+` | the gateway's |
| `+"`response_flag`, `response_code_details`"+` | string | `+"`UCT`, `timeout`"+` | compat |
| `+"`upstream_target`"+` | whatever | `+"`a:1`"+` | no type |

## Next
`, "\n")
	first, sec := readmeSection(t, readme, "## Fields")
	rows := fieldRows(first, sec)
	if len(rows) != 9 {
		t.Fatalf("%d rows", len(rows))
	}
	problems, _ := checkTable("t", rows, AccessLogFields(&accesslog.TykNames))
	all := strings.Join(problems, "\n")
	for _, want := range []string{
		`upstream_attempts is "float" (number) in the README, integer in the schema`,
		`upstream_tls_cert_not_before is a date-time in the schema; the README's row does not say RFC 3339`,
		`upstream_peer's example "10.0.3.17:8080" in the schema is none of the README's ["10.0.3.18:8080"]`,
		`documents upstream_bogus, which the schema does not have`,
		`status is documented as the plugin's`,
		`response_code_details's example is "timeout" in the README, "connection_timeout" in the schema`,
		`type "whatever" is none of`,
		`upstream_error_phase (written by the plugin) is in the schema but has no row`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no problem %q in:\n%s", want, all)
		}
	}
	for _, p := range problems {
		for _, ok := range []string{"upstream_flag is", "upstream_dns_ms is", "upstream_connect_ms is"} {
			if strings.Contains(p, ok) {
				t.Errorf("a right row is reported: %s", p)
			}
		}
	}
}
