// Package schema is the versioned field schema of what the upstreamcause
// plugin writes: a JSON Schema (2020-12) document per naming mode for the
// access-log entry (access-log.tyk.json, access-log.ecs.json,
// access-log.otel.json) and one for the probe's entry (probe-entry.json),
// in this folder, for a SIEM or a log pipeline to check entries against.
//
// The documents are generated from the plugin's own tables (accesslog.Names
// of each mode, package probe's keys, the constants of package classify)
// and this package's table of types, descriptions and examples
// (fields.go): `go generate ./schema` writes them, and a test fails when
// the files differ from what the tables give.
//
// Validate checks one decoded entry against the document of its mode. It
// is test equipment, used by the test host's tests and scripts/e2e: the
// plugin never imports this package (nor its JSON Schema library).
package schema

//go:generate go run gen.go

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/upstreamcause/tyk-upstream-cause/probe"
)

//go:embed access-log.tyk.json access-log.ecs.json access-log.otel.json probe-entry.json
var files embed.FS

// File returns the checked-in document named name (one of FileNames).
func File(name string) ([]byte, error) { return files.ReadFile(name) }

var (
	compileOnce sync.Once
	compiled    map[string]*jsonschema.Schema // by file name
	compileErr  error
)

func compileAll() {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	compiled = map[string]*jsonschema.Schema{}
	for _, name := range FileNames() {
		raw, err := files.ReadFile(name)
		if err != nil {
			compileErr = err
			return
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			compileErr = fmt.Errorf("schema: %s: %w", name, err)
			return
		}
		if err := c.AddResource(IDBase+name, doc); err != nil {
			compileErr = fmt.Errorf("schema: %s: %w", name, err)
			return
		}
	}
	for _, name := range FileNames() {
		s, err := c.Compile(IDBase + name)
		if err != nil {
			compileErr = fmt.Errorf("schema: %s: %w", name, err)
			return
		}
		compiled[name] = s
	}
}

func document(name string) (*jsonschema.Schema, error) {
	compileOnce.Do(compileAll)
	if compileErr != nil {
		return nil, compileErr
	}
	return compiled[name], nil
}

// Validate checks an access-log entry (its keys and values as decoded from
// the gateway's JSON log line, or as logrus holds them) against the
// document of naming mode mode. The error, if any, names every violation
// on one line.
func Validate(mode string, entry map[string]any) error {
	if _, err := NamesFor(mode); err != nil {
		return err
	}
	return validate(AccessLogFile(mode), entry)
}

// ValidateProbe checks a probe entry against probe-entry.json.
func ValidateProbe(entry map[string]any) error {
	return validate(ProbeFile, entry)
}

// ValidateLine decodes one JSON log line and checks it against the access-log
// document of mode, or against the probe's when its prefix is
// upstreamcause-probe. It is stricter than JSON Schema about integers:
// JSON Schema takes 500.0 for an integer, ValidateLine wants an integer
// key's number written as an integer literal (500), as logrus's JSON
// formatter writes a Go int.
func ValidateLine(mode string, line []byte) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var e map[string]any
	if err := dec.Decode(&e); err != nil {
		return fmt.Errorf("schema: not a JSON object: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("schema: more than one JSON value on the line")
	}
	name, fields := ProbeFile, ProbeFields()
	if e["prefix"] != probe.Prefix {
		n, err := NamesFor(mode)
		if err != nil {
			return err
		}
		name, fields = AccessLogFile(mode), AccessLogFields(n)
	}
	var bad []string
	for _, f := range fields {
		if num, ok := e[f.Key].(json.Number); ok && f.Type == TypeInteger && strings.ContainsAny(string(num), ".eE") {
			bad = append(bad, fmt.Sprintf("%s is written %s, not as an integer", f.Key, num))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("%s: %s", name, strings.Join(bad, "; "))
	}
	return validate(name, e)
}

func validate(name string, entry map[string]any) error {
	s, err := document(name)
	if err != nil {
		return err
	}
	if err := s.Validate(normalize(entry)); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("%s: %s", name, oneLine(ve))
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// normalize turns the Go values logrus holds (and that the JSON formatter
// would write as their JSON equivalents) into the values of a decoded JSON
// document: an error becomes its text, as logrus's JSON formatter writes
// it; numbers, strings, booleans and nil are kept.
func normalize(entry map[string]any) map[string]any {
	out := make(map[string]any, len(entry))
	for k, v := range entry {
		switch t := v.(type) {
		case error:
			out[k] = t.Error()
		default:
			out[k] = v
		}
	}
	return out
}

// oneLine is ve's message ("jsonschema validation failed with '…'" and a
// line per violation, "- at '/key': …") on one line.
func oneLine(ve *jsonschema.ValidationError) string {
	var parts []string
	for _, l := range strings.Split(ve.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, " ")
}

// ValidateGo is Validate for an entry as logrus holds it (logrus.Entry.Data
// before formatting), which also checks the Go type of each value a key
// of the document has: an integer key an integer type (int, int64 …), a
// number key float64 or float32, a boolean key bool, a string key string
// (or an error, whose text logrus writes).
// JSON cannot tell the float64 2 from the int 2; this can.
func ValidateGo(mode string, data map[string]any) error {
	n, err := NamesFor(mode)
	if err != nil {
		return err
	}
	if err := goTypes(AccessLogFile(mode), AccessLogFields(n), data); err != nil {
		return err
	}
	return Validate(mode, data)
}

// ValidateProbeGo is ValidateGo for a probe entry.
func ValidateProbeGo(data map[string]any) error {
	if err := goTypes(ProbeFile, ProbeFields(), data); err != nil {
		return err
	}
	return ValidateProbe(data)
}

func goTypes(name string, fields []Field, data map[string]any) error {
	var bad []string
	for _, f := range fields {
		v, ok := data[f.Key]
		if !ok {
			continue
		}
		var good bool
		switch v.(type) {
		case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
			good = f.Type == TypeInteger
		case float64, float32:
			good = f.Type == TypeNumber
		case bool:
			good = f.Type == TypeBoolean
		case string, error: // logrus's JSON formatter writes an error's text
			good = f.Type == TypeString
		}
		if !good {
			bad = append(bad, fmt.Sprintf("%s is a Go %T, want a %s", f.Key, v, f.Type))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("%s: %s", name, strings.Join(bad, "; "))
	}
	return nil
}
