package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gatewayEnv names the upstreams the gateway-produced answers' APIs target.
const gatewayEnv = "URL_refused=http://127.0.0.1:1235/\nURL_connect_timeout=http://127.0.0.1:1236/\nURL_header_timeout=http://127.0.0.1:1237/\n"

// TestGatewayAPIs: every API of the gateway-produced answers is the classic
// example (its hooks, the plugin path replaced) with its own settings, and
// tyk.conf turns the uptime checker on.
func TestGatewayAPIs(t *testing.T) {
	dir := t.TempDir()
	env := filepath.Join(dir, "upstreams.env")
	if err := os.WriteFile(env, []byte("URL_ok=http://127.0.0.1:1234/\n"+gatewayEnv), 0o644); err != nil {
		t.Fatal(err)
	}
	so := filepath.Join(dir, "middleware", "upstreamcause.so")
	if err := writeConfig("../../examples", dir, env, so, "", "/templates", "s3cret", 8080, 6379, 1, false); err != nil {
		t.Fatal(err)
	}
	var conf map[string]any
	if err := readJSON(filepath.Join(dir, "tyk.conf"), &conf); err != nil {
		t.Fatal(err)
	}
	if ut, _ := conf["uptime_tests"].(map[string]any); ut["disable"] != false {
		t.Errorf("tyk.conf uptime_tests: %v", conf["uptime_tests"])
	}
	defs := map[string]map[string]any{}
	for _, a := range gatewayAPIs {
		id := apiID(KindGateway, a.name)
		raw, err := os.ReadFile(filepath.Join(dir, "apps", id+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(raw), `"`+so+`"`); n != len(exampleSymbols) {
			t.Errorf("%s names the plugin %d times, want %d", id, n, len(exampleSymbols))
		}
		var def map[string]any
		if err := json.Unmarshal(raw, &def); err != nil {
			t.Fatal(err)
		}
		if def["api_id"] != id || def["proxy"].(map[string]any)["listen_path"] != listenPath(KindGateway, a.name) {
			t.Errorf("%s: api_id %v, listen path %v", id, def["api_id"], def["proxy"].(map[string]any)["listen_path"])
		}
		defs[a.name] = def
	}
	nhu := defs[gwAPINHU]
	proxy := nhu["proxy"].(map[string]any)
	if proxy["enable_load_balancing"] != true || proxy["check_host_against_uptime_tests"] != true {
		t.Errorf("NHU proxy: %v", proxy)
	}
	tl, _ := proxy["target_list"].([]any)
	cl, _ := nhu["uptime_tests"].(map[string]any)["check_list"].([]any)
	if len(tl) != 2 || len(cl) != 2 {
		t.Fatalf("NHU targets %v, checks %v", tl, cl)
	}
	for i := range tl {
		// The uptime checker marks host:port down; the director looks up
		// the target's.
		if u := cl[i].(map[string]any)["url"]; u != tl[i].(string)+"/" {
			t.Errorf("NHU check %d is %v, target %v", i, u, tl[i])
		}
	}
	if defs[gwAPIKey]["use_keyless"] != false || defs[gwAPIKey]["use_standard_auth"] != true {
		t.Errorf("key API: %v", defs[gwAPIKey])
	}
	if defs[gwAPIJWT]["enable_jwt"] != true || defs[gwAPIJWT]["jwt_source"] != base64.StdEncoding.EncodeToString([]byte(gwJWTSecret)) {
		t.Errorf("JWT API: %v", defs[gwAPIJWT])
	}
	v, _ := defaultVersion(defs[gwAPIBreaker])
	cb := v["extended_paths"].(map[string]any)["circuit_breakers"].([]any)[0].(map[string]any)
	if v["use_extended_paths"] != true || cb["samples"] != float64(gwBreakerSamples) {
		t.Errorf("breaker API version: %v", v)
	}
	if v, _ := defaultVersion(defs[gwAPISize]); v["global_size_limit"] != float64(gwSizeLimit) {
		t.Errorf("size API version: %v", v)
	}
	if defs[gwAPITimeout]["proxy"].(map[string]any)["target_url"] != "http://127.0.0.1:1237/" {
		t.Errorf("timeout API targets %v", defs[gwAPITimeout]["proxy"])
	}
}

// TestGatewayCases: every case names an API, has a unique token, and its
// expectation is consistent.
func TestGatewayCases(t *testing.T) {
	apis := map[string]bool{}
	for _, a := range gatewayAPIs {
		apis[a.name] = true
	}
	tokens := map[string]bool{}
	for _, c := range gatewayCases {
		if !apis[c.API] {
			t.Errorf("%s: no API %q", c.Name, c.API)
		}
		if tokens[c.token()] {
			t.Errorf("%s: token used twice", c.Name)
		}
		tokens[c.token()] = true
		if c.Status < 400 || c.Flag == "" || c.Type == "" || c.Detail == "" || c.MW == "" {
			t.Errorf("%s: incomplete expectation %+v", c.Name, c)
		}
	}
}

func TestGatewayCheck(t *testing.T) {
	var cbo, aki *gwCase
	for i := range gatewayCases {
		switch gatewayCases[i].Name {
		case "cbo":
			cbo = &gatewayCases[i]
		case "key-unknown":
			aki = &gatewayCases[i]
		}
	}
	e58 := map[string]any{
		"status": 503, "upstream_flag": "CBO", "upstream_error_type": "destination_unavailable",
		"upstream_error_detail": "circuit_breaker_open", "upstream_error_phase": "unknown", "upstream_error_source": "gateway",
		"response_flag": "CBO", "response_code_details": "circuit_breaker_open", "error_source": "ReverseProxy",
		"circuit_breaker_state": "OPEN", "gateway_node": "vm",
	}
	tags := []string{"upstream_error_phase:unknown", "upstream_error_source:gateway", "upstream_error_type:destination_unavailable", "upstream_flag:CBO"}
	if bad := cbo.check(e58, "127.0.0.1:1", tags, true, false); len(bad) > 0 {
		t.Errorf("a 5.8 CBO entry: %q", bad)
	}
	delete(e58, "circuit_breaker_state")
	if bad := cbo.check(e58, "127.0.0.1:1", tags[1:], true, false); len(bad) != 2 {
		t.Errorf("a 5.8 CBO entry without the state, a record without the phase tag: %q", bad)
	}
	e514 := map[string]any{
		"status": 403, "upstream_flag": "AKI", "upstream_error_type": "http_request_denied",
		"upstream_error_detail": "auth_key_not_found", "upstream_error_phase": "unknown", "upstream_error_source": "gateway",
		"response_flag": "AKI", "response_code_details": "auth_key_not_found", "error_source": "AuthKey",
	}
	if bad := aki.check(e514, "127.0.0.1:1", nil, false, true); len(bad) > 0 {
		t.Errorf("a 5.14 AKI entry: %q", bad)
	}
	e514["upstream_target"] = "127.0.0.1:1"
	if bad := aki.check(e514, "127.0.0.1:1", nil, false, true); len(bad) != 1 {
		t.Errorf("an AKI entry naming an upstream: %q", bad)
	}
}

func TestSignJWT(t *testing.T) {
	tok := signJWT("k", map[string]any{"sub": "a", "exp": 1})
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("%q", tok)
	}
	m := hmac.New(sha256.New, []byte("k"))
	m.Write([]byte(parts[0] + "." + parts[1]))
	if base64.RawURLEncoding.EncodeToString(m.Sum(nil)) != parts[2] {
		t.Error("bad signature")
	}
	head, _ := base64.RawURLEncoding.DecodeString(parts[0])
	body, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if string(head) != `{"alg":"HS256","typ":"JWT"}` || string(body) != `{"exp":1,"sub":"a"}` {
		t.Errorf("%s %s", head, body)
	}
}

// TestGatewayRequests: the chunked body goes without Content-Length, the
// others with it; credentials go in the API's auth header.
func TestGatewayRequests(t *testing.T) {
	creds := gwCreds{credRateKey: "k1", credJWTExpired: "j.w.t"}
	for _, tc := range []struct {
		c       gwCase
		length  int64
		auth    string
		bodyLen int
	}{
		{gwCase{Method: http.MethodPost, Body: bodyChunked}, -1, "", 12},
		{gwCase{Method: http.MethodPost, Body: bodyLarge}, int64(4*gwSizeLimit + 11), "", 4*gwSizeLimit + 11},
		{gwCase{Cred: credRateKey}, 0, "k1", 0},
		{gwCase{Cred: credJWTExpired}, 0, "Bearer j.w.t", 0},
	} {
		req, err := gwRequest(context.Background(), "http://127.0.0.1:1", "/gw/x/t", &tc.c, creds)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		if req.Body != nil {
			b, _ := io.ReadAll(req.Body)
			n = len(b)
		}
		if req.ContentLength != tc.length || req.Header.Get(gwAuthHeader) != tc.auth || n != tc.bodyLen {
			t.Errorf("%+v: length %d, auth %q, body %d bytes", tc.c, req.ContentLength, req.Header.Get(gwAuthHeader), n)
		}
	}
	if _, err := gwRequest(context.Background(), "http://127.0.0.1:1", "/", &gwCase{Cred: credQuotaKey}, creds); err == nil {
		t.Error("a missing credential was accepted")
	}
}
