package main

// The answers the gateway produces itself (README "Answers the gateway
// produces", classify/testdata/gateway-produced.md): no healthy upstream,
// an open circuit breaker, the enforced timeout, and the 4xx refusals of
// the authentication, rate-limit, quota, size and validation middleware.
// Each is reproduced on an API of its own made from the classic example
// (its pre hook and analytics plugin, as for the upstream cases), and its
// access-log entry and analytics record are checked against gatewayCases.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
)

// KindGateway is the kind of the APIs of the gateway-produced answers.
const KindGateway = "gw"

// The APIs of the gateway-produced answers, by name: each listens on
// listenPath(KindGateway, name) and has the id apiID(KindGateway, name).
const (
	gwAPINHU      = "nhu"      // load balancing over two dead targets, uptime tests on
	gwAPIBreaker  = "breaker"  // a circuit breaker in front of a refusing upstream
	gwAPITimeout  = "timeout"  // an enforced (hard) timeout in front of a silent upstream
	gwAPIKey      = "key"      // auth token (key) API
	gwAPIJWT      = "jwt"      // HMAC JWT API
	gwAPIRate     = "apirate"  // keyless, with an API-wide rate limit
	gwAPISize     = "size"     // keyless, with a global request size limit
	gwAPIValidate = "validate" // keyless, with validate_json
)

// The settings of those APIs the requests depend on.
const (
	gwJWTSecret      = "upstreamcause-e2e-jwt-secret"
	gwSizeLimit      = 10 // bytes of request body
	gwHardTimeout    = 1  // seconds, less than proxy_default_timeout (e2e.sh: 2); the upstream never answers
	gwBreakerSamples = 3
	gwAuthHeader     = "Authorization"
	gwUptimeWait     = 1 // seconds between uptime checks (uptime_tests.config.time_wait)
)

// gwAPI is one API of the gateway-produced answers: its upstream case
// (whose URL becomes the target) and what it adds to the classic example.
type gwAPI struct {
	name     string
	upstream string // the case whose upstream it targets
	edit     func(def map[string]any, env map[string]string) error
}

// defaultVersion returns the "Default" version of a classic definition made
// from the example.
func defaultVersion(def map[string]any) (map[string]any, error) {
	vd, _ := def["version_data"].(map[string]any)
	vs, _ := vd["versions"].(map[string]any)
	v, ok := vs["Default"].(map[string]any)
	if !ok {
		return nil, errors.New("has no version_data.versions.Default")
	}
	return v, nil
}

// extendedPaths sets version Default's extended_paths[key] to entries.
func extendedPaths(def map[string]any, key string, entries ...map[string]any) error {
	v, err := defaultVersion(def)
	if err != nil {
		return err
	}
	v["use_extended_paths"] = true
	ep, _ := v["extended_paths"].(map[string]any)
	if ep == nil {
		ep = map[string]any{}
		v["extended_paths"] = ep
	}
	l := make([]any, len(entries))
	for i, e := range entries {
		l[i] = e
	}
	ep[key] = l
	return nil
}

// gwEveryPath is the endpoint path of the per-endpoint settings: every path
// (a regular expression; with prefix or suffix matching on, "^/.*$").
const gwEveryPath = "/.*"

var gatewayAPIs = []gwAPI{
	{name: gwAPINHU, upstream: cases.Refused, edit: func(def map[string]any, env map[string]string) error {
		// Both targets are dead: one refuses, one resets every connection
		// before answering. The uptime checks (every gwUptimeWait s, one
		// failure marks a host down) call the same host:port. Not the
		// connect-timeout upstream: the checker's HTTP client dials without
		// a connect timeout, and since Go 1.23 a dial outlives its canceled
		// request, so a check a second against a full accept backlog piles
		// up a connecting goroutine a second for two minutes (the kernel's
		// SYN retries) — the soak saw them as the gateway's goroutines
		// growing.
		targets := []string{strings.TrimSuffix(env["URL_"+cases.Refused], "/"), strings.TrimSuffix(env["URL_"+cases.ResetBeforeResponse], "/")}
		proxy := def["proxy"].(map[string]any)
		proxy["enable_load_balancing"] = true
		proxy["target_list"] = []any{targets[0], targets[1]}
		proxy["check_host_against_uptime_tests"] = true
		def["uptime_tests"] = map[string]any{"check_list": []any{
			map[string]any{"url": targets[0] + "/", "method": "GET"},
			map[string]any{"url": targets[1] + "/", "method": "GET"},
		}}
		return nil
	}},
	{name: gwAPIBreaker, upstream: cases.Refused, edit: func(def map[string]any, _ map[string]string) error {
		return extendedPaths(def, "circuit_breakers", map[string]any{
			"path": gwEveryPath, "method": "GET", "threshold_percent": 0.5, "samples": gwBreakerSamples,
			"return_to_service_after": 600, "disable_half_open_state": true,
		})
	}},
	{name: gwAPITimeout, upstream: cases.HeaderTimeout, edit: func(def map[string]any, _ map[string]string) error {
		return extendedPaths(def, "hard_timeouts", map[string]any{"path": gwEveryPath, "method": "GET", "timeout": gwHardTimeout})
	}},
	{name: gwAPIKey, upstream: cases.OK, edit: func(def map[string]any, _ map[string]string) error {
		def["use_keyless"] = false
		def["use_standard_auth"] = true
		def["auth"] = map[string]any{"auth_header_name": gwAuthHeader}
		return nil
	}},
	{name: gwAPIJWT, upstream: cases.OK, edit: func(def map[string]any, _ map[string]string) error {
		def["use_keyless"] = false
		def["enable_jwt"] = true
		def["jwt_signing_method"] = "hmac"
		def["jwt_source"] = base64.StdEncoding.EncodeToString([]byte(gwJWTSecret))
		def["jwt_identity_base_field"] = "sub"
		def["auth"] = map[string]any{"auth_header_name": gwAuthHeader}
		return nil
	}},
	{name: gwAPIRate, upstream: cases.OK, edit: func(def map[string]any, _ map[string]string) error {
		def["global_rate_limit"] = map[string]any{"rate": 1, "per": 600}
		return nil
	}},
	{name: gwAPISize, upstream: cases.OK, edit: func(def map[string]any, _ map[string]string) error {
		v, err := defaultVersion(def)
		if err != nil {
			return err
		}
		v["global_size_limit"] = gwSizeLimit
		return nil
	}},
	{name: gwAPIValidate, upstream: cases.OK, edit: func(def map[string]any, _ map[string]string) error {
		return extendedPaths(def, "validate_json", map[string]any{
			"path": gwEveryPath, "method": "POST", "error_response_code": 422,
			"schema": map[string]any{"type": "object", "required": []any{"name"}, "properties": map[string]any{"name": map[string]any{"type": "string"}}},
		})
	}},
}

// gwUptimeConfig is tyk.conf's uptime_tests for the NHU API: the checker
// on (the gateway's default), a host down after one failed check.
var gwUptimeConfig = map[string]any{
	"disable": false,
	"config":  map[string]any{"failure_trigger_sample_size": 1, "time_wait": gwUptimeWait, "checker_pool_size": 10},
}

// writeGatewayAPIs writes the APIs of the gateway-produced answers into
// dir/apps, each the classic example with its own settings added.
func writeGatewayAPIs(examples, dir string, env map[string]string, pluginPath string) error {
	raw, err := os.ReadFile(filepath.Join(examples, exampleFiles[KindClassic]))
	if err != nil {
		return err
	}
	for _, a := range gatewayAPIs {
		if env["URL_"+a.upstream] == "" {
			return fmt.Errorf("gateway API %s: no upstream %q", a.name, a.upstream)
		}
		def, err := apiFromExample(KindClassic, raw, a.upstream, env["URL_"+a.upstream], pluginPath)
		if err != nil {
			return err
		}
		id := apiID(KindGateway, a.name)
		def["api_id"], def["name"] = id, "e2e "+KindGateway+" "+a.name
		def["proxy"].(map[string]any)["listen_path"] = listenPath(KindGateway, a.name)
		if err := a.edit(def, env); err != nil {
			return fmt.Errorf("gateway API %s: %w", a.name, err)
		}
		if err := writeJSON(filepath.Join(dir, "apps", id+".json"), def); err != nil {
			return err
		}
	}
	return nil
}

// The credentials and bodies a gateway case's request carries.
const (
	credNone       = ""
	credUnknownKey = "unknown-key"  // a key the gateway never issued
	credRateKey    = "rate-key"     // a key allowed 1 request per 10 minutes (the first is sent before)
	credQuotaKey   = "quota-key"    // a key with a quota of 1 (the first is sent before)
	credExpiredKey = "expired-key"  // a key that expired a few seconds after it was created
	credJWTExpired = "jwt-expired"  // a JWT signed with the API's secret, exp an hour ago
	credJWTBadSig  = "jwt-bad-sig"  // a JWT signed with another secret
	bodyLarge      = "large"        // a JSON body over the size limit, with Content-Length
	bodyChunked    = "chunked"      // a small body sent chunked (no Content-Length)
	bodyNoName     = "schema-fails" // {} : valid JSON the schema refuses
	bodyNotJSON    = "not-json"     // not JSON at all
)

// gwCase is one gateway-produced answer: the request, the status the
// client must get, what the plugin must write, and what Tyk 5.12+ writes
// itself.
type gwCase struct {
	Name   string // unique; the request's path ends in e2e-gw-<Name>
	Title  string
	API    string // the gwAPI it is sent to
	Method string // default GET
	Cred   string // a cred* value
	Body   string // a body* value ("" none)
	Before int    // identical requests sent first (and not checked): the allowed ones before a limit
	Status int    // the answer's status

	// What the plugin writes: upstream_flag, _error_type, _error_detail,
	// _error_phase (empty: "unknown"); upstream_error_source is always
	// "gateway". On 5.8–5.11 also in Tyk's keys (response_flag,
	// response_code_details, error_source = MW), as Tyk 5.14 names the
	// same answer.
	Flag, Type, Detail, Phase string
	MW                        string

	// Tyk512 is what 5.12.1 and 5.14.0 write themselves (kept by the
	// plugin); nil where they write nothing (the plugin's compat keys
	// are checked then, as on 5.8).
	Tyk512 *cases.GatewaySays
	// RoundTrip: the request reached the upstream (the enforced timeout):
	// the plugin writes error, upstream_target and, on 5.8, error_target.
	RoundTrip bool
	// MWOnly: the gateway logs no line the plugin reads; its only
	// evidence is the mw and status of the access-log entry, which the
	// gateway writes after the analytics record: the entry gets the
	// fields, the record no upstream_* tags.
	MWOnly bool
}

// gatewayCases is the list of gateway-produced answers, in the order they
// are sent. Where Tyk 5.8 leaves the plugin less evidence than Tyk 5.14
// has, the plugin's value is what 5.8's evidence supports (the row says
// so) and Tyk512 has the gateway's own.
var gatewayCases = []gwCase{
	{Name: "nhu", Title: "load balancing, uptime tests failing for every target: no healthy upstream", API: gwAPINHU, Status: 503,
		Flag: "NHU", Type: "destination_unavailable", Detail: "no_healthy_upstreams", MW: "ReverseProxy",
		// A real 5.14.0 writes NHU itself (with error_target the host of
		// the API's target_url), although gateway-produced.md §1 expected,
		// from reading the source, URS for its "all hosts are down"
		// listener's 503.
		Tyk512: &cases.GatewaySays{Flag: "NHU", Details: "no_healthy_upstreams", Source: "ReverseProxy"}},
	{Name: "cbo", Title: "circuit breaker open after refused round trips", API: gwAPIBreaker, Status: 503,
		Flag: "CBO", Type: "destination_unavailable", Detail: "circuit_breaker_open", MW: "ReverseProxy",
		Tyk512: &cases.GatewaySays{Flag: "CBO", Details: "circuit_breaker_open", Source: "ReverseProxy"}},
	{Name: "hard-timeout", Title: "enforced timeout (hard_timeouts) before the silent upstream answers", API: gwAPITimeout, Status: 504,
		Flag: "URT", Type: "http_response_timeout", Detail: "context_deadline_exceeded", Phase: "response_headers", MW: "ReverseProxy", RoundTrip: true,
		Tyk512: &cases.GatewaySays{Flag: "URT", Details: "context_deadline_exceeded", Source: "ReverseProxy"}},
	{Name: "key-missing", Title: "auth token API, no key", API: gwAPIKey, Status: 401,
		Flag: "AMF", Type: "http_request_denied", Detail: "auth_field_missing", MW: "AuthKey",
		Tyk512: &cases.GatewaySays{Flag: "AMF", Details: "auth_field_missing", Source: "AuthKey"}},
	{Name: "key-unknown", Title: "auth token API, a key the gateway never issued", API: gwAPIKey, Cred: credUnknownKey, Status: 403,
		Flag: "AKI", Type: "http_request_denied", Detail: "auth_key_not_found", MW: "AuthKey",
		Tyk512: &cases.GatewaySays{Flag: "AKI", Details: "auth_key_not_found", Source: "AuthKey"}},
	{Name: "key-rate", Title: "key rate limit (1 per 10 min), second request", API: gwAPIKey, Cred: credRateKey, Before: 1, Status: 429,
		Flag: "RLT", Type: "http_request_denied", Detail: "session_rate_limited", MW: "RateLimitAndQuotaCheck",
		Tyk512: &cases.GatewaySays{Flag: "RLT", Details: "session_rate_limited", Source: "RateLimitAndQuotaCheck"}},
	{Name: "key-quota", Title: "key quota (1), second request", API: gwAPIKey, Cred: credQuotaKey, Before: 1, Status: 403,
		Flag: "QEX", Type: "http_request_denied", Detail: "quota_exceeded", MW: "RateLimitAndQuotaCheck",
		Tyk512: &cases.GatewaySays{Flag: "QEX", Details: "quota_exceeded", Source: "RateLimitAndQuotaCheck"}},
	{Name: "key-expired", Title: "expired key (KeyExpired; Tyk 5.14 does not classify it)", API: gwAPIKey, Cred: credExpiredKey, Status: 401,
		Flag: "TKE", Type: "http_request_denied", Detail: "key_expired", MW: "KeyExpired"},
	{Name: "api-rate", Title: "API rate limit (1 per 10 min), second request", API: gwAPIRate, Before: 1, Status: 429,
		Flag: "RLT", Type: "http_request_denied", Detail: "api_rate_limited", MW: "RateLimitForAPI",
		Tyk512: &cases.GatewaySays{Flag: "RLT", Details: "api_rate_limited", Source: "RateLimitForAPI"}},
	{Name: "jwt-missing", Title: "JWT API, no token", API: gwAPIJWT, Status: 400,
		Flag: "AMF", Type: "http_request_denied", Detail: "jwt_field_missing", MW: "JWTMiddleware",
		Tyk512: &cases.GatewaySays{Flag: "AMF", Details: "jwt_field_missing", Source: "JWTMiddleware"}},
	{Name: "jwt-expired", Title: "JWT API, expired token (5.8 logs nothing: 401 of JWTMiddleware is all the plugin sees)", API: gwAPIJWT, Cred: credJWTExpired, Status: 401,
		Flag: "TCV", Type: "http_request_denied", Detail: "jwt_claims_invalid", MW: "JWTMiddleware", MWOnly: true,
		Tyk512: &cases.GatewaySays{Flag: "TKE", Details: "jwt_token_expired", Source: "JWTMiddleware"}},
	{Name: "jwt-bad-signature", Title: "JWT API, token signed with another secret", API: gwAPIJWT, Cred: credJWTBadSig, Status: 403,
		Flag: "TKI", Type: "http_request_denied", Detail: "jwt_token_invalid", MW: "JWTMiddleware",
		Tyk512: &cases.GatewaySays{Flag: "TKI", Details: "jwt_token_invalid", Source: "JWTMiddleware"}},
	{Name: "body-too-large", Title: "POST body over global_size_limit", API: gwAPISize, Method: http.MethodPost, Body: bodyLarge, Status: 400,
		Flag: "BTL", Type: "http_request_error", Detail: "body_too_large", MW: "RequestSizeLimitMiddleware",
		Tyk512: &cases.GatewaySays{Flag: "BTL", Details: "body_too_large", Source: "RequestSizeLimitMiddleware"}},
	{Name: "body-chunked", Title: "chunked POST (no Content-Length) to a size-limited API", API: gwAPISize, Method: http.MethodPost, Body: bodyChunked, Status: 411,
		Flag: "CLM", Type: "http_request_error", Detail: "content_length_missing", MW: "RequestSizeLimitMiddleware", MWOnly: true,
		Tyk512: &cases.GatewaySays{Flag: "CLM", Details: "content_length_missing", Source: "RequestSizeLimitMiddleware"}},
	{Name: "json-schema", Title: "validate_json: the schema refuses the body", API: gwAPIValidate, Method: http.MethodPost, Body: bodyNoName, Status: 422,
		Flag: "BIV", Type: "http_request_error", Detail: "schema_validation_failed", MW: "ValidateJSON", MWOnly: true,
		Tyk512: &cases.GatewaySays{Flag: "BIV", Details: "schema_validation_failed", Source: "ValidateJSON"}},
	{Name: "json-parse", Title: "validate_json: the body is not JSON", API: gwAPIValidate, Method: http.MethodPost, Body: bodyNotJSON, Status: 400,
		Flag: "BIV", Type: "http_request_error", Detail: "json_parse_error", MW: "ValidateJSON", MWOnly: true,
		Tyk512: &cases.GatewaySays{Flag: "BIV", Details: "json_parse_error", Source: "ValidateJSON"}},
}

// token is the last path segment of the checked request of c.
func (c *gwCase) token() string { return "e2e-gw-" + c.Name }

// check compares the access-log entry e and, if haveRecord, the analytics
// tags of the request of c with what c says; upstreamHost is the host:port
// of its API's upstream; tyk512: the gateway is 5.12 or later.
func (c *gwCase) check(e map[string]any, upstreamHost string, tags []string, haveRecord, tyk512 bool) []string {
	var bad []string
	eq := func(k, v string) {
		got, ok := e[k]
		switch {
		case v == "" && ok:
			bad = append(bad, fmt.Sprintf("%s = %v, want absent", k, got))
		case v != "" && !ok:
			bad = append(bad, fmt.Sprintf("%s absent, want %q", k, v))
		case v != "" && fmt.Sprint(got) != v:
			bad = append(bad, fmt.Sprintf("%s = %q, want %q", k, fmt.Sprint(got), v))
		}
	}
	phase := c.Phase
	if phase == "" {
		phase = "unknown"
	}
	eq("status", strconv.Itoa(c.Status))
	eq("upstream_flag", c.Flag)
	eq("upstream_error_type", c.Type)
	eq("upstream_error_detail", c.Detail)
	eq("upstream_error_phase", phase)
	eq("upstream_error_source", "gateway")
	eq("upstream_intermediary", "")
	target := ""
	if c.RoundTrip {
		target = upstreamHost
		if cases.Field(e, "error") == "" {
			bad = append(bad, "error absent or empty")
		}
	} else {
		eq("error", "")
	}
	eq("upstream_target", target)
	if c.Tyk512 == nil || !tyk512 {
		// Tyk 5.14's keys for this answer, written by the plugin.
		eq("response_flag", c.Flag)
		eq("response_code_details", c.Detail)
		eq("error_source", c.MW)
		eq("error_target", target)
		eq("upstream_status", "")
		cb := ""
		if c.Flag == "CBO" {
			cb = "OPEN"
		}
		eq("circuit_breaker_state", cb)
	} else {
		// The gateway's own keys, kept as it wrote them.
		g := c.Tyk512
		eq("response_flag", g.Flag)
		eq("response_code_details", g.Details)
		eq("error_source", g.Source)
		if g.Flag == "CBO" {
			eq("circuit_breaker_state", "OPEN")
		}
	}
	if haveRecord && c.MWOnly {
		for _, tag := range tags {
			if strings.HasPrefix(tag, "upstream_") {
				bad = append(bad, "analytics record tagged "+tag+", want no upstream_* tag (the evidence comes after the record)")
			}
		}
	} else if haveRecord {
		want := []string{"upstream_flag:" + c.Flag, "upstream_error_type:" + c.Type,
			"upstream_error_phase:" + phase, "upstream_error_source:gateway"}
		for _, w := range want {
			if !contains(tags, w) {
				bad = append(bad, fmt.Sprintf("analytics tags %q lack %q", tags, w))
			}
		}
	}
	return bad
}

// gwCreds are the credentials of the run: keys made through the gateway
// API, JWTs signed here.
type gwCreds map[string]string

// makeCreds creates the keys of the gateway cases through the gateway API
// (POST /tyk/keys/create) and signs the JWTs. The expired key expires
// expiresIn after now.
func makeCreds(c *http.Client, gw, secret string, now time.Time, expiresIn time.Duration) (gwCreds, time.Time, error) {
	api := apiID(KindGateway, gwAPIKey)
	session := func(extra map[string]any) map[string]any {
		s := map[string]any{
			"org_id": "default", "rate": 1000, "allowance": 1000, "per": 1, "quota_max": -1,
			"access_rights": map[string]any{api: map[string]any{"api_id": api, "api_name": "e2e " + KindGateway + " " + gwAPIKey, "versions": []any{"Default"}}},
		}
		for k, v := range extra {
			s[k] = v
		}
		return s
	}
	expires := now.Add(expiresIn).Truncate(time.Second).Add(time.Second)
	creds := gwCreds{credUnknownKey: "upstreamcause-e2e-no-such-key"}
	for name, extra := range map[string]map[string]any{
		credRateKey:    {"rate": 1, "allowance": 1, "per": 600},
		credQuotaKey:   {"quota_max": 1, "quota_remaining": 1, "quota_renewal_rate": 3600},
		credExpiredKey: {"expires": expires.Unix()},
	} {
		key, err := createKey(c, gw, secret, session(extra))
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("creating the %s: %w", name, err)
		}
		creds[name] = key
	}
	creds[credJWTExpired] = signJWT(gwJWTSecret, map[string]any{"sub": "e2e-user", "iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()})
	creds[credJWTBadSig] = signJWT("another-secret", map[string]any{"sub": "e2e-user", "exp": now.Add(time.Hour).Unix()})
	return creds, expires, nil
}

// createKey creates a key with the gateway API and returns it.
func createKey(c *http.Client, gw, secret string, session map[string]any) (string, error) {
	body, err := json.Marshal(session)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, gw+"/tyk/keys/create", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("X-Tyk-Authorization", secret)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	var out struct {
		Key string `json:"key"`
	}
	if res.StatusCode != http.StatusOK || json.Unmarshal(raw, &out) != nil || out.Key == "" {
		return "", fmt.Errorf("status %d: %s", res.StatusCode, bytes.TrimSpace(raw))
	}
	return out.Key, nil
}

// signJWT returns an HS256 JWT with the claims, signed with secret.
func signJWT(secret string, claims map[string]any) string {
	enc := base64.RawURLEncoding
	head, _ := json.Marshal(map[string]any{"alg": "HS256", "typ": "JWT"})
	body, _ := json.Marshal(claims)
	msg := enc.EncodeToString(head) + "." + enc.EncodeToString(body)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return msg + "." + enc.EncodeToString(m.Sum(nil))
}

// gwRequest builds the request of c to path on the gateway gw.
func gwRequest(ctx context.Context, gw, path string, c *gwCase, creds gwCreds) (*http.Request, error) {
	method := c.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	length := int64(0)
	switch c.Body {
	case bodyLarge:
		s := `{"name":"` + strings.Repeat("x", 4*gwSizeLimit) + `"}`
		body, length = strings.NewReader(s), int64(len(s))
	case bodyChunked:
		// A reader of unknown length: the client sends it chunked.
		body, length = io.MultiReader(strings.NewReader(`{"name":"a"}`)), -1
	case bodyNoName:
		body, length = strings.NewReader(`{}`), 2
	case bodyNotJSON:
		body, length = strings.NewReader(`x`), 1
	case "":
	default:
		return nil, fmt.Errorf("unknown body %q", c.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, gw+path, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.ContentLength = length
		req.Header.Set("Content-Type", "application/json")
	}
	switch c.Cred {
	case credNone:
	case credJWTExpired, credJWTBadSig:
		req.Header.Set(gwAuthHeader, "Bearer "+creds[c.Cred])
	default:
		k := creds[c.Cred]
		if k == "" {
			return nil, fmt.Errorf("no credential %q", c.Cred)
		}
		req.Header.Set(gwAuthHeader, k)
	}
	return req, nil
}

// gwSend sends the request of c to path and returns the status.
func gwSend(client *http.Client, gw, path string, c *gwCase, creds gwCreds) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, err := gwRequest(ctx, gw, path, c, creds)
	if err != nil {
		return 0, err
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, err = io.Copy(io.Discard, res.Body)
	return res.StatusCode, err
}

// runGatewayCases sends the requests of gatewayCases and returns them for
// the checks. Before the NHU request it waits for the gateway's uptime
// checker to report both targets down; before the open breaker's request it
// sends refused GETs until the breaker answers 503 (at most a few dozen).
func runGatewayCases(client *http.Client, gw, secret, logFile string, env map[string]string) ([]*sent, error) {
	creds, expires, err := makeCreds(client, gw, secret, time.Now(), 2*time.Second)
	if err != nil {
		return nil, err
	}
	var reqs []*sent
	for i := range gatewayCases {
		c := &gatewayCases[i]
		lp := listenPath(KindGateway, c.API)
		switch c.Name {
		case "nhu":
			var downs []string
			for _, u := range []string{env["URL_"+cases.Refused], env["URL_"+cases.ResetBeforeResponse]} {
				downs = append(downs, strings.TrimSuffix(u, "/")+"/")
			}
			if err := waitFor(60*time.Second, func() error { return hostsDown(logFile, downs) }); err != nil {
				return nil, fmt.Errorf("NHU: the uptime checker did not report the targets down: %v", err)
			}
		case "cbo":
			opened := false
			for n := 1; n <= 10*gwBreakerSamples && !opened; n++ {
				status, err := gwSend(client, gw, fmt.Sprintf("%strip-%d", lp, n), c, creds)
				if err != nil {
					return nil, fmt.Errorf("CBO: tripping request %d: %v", n, err)
				}
				opened = status == http.StatusServiceUnavailable
			}
			if !opened {
				return nil, fmt.Errorf("CBO: the breaker did not open after %d refused requests", 10*gwBreakerSamples)
			}
		case "key-expired":
			time.Sleep(time.Until(expires.Add(time.Second)))
		}
		for n := 1; n <= c.Before; n++ {
			if status, err := gwSend(client, gw, fmt.Sprintf("%s%s-allowed-%d", lp, c.Name, n), c, creds); err != nil || status != http.StatusOK {
				return nil, fmt.Errorf("%s: allowed request %d: status %d, err %v", c.Name, n, status, err)
			}
		}
		s := &sent{kind: KindGateway, n: i + 1, gw: c, method: c.Method, token: c.token()}
		if s.method == "" {
			s.method = http.MethodGet
		}
		s.path = lp + s.token
		s.status, s.err = gwSend(client, gw, s.path, c, creds)
		reqs = append(reqs, s)
	}
	return reqs, nil
}

// hostsDown returns nil once the gateway log has a "Host is DOWN" entry of
// its uptime checker for every URL in urls.
func hostsDown(logFile string, urls []string) error {
	raw, err := os.ReadFile(logFile)
	if err != nil {
		return err
	}
	for _, u := range urls {
		if !bytes.Contains(raw, []byte("Host is DOWN: "+u)) {
			return fmt.Errorf("no \"Host is DOWN: %s\" in the log", u)
		}
	}
	return nil
}

// gwUpstreamHost returns the host:port of the upstream of c's API.
func gwUpstreamHost(c *gwCase, env map[string]string) string {
	for _, a := range gatewayAPIs {
		if a.name == c.API {
			if u, err := url.Parse(env["URL_"+a.upstream]); err == nil {
				return u.Host
			}
		}
	}
	return ""
}
