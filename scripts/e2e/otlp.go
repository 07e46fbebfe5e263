package main

// What the collector of examples/shipping/otelcol.yaml must make of the
// gateway's log: reading the OTLP JSON the file exporter writes, the
// example's pipeline mirrored in Go (shippedAttrs), and the plugin's otel
// mode modelled on an entry written with the default names (otelTwin).

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/accesslog"
)

// The kinds of an OTLP AnyValue.
const (
	kindString = "stringValue"
	kindInt    = "intValue"
	kindDouble = "doubleValue"
	kindBool   = "boolValue"
	kindEmpty  = "empty"
	kindOther  = "other" // array, kvlist, bytes: not produced from Tyk's log
)

// otlpValue is one OTLP AnyValue, as protojson writes it.
type otlpValue struct {
	Kind  string
	Str   string // kindString; kindOther: the raw JSON
	Int   int64
	Float float64
	Bool  bool
}

func strValue(s string) otlpValue          { return otlpValue{Kind: kindString, Str: s} }
func intValue(i int64) otlpValue           { return otlpValue{Kind: kindInt, Int: i} }
func doubleValue(f float64) otlpValue      { return otlpValue{Kind: kindDouble, Float: f} }
func boolValue(b bool) otlpValue           { return otlpValue{Kind: kindBool, Bool: b} }
func (v otlpValue) equal(w otlpValue) bool { return v == w }

// String shows the value with its OTLP type, e.g. intValue 500.
func (v otlpValue) String() string {
	switch v.Kind {
	case kindString:
		return kindString + " " + strconv.Quote(v.Str)
	case kindInt:
		return kindInt + " " + strconv.FormatInt(v.Int, 10)
	case kindDouble:
		return kindDouble + " " + strconv.FormatFloat(v.Float, 'g', -1, 64)
	case kindBool:
		return kindBool + " " + strconv.FormatBool(v.Bool)
	case kindOther:
		return v.Str
	}
	return "(empty)"
}

// goValue is the value as an entry decoded from JSON or held by logrus
// holds it: string, int64, float64, bool, or nil.
func (v otlpValue) goValue() any {
	switch v.Kind {
	case kindString, kindOther:
		return v.Str
	case kindInt:
		return v.Int
	case kindDouble:
		return v.Float
	case kindBool:
		return v.Bool
	}
	return nil
}

// short shows the value alone (a string unquoted), for the summary lines.
func (v otlpValue) short() string {
	switch v.Kind {
	case kindString:
		return v.Str
	case kindInt:
		return strconv.FormatInt(v.Int, 10)
	case kindDouble:
		return strconv.FormatFloat(v.Float, 'g', -1, 64)
	case kindBool:
		return strconv.FormatBool(v.Bool)
	}
	return v.String()
}

// UnmarshalJSON reads an AnyValue: {"stringValue": "…"}, {"intValue":
// "123"} (protojson writes 64-bit integers as strings; a number is taken
// too), {"doubleValue": 1.5} (or "NaN", "Infinity", "-Infinity"),
// {"boolValue": true}, {} (empty).
func (v *otlpValue) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*v = otlpValue{}
	switch {
	case m[kindString] != nil:
		v.Kind = kindString
		return json.Unmarshal(m[kindString], &v.Str)
	case m[kindInt] != nil:
		v.Kind = kindInt
		s := string(bytes.Trim(m[kindInt], `"`))
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("intValue %s: %w", m[kindInt], err)
		}
		v.Int = i
	case m[kindDouble] != nil:
		v.Kind = kindDouble
		raw := m[kindDouble]
		if len(raw) > 0 && raw[0] == '"' {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return err
			}
			switch s {
			case "NaN":
				v.Float = math.NaN()
			case "Infinity":
				v.Float = math.Inf(1)
			case "-Infinity":
				v.Float = math.Inf(-1)
			default:
				f, err := strconv.ParseFloat(s, 64)
				if err != nil {
					return fmt.Errorf("doubleValue %s: %w", raw, err)
				}
				v.Float = f
			}
			return nil
		}
		return json.Unmarshal(raw, &v.Float)
	case m[kindBool] != nil:
		v.Kind = kindBool
		return json.Unmarshal(m[kindBool], &v.Bool)
	case len(m) == 0:
		v.Kind = kindEmpty
	default:
		v.Kind = kindOther
		v.Str = string(b)
	}
	return nil
}

// otlpRecord is one exported log record.
type otlpRecord struct {
	Time      time.Time // timeUnixNano
	SevText   string
	SevNumber int
	Body      otlpValue
	Attrs     map[string]otlpValue
	Resource  map[string]otlpValue
}

type otlpKV struct {
	Key   string    `json:"key"`
	Value otlpValue `json:"value"`
}

// otlpLogsData is an ExportLogsServiceRequest in OTLP JSON: what the file
// exporter writes on each line with format json.
type otlpLogsData struct {
	ResourceLogs []struct {
		Resource struct {
			Attributes []otlpKV `json:"attributes"`
		} `json:"resource"`
		ScopeLogs []struct {
			LogRecords []struct {
				TimeUnixNano   json.RawMessage `json:"timeUnixNano"`
				SeverityNumber json.RawMessage `json:"severityNumber"`
				SeverityText   string          `json:"severityText"`
				Body           otlpValue       `json:"body"`
				Attributes     []otlpKV        `json:"attributes"`
			} `json:"logRecords"`
		} `json:"scopeLogs"`
	} `json:"resourceLogs"`
}

// readOTLPLogs reads the file exporter's output: one OTLP JSON logs
// request per line. A last line without its newline (still being written)
// is left for the next read.
func readOTLPLogs(data []byte) ([]otlpRecord, error) {
	if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
		data = data[:i+1]
	} else {
		return nil, nil
	}
	var out []otlpRecord
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 1<<20), 256<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var d otlpLogsData
		if err := json.Unmarshal(line, &d); err != nil {
			return out, fmt.Errorf("line %d: %w", n, err)
		}
		for _, rl := range d.ResourceLogs {
			res := kvMap(rl.Resource.Attributes)
			for _, sl := range rl.ScopeLogs {
				for _, lr := range sl.LogRecords {
					r := otlpRecord{SevText: lr.SeverityText, Body: lr.Body, Attrs: kvMap(lr.Attributes), Resource: res}
					if ns := string(bytes.Trim(lr.TimeUnixNano, `"`)); ns != "" {
						i, err := strconv.ParseInt(ns, 10, 64)
						if err != nil {
							return out, fmt.Errorf("line %d: timeUnixNano %s: %w", n, lr.TimeUnixNano, err)
						}
						r.Time = time.Unix(0, i).UTC()
					}
					if len(lr.SeverityNumber) > 0 {
						if err := json.Unmarshal(lr.SeverityNumber, &r.SevNumber); err != nil {
							return out, fmt.Errorf("line %d: severityNumber %s: %w", n, lr.SeverityNumber, err)
						}
					}
					out = append(out, r)
				}
			}
		}
	}
	return out, sc.Err()
}

func kvMap(kvs []otlpKV) map[string]otlpValue {
	m := make(map[string]otlpValue, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

// The names the example maps Tyk's own keys to (its step 2): the same in
// either of the plugin's modes, which leave Tyk's keys alone.
var tykSemconv = [][2]string{
	{"status", "http.response.status_code"},
	{"method", "http.request.method"},
	{"path", "url.path"},
	{"user_agent", "user_agent.original"},
	{"client_ip", "client.address"},
}

// pluginRenames pairs each field's default name (accesslog.TykNames) with
// its otel-mode name (accesslog.OTelNames), in the order of accesslog.Names;
// the target and the peer, which the otel mode splits into host and port,
// are left out.
func pluginRenames() [][2]string {
	var out [][2]string
	tyk := reflect.ValueOf(accesslog.TykNames)
	otel := reflect.ValueOf(accesslog.OTelNames)
	for i := 0; i < tyk.NumField(); i++ {
		f := tyk.Type().Field(i)
		if f.Type.Kind() != reflect.String {
			continue
		}
		switch f.Name {
		case "Target", "TargetPort", "Peer", "PeerPort":
			continue
		}
		from, to := tyk.Field(i).String(), otel.Field(i).String()
		if from != "" && to != "" && from != to {
			out = append(out, [2]string{from, to})
		}
	}
	return out
}

// shippedKinds are the OTLP types the example's step 5 gives, by the
// attribute's final name; every other attribute keeps the JSON parser's
// type (string, double, bool).
func shippedKinds() map[string]string {
	n := accesslog.OTelNames
	return map[string]string{
		"http.response.status_code": kindInt,
		n.TargetPort:                kindInt,
		n.PeerPort:                  kindInt,
		n.Attempts:                  kindInt,
		n.ProbeAgeS:                 kindInt,
		n.Reused:                    kindBool,
		n.IdleMs:                    kindDouble,
		n.DNSMs:                     kindDouble,
		n.ConnectMs:                 kindDouble,
		n.TLSMs:                     kindDouble,
		n.WriteMs:                   kindDouble,
		n.HeadersMs:                 kindDouble,
		"upstream_status":           kindInt, // Tyk's own numbers
		"latency_total":             kindInt,
		"latency_gateway":           kindInt,
		"upstream_latency":          kindInt,
		"probe_ms":                  kindDouble, // the probe's entries
		"probe_dns_ms":              kindDouble,
		"probe_dropped":             kindInt,
	}
}

// hostPortPattern is the example's regular expression for "host:port",
// which must split as Go's net.SplitHostPort does (the otel mode's split).
const hostPortPattern = `^(?:[[](?P<host6>[^]]*)[]]|(?P<host>[^]:[]*)):(?P<port>[0-9]{1,5})$`

// shipped is what the example's pipeline makes of one entry: the record's
// attributes, body, time and severity.
type shipped struct {
	Attrs    map[string]otlpValue
	Body     otlpValue
	Time     time.Time
	Severity string
}

// shippedAttrs mirrors the example's filelog receiver and transform
// processor for one JSON entry (a line of the gateway's log, decoded with
// UseNumber) read from the file named file: the steps are the example's, in
// its order. It is the reference the exported records are compared with.
func shippedAttrs(entry map[string]any, rawLine, file string) shipped {
	// The json_parser: every number a double.
	a := make(map[string]any, len(entry))
	for k, v := range entry {
		if n, ok := v.(json.Number); ok {
			f, err := strconv.ParseFloat(string(n), 64)
			if err == nil {
				v = f
			}
		}
		a[k] = v
	}
	var s shipped
	if t, ok := a["time"].(string); ok {
		if tt, err := time.Parse(time.RFC3339, t); err == nil {
			s.Time = tt.UTC()
		}
	}
	s.Severity, _ = a["level"].(string)
	s.Body = strValue(rawLine)
	a["log.file.name"] = file

	// 1. The envelope.
	for _, k := range []string{"msg", "message"} {
		if v, ok := a[k]; ok && v != nil {
			s.Body = toValue(v)
		}
	}
	for _, k := range []string{"msg", "message", "time", "level"} {
		delete(a, k)
	}
	// 2. Tyk's own keys.
	for _, r := range tykSemconv {
		if v, ok := a[r[0]]; ok && v != nil {
			a[r[1]] = v
		}
		delete(a, r[0])
	}
	// 3. The plugin's default names, where the otel name is not there yet;
	// logrus_error after error.
	for _, r := range pluginRenames() {
		if v, ok := a[r[0]]; ok && v != nil && a[r[1]] == nil {
			a[r[1]] = v
		}
		delete(a, r[0])
		if r[0] == accesslog.TykNames.Error {
			if le, ok := a["logrus_error"]; ok && a[r[1]] != nil && reflect.DeepEqual(le, a[r[1]]) {
				delete(a, "logrus_error")
			}
		}
	}
	// 4. The target and the peer split into host and port.
	t, o := accesslog.TykNames, accesslog.OTelNames
	splitAddr(a, t.Target, o.Target, o.TargetPort)
	splitAddr(a, t.Peer, o.Peer, o.PeerPort)
	// 5. Types.
	for k, kind := range shippedKinds() {
		if v, ok := a[k]; ok && v != nil {
			if c, ok := convert(v, kind); ok {
				a[k] = c
			}
		}
	}
	s.Attrs = make(map[string]otlpValue, len(a))
	for k, v := range a {
		s.Attrs[k] = toValue(v)
	}
	return s
}

// splitAddr is the example's step 4 for one address.
func splitAddr(a map[string]any, from, hostKey, portKey string) {
	v, ok := a[from]
	if !ok || v == nil {
		return
	}
	if a[hostKey] == nil {
		if s, ok := v.(string); ok {
			if host, port, ok := splitHostPortLikeTheExample(s); ok {
				a[hostKey] = host
				a[portKey] = port // a string here; step 5 makes it an int
			}
		}
		if a[hostKey] == nil {
			a[hostKey] = v
		}
	}
	delete(a, from)
}

// splitHostPortLikeTheExample splits "host:port" as the example's pattern
// does: net.SplitHostPort, with a port of at most five digits.
func splitHostPortLikeTheExample(s string) (host, port string, ok bool) {
	h, p, err := net.SplitHostPort(s)
	if err != nil || len(p) == 0 || len(p) > 5 || strings.Trim(p, "0123456789") != "" {
		return "", "", false
	}
	return h, p, true
}

// convert is OTTL's Int, Double or Bool on a parsed value; ok is false
// where the function gives nil or an error (the example then keeps the
// value as it is).
func convert(v any, kind string) (any, bool) {
	switch kind {
	case kindInt:
		switch x := v.(type) {
		case int64:
			return x, true
		case float64:
			return int64(x), true
		case string:
			i, err := strconv.ParseInt(x, 10, 64)
			return i, err == nil
		case bool:
			if x {
				return int64(1), true
			}
			return int64(0), true
		}
	case kindDouble:
		switch x := v.(type) {
		case float64:
			return x, true
		case int64:
			return float64(x), true
		case string:
			f, err := strconv.ParseFloat(x, 64)
			return f, err == nil
		case bool:
			if x {
				return float64(1), true
			}
			return float64(0), true
		}
	case kindBool:
		switch x := v.(type) {
		case bool:
			return x, true
		case int64:
			return x != 0, true
		case float64:
			return x != 0, true
		case string:
			b, err := strconv.ParseBool(x)
			return b, err == nil
		}
	}
	return nil, false
}

func toValue(v any) otlpValue {
	switch x := v.(type) {
	case string:
		return strValue(x)
	case int64:
		return intValue(x)
	case float64:
		return doubleValue(x)
	case bool:
		return boolValue(x)
	case nil:
		return otlpValue{Kind: kindEmpty}
	}
	b, _ := json.Marshal(v)
	return otlpValue{Kind: kindOther, Str: string(b)}
}

// otelTwin returns the entry as the plugin writes it with
// UPSTREAMCAUSE_FIELD_NAMES=otel (accesslog.OTelNames): its fields under
// their otel names, the target and the peer split into host and port (an
// int) as accesslog's setAddr splits them, Tyk's own keys as they are. Its
// error is taken for the plugin's (written as error.message), and the
// gateway's logrus_error copy of it goes with it. The probe's entries are
// the same in either mode.
func otelTwin(entry map[string]any) map[string]any {
	out := make(map[string]any, len(entry))
	for k, v := range entry {
		out[k] = v
	}
	if out["prefix"] != "access-log" {
		return out
	}
	t, o := accesslog.TykNames, accesslog.OTelNames
	if le, ok := out["logrus_error"]; ok && reflect.DeepEqual(le, out[t.Error]) {
		delete(out, "logrus_error")
	}
	for _, r := range pluginRenames() {
		if v, ok := out[r[0]]; ok {
			delete(out, r[0])
			out[r[1]] = v
		}
	}
	twinAddr := func(from, hostKey, portKey string) {
		v, ok := out[from].(string)
		if !ok {
			return
		}
		delete(out, from)
		host, p, err := net.SplitHostPort(v)
		port, perr := strconv.Atoi(p)
		if err != nil || perr != nil || port < 0 || port > 65535 {
			out[hostKey] = v
			return
		}
		out[hostKey] = host
		out[portKey] = json.Number(strconv.Itoa(port))
	}
	twinAddr(t.Target, o.Target, o.TargetPort)
	twinAddr(t.Peer, o.Peer, o.PeerPort)
	return out
}

// diffAttrs lists how got differs from want, one line per attribute, in
// name order; ignore names attributes not compared.
func diffAttrs(got, want map[string]otlpValue, ignore ...string) []string {
	skip := map[string]bool{}
	for _, k := range ignore {
		skip[k] = true
	}
	var out []string
	for k, w := range want {
		if skip[k] {
			continue
		}
		g, ok := got[k]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s absent, want %s", k, w))
		case !g.equal(w):
			out = append(out, fmt.Sprintf("%s = %s, want %s", k, g, w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok && !skip[k] {
			out = append(out, fmt.Sprintf("%s = %s, not expected", k, g))
		}
	}
	sort.Strings(out)
	return out
}
