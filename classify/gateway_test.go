package classify_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// gw is the expected Result of an answer the gateway produced: Source
// gateway, no phase, no timeout.
func gw(flag, typ, detail string) want {
	return want{flag, typ, detail, pUnknown, sGateway, false}
}

const (
	tDenied = "http_request_denied"
	tError  = "http_request_error"
	tUnavl  = "destination_unavailable"
)

var (
	gNHU       = gw("NHU", tUnavl, "no_healthy_upstreams")
	gCBO       = gw("CBO", tUnavl, "circuit_breaker_open")
	gURT       = want{"URT", "http_response_timeout", "context_deadline_exceeded", pUnknown, sGateway, true}
	gAMFAuth   = gw("AMF", tDenied, "auth_field_missing")
	gAMFJWT    = gw("AMF", tDenied, "jwt_field_missing")
	gAMFOAuth  = gw("AMF", tDenied, "oauth_field_missing")
	gAMFBasic  = gw("AMF", tDenied, "basic_auth_field_missing")
	gAKIKey    = gw("AKI", tDenied, "auth_key_not_found")
	gAKICert   = gw("AKI", tDenied, "auth_cert_not_found")
	gAKIOAuth  = gw("AKI", tDenied, "oauth_key_not_found")
	gEAD       = gw("EAD", tDenied, "oauth_client_deleted")
	gTKECert   = gw("TKE", tDenied, "auth_cert_expired")
	gTKEJWT    = gw("TKE", tDenied, "jwt_token_expired")
	gTKEKey    = gw("TKE", tDenied, "key_expired")
	gTKI       = gw("TKI", tDenied, "jwt_token_invalid")
	gTKIAlg    = gw("TKI", tDenied, "jwt_unexpected_signing_method")
	gTCV       = gw("TCV", tDenied, "jwt_claims_invalid")
	gCRQ       = gw("CRQ", tDenied, "auth_cert_required")
	gCMM       = gw("CMM", tDenied, "auth_cert_mismatch")
	gRLTKey    = gw("RLT", tDenied, "session_rate_limited")
	gRLTAPI    = gw("RLT", tDenied, "api_rate_limited")
	gRLTFail   = gw("RLT", "proxy_internal_error", "generic_rate_limit_error")
	gQEX       = gw("QEX", tDenied, "quota_exceeded")
	gIHDOAuth  = gw("IHD", tError, "oauth_field_malformed")
	gIHDHeader = gw("IHD", tError, "basic_auth_header_malformed")
	gIHDEnc    = gw("IHD", tError, "basic_auth_encoding_invalid")
	gIHDValues = gw("IHD", tError, "basic_auth_values_malformed")
	gBIVUser   = gw("BIV", tError, "basic_auth_body_username_missing")
	gBIVPass   = gw("BIV", tError, "basic_auth_body_password_missing")
	gBIVParse  = gw("BIV", tError, "json_parse_error")
	gBIVSchema = gw("BIV", tError, "schema_validation_failed")
	gBTL       = gw("BTL", tError, "body_too_large")
	gCLM       = gw("CLM", tError, "content_length_missing")
	gNone      = want{}
)

// gatewayCase is one input of Gateway. src cites where Tyk writes the text
// (gateway/… of Tyk 5.8.15 unless another version is named; the 5.12.1 and
// 5.14.0 lines are in testdata/gateway-produced.md).
type gatewayCase struct {
	src    string
	mw     string
	status int
	text   string
	want   want
}

// gatewayCases: every row of testdata/gateway-produced.md, with the exact
// texts of Tyk's source. A log line is given with status 0 (it is written
// before the answer) and with its middleware's mw; an answer text with its
// status, once with and once without mw where both matter.
var gatewayCases = []gatewayCase{
	// NHU: load balancing with check_host_against_uptime_tests, every target down.
	{"reverse_proxy.go:182,256 (Error, mw=ReverseProxy)", "ReverseProxy", 0, "[PROXY] [LOAD BALANCING] all hosts are down, uptime tests are failing", gNHU},
	{"reverse_proxy.go:182 (the error alone)", "", 0, "all hosts are down, uptime tests are failing", gNHU},
	{"reverse_proxy.go:212 (http.Error body of the internal listener)", "", 503, "all hosts are down\n", gNHU},

	// CBO: circuit breaker open.
	{"reverse_proxy.go:1270 (answer)", "", 503, "Service temporarily unavailable.", gCBO},
	{"reverse_proxy.go:1270 (JSON body, templates/error.json)", "", 503, "{\n    \"error\": \"Service temporarily unavailable.\"\n}", gCBO},
	{"reverse_proxy.go:1270 (XML body, templates/error.xml)", "", 503, "<?xml version = \"1.0\" encoding = \"UTF-8\"?>\n<error>Service temporarily unavailable.</error>", gCBO},
	{"reverse_proxy.go:1270 (only Debug logged): the reverse proxy answered 503 without a round trip", classify.MWReverseProxy, 503, "", gCBO},

	// The enforced timeout (hard_timeouts) or the response-header timeout.
	{"reverse_proxy.go:1309 (answer)", "", 504, "Upstream service reached hard timeout.", gURT},
	{"reverse_proxy.go:1309, JSON body", "", 504, `{"error": "Upstream service reached hard timeout."}`, gURT},
	{"reverse_proxy.go:1309, no text", classify.MWReverseProxy, 504, "", gURT},

	// AMF: no credentials.
	{"mw_auth_key.go:137 (Info, mw=AuthKey)", "AuthKey", 0, "Attempted access with malformed header, no auth header found.", gAMFAuth},
	{"mw_auth_key.go:41-44, handler_error.go:29 (401)", "AuthKey", 401, "Authorization field missing", gAMFAuth},
	{"mw_auth_key.go:41-44, mw unknown", "", 401, `{"error": "Authorization field missing"}`, gAMFAuth},
	{"mw_jwt.go:690 (Info, mw=JWTMiddleware)", "JWTMiddleware", 0, "Attempted access with malformed header, no JWT auth header found.", gAMFJWT},
	{"mw_jwt.go:697 (400)", "JWTMiddleware", 400, "Authorization field missing", gAMFJWT},
	{"mw_jwt.go:697, no text", "JWTMiddleware", 400, "", gAMFJWT},
	{"mw_oauth2_key_exists.go:78 (Info)", "Oauth2KeyExists", 0, "Attempted access with malformed header, no auth header found.", gAMFOAuth},
	{"mw_oauth2_key_exists.go:26-29,80 (400)", "Oauth2KeyExists", 400, "Authorization field missing", gAMFOAuth},
	{"mw_basic_auth.go:171 (Warn)", "BasicAuthKeyIsValid", 0, "Attempted access with malformed header, no auth header found.", gAMFBasic},
	{"mw_basic_auth.go:91,78 (401)", "BasicAuthKeyIsValid", 401, "Authorization field missing", gAMFBasic},

	// IHD: malformed credentials.
	{"mw_oauth2_key_exists.go:84 (Info)", "Oauth2KeyExists", 0, "Bearer token malformed", gIHDOAuth},
	{"mw_oauth2_key_exists.go:86, handler_error.go:32 (400)", "", 400, "Bearer token malformed", gIHDOAuth},
	{"mw_basic_auth.go:98 (Info)", "BasicAuthKeyIsValid", 0, "Attempted access with malformed header, header not in basic auth format.", gIHDHeader},
	{"mw_basic_auth.go:100 (400)", "BasicAuthKeyIsValid", 400, "Attempted access with malformed header, header not in basic auth format", gIHDHeader},
	{"mw_basic_auth.go:107 (Info)", "BasicAuthKeyIsValid", 0, "Base64 Decoding failed of basic auth data: illegal base64 data at input byte 4", gIHDEnc},
	{"mw_basic_auth.go:109 (400)", "", 400, "Attempted access with malformed header, auth data not encoded correctly", gIHDEnc},
	{"mw_basic_auth.go:116 (Info)", "BasicAuthKeyIsValid", 0, "Attempted access with malformed header, values not in basic auth format.", gIHDValues},
	{"mw_basic_auth.go:118 (400)", "", 400, "Attempted access with malformed header, values not in basic auth format", gIHDValues},

	// BIV from basic auth with extract_from_body.
	{"mw_basic_auth.go:132 (400)", "BasicAuthKeyIsValid", 400, "Body do not contain username", gBIVUser},
	{"mw_basic_auth.go:137 (400)", "", 400, "username should be inside regexp match group", gBIVUser},
	{"mw_basic_auth.go:144 (400)", "", 400, "Body do not contain password", gBIVPass},
	{"mw_basic_auth.go:149 (400)", "", 400, "password should be inside regexp match group", gBIVPass},

	// AKI, EAD: unknown key or token, revoked OAuth client.
	{"mw_auth_key.go:32,141,239 (Info)", "AuthKey", 0, "Attempted access with non-existent key.", gAKIKey},
	{"mw_auth_key.go:46-49, handler_error.go:30 (403)", "AuthKey", 403, "Access to this API has been disallowed", gAKIKey},
	{"mw_auth_key.go:33,196 (Info)", "AuthKey", 0, "Attempted access with non-existent cert.", gAKICert},
	{"mw_oauth2_key_exists.go:97 (Warn)", "Oauth2KeyExists", 0, "Attempted access with non-existent key.", gAKIOAuth},
	{"mw_oauth2_key_exists.go:36-39, handler_error.go:33 (403)", "Oauth2KeyExists", 403, "Key not authorised", gAKIOAuth},
	{"handler_error.go:33, mw unknown (also mw_openid.go:121, coprocess.go:356)", "", 403, `{"error": "Key not authorised"}`, gAKIKey},
	{"mw_oauth2_key_exists.go:125 (Warn)", "Oauth2KeyExists", 0, "Attempted access for deleted OAuth client.", gEAD},
	{"mw_oauth2_key_exists.go:41-44, handler_error.go:34 (403)", "", 403, "Key not authorised. OAuth client access was revoked", gEAD},

	// Client certificates (AuthKey with use_certificate).
	{"mw_auth_key.go:147,61-64, handler_error.go:36 (403)", "AuthKey", 403, "Certificate has expired", gTKECert},
	{"mw_auth_key.go:153,66-69, handler_error.go:31 (401)", "AuthKey", 401, "Client certificate required", gCRQ},
	{"mw_auth_key.go:157,71-74 (401)", "AuthKey", 401, "Access to this API has been disallowed", gCMM},
	{"mw_auth_key.go:157, mw unknown", "", 401, "Access to this API has been disallowed", gCMM},
	{"5.14.0 mw_auth_key.go:39,253 (Info)", "AuthKey", 0, "Attempted access with incorrect certificate.", gCMM},
	{"5.14.0 mw_auth_key.go:426 (Warn)", "AuthKey", 0, "Certificate mismatch detected for token", gCMM},

	// JWT.
	{"mw_jwt.go:724,940 (401: exp)", "JWTMiddleware", 401, "Key not authorized: token has expired", gTKEJWT},
	{"mw_jwt.go:724,940, mw unknown, JSON body", "", 401, `{"error": "Key not authorized: token has expired"}`, gTKEJWT},
	{"mw_jwt.go:724,945 (401: iat)", "JWTMiddleware", 401, "Key not authorized: token used before issued", gTCV},
	{"mw_jwt.go:724,950 (401: nbf)", "", 401, "Key not authorized: token is not valid yet", gTCV},
	{"5.14.0 mw_jwt.go:1299,1380 (401: iss)", "JWTMiddleware", 401, "Key not authorized: issuer claim is required but not present in token", gTCV},
	{"mw_jwt.go:724, no text (nothing logged)", "JWTMiddleware", 401, "", gTCV},
	{"mw_jwt.go:738 (Info)", "JWTMiddleware", 0, "Attempted JWT access with non-existent key.", gTKI},
	{"mw_jwt.go:741 (Error; message)", "JWTMiddleware", 0, "JWT validation error", gTKI},
	{"mw_jwt.go:741,853 (Error; its error field)", "JWTMiddleware", 0, "Unexpected signing method: RS256 and not HMAC signature", gTKIAlg},
	{"mw_jwt.go:744, handler_error.go:35 (403)", "JWTMiddleware", 403, "Key not authorized: Unexpected signing method", gTKIAlg},
	{"mw_jwt.go:747 (403)", "JWTMiddleware", 403, "Key not authorized", gTKI},
	{"mw_jwt.go:747, mw unknown", "", 403, "Key not authorized", gTKI},

	// Key expiry (KeyExpired): not classified by Tyk 5.14; TKE with our detail.
	{"mw_key_expired_check.go:51 (Info)", "KeyExpired", 0, "Attempted access from expired key.", gTKEKey},
	{"mw_key_expired_check.go:62 (401)", "", 401, "Key has expired, please renew", gTKEKey},
	{"mw_key_expired_check.go:62, no text", "KeyExpired", 401, "", gTKEKey},

	// RLT, QEX.
	{"mw_rate_limiting.go:99, middleware.go:638 (Info)", "RateLimitAndQuotaCheck", 0, "Rate Limit Exceeded", gRLTKey},
	{"mw_rate_limiting.go:99, middleware.go:658 (429)", "", 429, "{\n    \"error\": \"Rate Limit Exceeded\"\n}", gRLTKey},
	{"mw_rate_limiting.go:99, no text", "RateLimitAndQuotaCheck", 429, "", gRLTKey},
	{"mw_api_rate_limit.go:118, middleware.go:638 (Info)", "RateLimitForAPI", 0, "API Rate Limit Exceeded", gRLTAPI},
	{"mw_api_rate_limit.go:118 (429)", "", 429, "API Rate Limit Exceeded", gRLTAPI},
	{"mw_api_rate_limit.go:118, no text", "RateLimitForAPI", 429, "", gRLTAPI},
	{"mw_rate_limiting.go:136 (500, sessionFailInternalServerError; 5.14.0 :145 RLT)", "RateLimitAndQuotaCheck", 500, "there was a problem proxying the request", gRLTFail},
	{"mw_rate_limiting.go:29 (Info)", "RateLimitAndQuotaCheck", 0, "Key quota limit exceeded.", gQEX},
	{"mw_rate_limiting.go:42 (403)", "", 403, "Quota exceeded", gQEX},
	{"mw_rate_limiting.go:42, XML body", "", 403, "<?xml version = \"1.0\" encoding = \"UTF-8\"?>\n<error>Quota exceeded</error>", gQEX},
	{"mw_rate_limiting.go:42, no text", "RateLimitAndQuotaCheck", 403, "", gQEX},

	// BTL, CLM.
	{"mw_request_size_limit.go:66 (Info)", "RequestSizeLimitMiddleware", 0, "Attempted access with large request size, blocked.", gBTL},
	{"mw_request_size_limit.go:68 (400)", "", 400, "Request is too large", gBTL},
	{"mw_request_size_limit.go:68, no text", "RequestSizeLimitMiddleware", 400, "", gBTL},
	{"mw_request_size_limit.go:52 (411; not logged)", "", 411, "Content length is required for this request", gCLM},
	{"mw_request_size_limit.go:52, no text", "RequestSizeLimitMiddleware", 411, "", gCLM},

	// BIV: validate_json, OAS validateRequest.
	{"mw_validate_json.go:59 (400)", "ValidateJSON", 400, "JSON parsing error: invalid character 'x' looking for beginning of value", gBIVParse},
	{"mw_validate_json.go:59, JSON body (JSEscapeString)", "", 400, `{"error": "JSON parsing error: invalid character \'x\' looking for beginning of value"}`, gBIVParse},
	{"mw_validate_json.go:59, no text", "ValidateJSON", 400, "", gBIVParse},
	{"mw_validate_json.go:68 (422, schema errors)", "ValidateJSON", 422, "(root): name is required", gBIVSchema},
	{"mw_validate_json.go:68 (error_response_code 409)", "ValidateJSON", 409, "", gBIVSchema},
	{"mw_oas_validate_request.go:155 (422)", "ValidateRequest", 422, `request validation error: request body has an error: doesn't match schema: property "name" is missing`, gBIVSchema},
	{"mw_oas_validate_request.go:155, mw unknown", "", 422, "request validation error: parameter \"id\" in path has an error: value abc: an invalid integer", gBIVSchema},
	{"mw_oas_validate_request.go:155, no text", "ValidateRequest", 422, "", gBIVSchema},
}

// gatewayNotClassified: texts and pairs Tyk 5.14 writes no flag for, or that
// Gateway cannot tell apart, and texts that are not the gateway's own answer.
var gatewayNotClassified = []gatewayCase{
	{"empty", "", 0, "", gNone},
	{"blank", "", 503, " \t\r\n", gNone},
	{"a round-trip failure is Message's", "ReverseProxy", 0, "http: proxy error: dial tcp 127.0.0.1:1: connect: connection refused", gNone},
	{"a round-trip failure, 500 answer", "", 500, "There was a problem proxying the request", gNone},
	{"reverse_proxy.go:1327: 500 of the reverse proxy is a round-trip failure", classify.MWReverseProxy, 500, "", gNone},
	{"mw_basic_auth.go:253 User not authorised (wrong user or password)", "BasicAuthKeyIsValid", 401, "User not authorised", gNone},
	{"mw_basic_auth.go:187 (Warn)", "BasicAuthKeyIsValid", 0, "Attempted access with non-existent user.", gNone},
	{"AuthKey 401 alone: AMF, CRQ, CMM or signature", "AuthKey", 401, "", gNone},
	{"AuthKey 403 alone: AKI or TKE", "AuthKey", 403, "", gNone},
	{"Oauth2KeyExists 403 alone: AKI or EAD", "Oauth2KeyExists", 403, "", gNone},
	{"JWTMiddleware 403 alone: TKI or a policy failure", "JWTMiddleware", 403, "", gNone},
	{"mw_jwt.go:424 (403) no flag in 5.14", "JWTMiddleware", 403, "key not authorized: no matching policy", gNone},
	{"mw_access_rights.go:36 (403) no flag in 5.14", "AccessRightsCheck", 403, "Access to this API has been disallowed", gNone},
	{"mw_access_rights.go:35 (Info)", "AccessRightsCheck", 0, "Attempted access to unauthorised API", gNone},
	{"mw_key_expired_check.go:45 (403) inactive key", "KeyExpired", 403, "Key is inactive, please renew", gNone},
	{"mw_organisation_activity.go:175 (403) org quota", "OrganizationMonitor", 403, "This organisation quota has been exceeded, please contact your API administrator", gNone},
	{"mw_request_size_limit.go:58 (400) no flag in 5.14, not BTL", "RequestSizeLimitMiddleware", 400, "content length is not a valid Integer", gNone},
	{"mw_request_size_limit.go:57 (Error)", "RequestSizeLimitMiddleware", 0, "String conversion for content length failed", gNone},
	{"mw_validate_json.go:43 (500)", "ValidateJSON", 500, "no schemas to validate against", gNone},
	{"mw_oas_validate_request.go:138 (422) no flag in 5.14", "ValidateRequest", 422, "request validation error: no matching operation was found for request: GET /x", gNone},
	{"status does not fit the text", "", 500, "Rate Limit Exceeded", gNone},
	{"reverse_proxy.go:212 with a status other than 503", "", 200, "all hosts are down", gNone},
	{"mw_validate_json.go:68, schema errors are free text: they need mw", "", 422, "(root): name is required", gNone},
	{"status does not fit the text (403 is not TCV)", "", 403, "Key not authorized: something", gNone},
	{"a 401 with unknown middleware and no text", "", 401, "", gNone},
	{"an upstream 503", "", 503, "Service Unavailable", gNone},
	{"a longer text is not the exact text", "", 429, "Rate Limit Exceeded for key abc", gNone},
	{"broken JSON body", "", 429, `{"error": "Rate Limit Exceeded`, gNone},
	{"JSON body without error", "", 429, `{"message": "Rate Limit Exceeded"}`, gNone},
	{"invalid UTF-8", "\xff", 400, "\xff\xfe{\"error\": \"\xff\"}", gNone},
}

func TestGateway(t *testing.T) {
	t.Parallel()
	for _, tt := range gatewayCases {
		check(t, tt.src+": "+tt.mw+" "+strconv.Itoa(tt.status)+" "+tt.text, classify.Gateway(tt.mw, tt.status, tt.text), tt.want)
	}
}

func TestGatewayNotClassified(t *testing.T) {
	t.Parallel()
	for _, tt := range gatewayNotClassified {
		if got := classify.Gateway(tt.mw, tt.status, tt.text); got != (classify.Result{}) {
			t.Errorf("%s: %s %d %q: got %s, want the zero Result", tt.src, tt.mw, tt.status, tt.text, show(got))
		}
	}
}

// The texts are matched ignoring ASCII case and surrounding white space, and
// a log line is classified the same with or without its middleware.
func TestGatewayCaseAndSpace(t *testing.T) {
	t.Parallel()
	for _, tt := range gatewayCases {
		if tt.text == "" || strings.HasPrefix(strings.TrimSpace(tt.text), "{") || strings.HasPrefix(strings.TrimSpace(tt.text), "<") {
			continue
		}
		for _, text := range []string{strings.ToUpper(tt.text), strings.ToLower(tt.text), "  " + tt.text + "\r\n"} {
			check(t, tt.src+": "+text, classify.Gateway(tt.mw, tt.status, text), tt.want)
		}
	}
}

// Only the first 4 KiB of text are read.
func TestGatewayLongText(t *testing.T) {
	t.Parallel()
	pad := strings.Repeat(" ", 5000)
	if got := classify.Gateway("", 503, pad+"all hosts are down"); got != (classify.Result{}) {
		t.Errorf("text beyond 4 KiB read: %s", show(got))
	}
	check(t, "long prefix", classify.Gateway("", 400, "JSON parsing error: "+pad), gBIVParse)
}

// Every Result is one of this package's constants with Source gateway, and
// the circuit-breaker state Tyk writes is OPEN.
func TestGatewayResults(t *testing.T) {
	t.Parallel()
	flags := map[string]bool{}
	for _, f := range []string{classify.FlagNHU, classify.FlagCBO, classify.FlagURT, classify.FlagRLT, classify.FlagQEX,
		classify.FlagAMF, classify.FlagAKI, classify.FlagTKE, classify.FlagTKI, classify.FlagTCV, classify.FlagEAD,
		classify.FlagBTL, classify.FlagCLM, classify.FlagBIV, classify.FlagIHD, classify.FlagCRQ, classify.FlagCMM} {
		flags[f] = true
	}
	seen := map[string]bool{}
	for _, tt := range gatewayCases {
		r := classify.Gateway(tt.mw, tt.status, tt.text)
		if !flags[r.Flag] || r.Source != classify.SourceGateway || r.Phase != classify.PhaseUnknown || r.Intermediary != "" {
			t.Errorf("%s: %s", tt.src, show(r))
		}
		seen[r.Flag] = true
	}
	for f := range flags {
		if !seen[f] {
			t.Errorf("flag %s has no case", f)
		}
	}
	if classify.CircuitBreakerStateOpen != "OPEN" {
		t.Errorf("circuit_breaker_state %q", classify.CircuitBreakerStateOpen)
	}
}

func TestGatewayZeroAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	for _, tt := range append(append([]gatewayCase{}, gatewayCases...), gatewayNotClassified...) {
		if n := testing.AllocsPerRun(100, func() { sink = classify.Gateway(tt.mw, tt.status, tt.text) }); n != 0 {
			t.Errorf("%s: %v allocs", tt.src, n)
		}
	}
}

func FuzzGateway(f *testing.F) {
	for _, tt := range gatewayCases {
		f.Add(tt.mw, tt.status, tt.text)
	}
	f.Add("", 0, `{"error":`)
	f.Add("", 0, `{"error"   :   "\`)
	f.Add("", 0, "<error>")
	f.Fuzz(func(t *testing.T, mw string, status int, text string) {
		r := classify.Gateway(mw, status, text)
		if r.Flag == "" {
			if r != (classify.Result{}) {
				t.Fatalf("%q %d %q: a Result without Flag must be the zero Result: %s", mw, status, text, show(r))
			}
			return
		}
		if r.Source != classify.SourceGateway || r.Detail == "" || r.Type == "" {
			t.Fatalf("%q %d %q: %s", mw, status, text, show(r))
		}
	})
}

func BenchmarkGateway(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, tt := range gatewayCases {
			sink = classify.Gateway(tt.mw, tt.status, tt.text)
		}
	}
}
