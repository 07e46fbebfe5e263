package classify

// Gateway classifies an answer the gateway produced itself rather than a
// failed upstream round trip: no healthy upstream (NHU), an open circuit
// breaker (CBO), the enforced ("hard") timeout, and the 4xx answers of the
// authentication, rate-limit, quota, size-limit and validation middleware
// (RLT, QEX, AMF, AKI, TKE, TKI, TCV, EAD, BTL, CLM, BIV, IHD, CRQ, CMM). The
// flags and details are Tyk 5.14's (internal/errors), so that a Result
// written on a Tyk 5.8 gateway reads as Tyk 5.14 writes response_flag and
// response_code_details for the same answer; the one addition is the expired
// key of KeyExpired, which Tyk 5.14 does not classify (TKE with Detail
// key_expired).
//
// The arguments are the evidence a plugin has; any of them may be empty:
//
//   - mw is the "mw" field of the log entry: Tyk puts the name of the
//     middleware ("AuthKey", "JWTMiddleware", "RateLimitAndQuotaCheck",
//     "RateLimitForAPI", "RequestSizeLimitMiddleware", "ValidateJSON",
//     "ValidateRequest", "KeyExpired", "Oauth2KeyExists",
//     "BasicAuthKeyIsValid" …) on the entries a middleware writes and on the
//     access-log entry of a request it rejected. Entries of the reverse proxy
//     carry "ReverseProxy"; the access-log entry of an answer of the reverse
//     proxy's own error handler carries none, and a caller that knows the
//     request reached the proxy and made no round trip passes MWReverseProxy.
//   - status is the status the gateway answered (the access-log "status"),
//     or 0 when not known yet (a log line written before the answer).
//   - text is the message of a log entry the gateway wrote on the request
//     goroutine (e.g. "Attempted access with non-existent key.", "[PROXY]
//     [LOAD BALANCING] all hosts are down, uptime tests are failing"), the
//     error text of its answer ("Key not authorised"), or the answer's body as
//     Tyk's default templates write it ({"error": "…"} or <error>…</error>),
//     from which the error text is taken.
//
// Gateway matches text first, ASCII case-insensitively (the exact texts are
// listed in classify/testdata/gateway-produced.md), using mw and status only
// to tell apart the middleware that share a text (e.g. "Authorization field
// missing" is AMF auth_field_missing from AuthKey, jwt_field_missing from
// JWTMiddleware). A text that no row knows, or no text, falls back to mw and
// status, where the pair has one meaning in Tyk 5.8–5.14 (e.g.
// RequestSizeLimitMiddleware 411 is CLM, JWTMiddleware 401 is TCV,
// ReverseProxy 503 is CBO). A few texts are recognised as answers Tyk 5.14
// does not classify (e.g. "content length is not a valid Integer") and stop
// the fallback. Everything else returns the zero Result.
//
// Every Result has Source SourceGateway (the gateway produced the answer; the
// flag says what in the client's request it refused), Phase PhaseUnknown (no
// upstream round trip was made, or, for NHU, the one made was to the
// gateway's own "all hosts are down" listener), and an RFC 9209 type:
// destination_unavailable for NHU and CBO, http_response_timeout for the
// enforced timeout (Timeout true), http_request_denied for the refusals
// (authentication, rate limit, quota), http_request_error for a request the
// gateway found malformed (BTL, CLM, BIV, IHD), and proxy_internal_error for
// RLT generic_rate_limit_error (the rate limiter itself failed: a 500). A CBO Result stands for
// Tyk's circuit_breaker_state CircuitBreakerStateOpen, the only state Tyk
// writes.
//
// Gateway reads at most the first 4 KiB of text, accepts any bytes and
// allocates nothing.
func Gateway(mw string, status int, text string) Result {
	if t := gatewayErrorText(text); t != "" {
		for i := range gatewayTexts {
			if row := &gatewayTexts[i]; row.matches(mw, status, t) {
				return row.result
			}
		}
	}
	if mw == "" || status == 0 {
		return Result{}
	}
	for i := range gatewayStatuses {
		if row := &gatewayStatuses[i]; row.mw == mw && (row.status == status || (row.status == 0 && status >= 400 && status <= 499)) {
			return row.result
		}
	}
	return Result{}
}

// MWReverseProxy is the "mw" field of the entries Tyk's reverse proxy writes
// (its director's "[PROXY] [LOAD BALANCING] …" error, its "http: proxy
// error: …" entries). Passed to Gateway with no text, it stands for an answer
// of the reverse proxy's own error handler made without any upstream round
// trip: 503 is the open circuit breaker (CBO), 504 the enforced (or the
// response-header) timeout.
const MWReverseProxy = "ReverseProxy"

// CircuitBreakerStateOpen is the value Tyk 5.12.1 and 5.14.0 write as
// circuit_breaker_state with CBO (gateway/reverse_proxy.go,
// ClassifyCircuitBreakerError(…, "OPEN")); no other state is ever written.
const CircuitBreakerStateOpen = "OPEN"

// The names of Tyk's middleware (their Name(), the "mw" log field) that
// Gateway distinguishes.
const (
	mwJWT          = "JWTMiddleware"
	mwOAuth        = "Oauth2KeyExists"
	mwBasicAuth    = "BasicAuthKeyIsValid"
	mwAccessRights = "AccessRightsCheck"
	mwRateLimit    = "RateLimitAndQuotaCheck"
	mwAPIRateLimit = "RateLimitForAPI"
	mwSizeLimit    = "RequestSizeLimitMiddleware"
	mwValidateJSON = "ValidateJSON"
	mwValidateOAS  = "ValidateRequest"
	mwKeyExpired   = "KeyExpired"
)

// Table shorthands: a row for any middleware, or for any status.
const (
	gwAnyMW     = ""
	gwAnyStatus = 0
)

const (
	gatewayMaxScan  = 4 << 10   // bytes of text read
	gatewayErrorKey = `"error"` // the member of templates/error.json
	gatewayXMLOpen  = "<error>" // the element of templates/error.xml
	gatewayXMLClose = "</error>"
)

// How a row's text is compared with the (trimmed) text.
const (
	gwExact    uint8 = iota // equal
	gwPrefix                // starts with
	gwContains              // contains
)

// gatewayText is one row of the text table: a lower-case pattern, how it is
// matched, the middleware (or "" for any) and the status (or 0 for any) it
// applies to, and its Result (zero: an answer Tyk 5.14 does not classify,
// which ends the search).
type gatewayText struct {
	how    uint8
	text   string
	mw     string // "": any middleware; else mw must be exactly this
	status int    // 0: any status; else status must be this or unknown (0)
	strict bool   // status must be known and equal to status
	result Result
}

func (row *gatewayText) matches(mw string, status int, t string) bool {
	if row.mw != "" && row.mw != mw {
		return false
	}
	if row.status != 0 && status != row.status && (row.strict || status != 0) {
		return false
	}
	switch row.how {
	case gwExact:
		return equalFold(t, row.text)
	case gwPrefix:
		return hasPrefixFold(t, row.text)
	default:
		return hasFold(t, row.text)
	}
}

// gatewayStatus is one row of the fallback table: a middleware and the status
// it answered (0: any 4xx not listed before it), when the pair has one
// meaning.
type gatewayStatus struct {
	mw     string
	status int
	result Result
}

func gatewayResult(flag, typ, detail string) Result {
	return Result{Flag: flag, Type: typ, Detail: detail, Source: SourceGateway}
}

// The Results of the tables.
var (
	gwNHU = gatewayResult(FlagNHU, TypeDestinationUnavailable, DetailNoHealthyUpstreams)
	gwCBO = gatewayResult(FlagCBO, TypeDestinationUnavailable, DetailCircuitBreakerOpen)
	gwURT = Result{Flag: FlagURT, Type: TypeHTTPResponseTimeout, Detail: DetailContextDeadlineExceeded, Source: SourceGateway, Timeout: true}

	gwAMFAuth  = gatewayResult(FlagAMF, TypeHTTPRequestDenied, DetailAuthFieldMissing)
	gwAMFJWT   = gatewayResult(FlagAMF, TypeHTTPRequestDenied, DetailJWTFieldMissing)
	gwAMFOAuth = gatewayResult(FlagAMF, TypeHTTPRequestDenied, DetailOAuthFieldMissing)
	gwAMFBasic = gatewayResult(FlagAMF, TypeHTTPRequestDenied, DetailBasicAuthFieldMissing)

	gwAKIKey   = gatewayResult(FlagAKI, TypeHTTPRequestDenied, DetailAuthKeyNotFound)
	gwAKICert  = gatewayResult(FlagAKI, TypeHTTPRequestDenied, DetailAuthCertNotFound)
	gwAKIOAuth = gatewayResult(FlagAKI, TypeHTTPRequestDenied, DetailOAuthKeyNotFound)
	gwEAD      = gatewayResult(FlagEAD, TypeHTTPRequestDenied, DetailOAuthClientDeleted)

	gwTKECert = gatewayResult(FlagTKE, TypeHTTPRequestDenied, DetailAuthCertExpired)
	gwTKEJWT  = gatewayResult(FlagTKE, TypeHTTPRequestDenied, DetailJWTTokenExpired)
	gwTKEKey  = gatewayResult(FlagTKE, TypeHTTPRequestDenied, DetailKeyExpired)
	gwTKI     = gatewayResult(FlagTKI, TypeHTTPRequestDenied, DetailJWTTokenInvalid)
	gwTKIAlg  = gatewayResult(FlagTKI, TypeHTTPRequestDenied, DetailJWTUnexpectedSigningMethod)
	gwTCV     = gatewayResult(FlagTCV, TypeHTTPRequestDenied, DetailJWTClaimsInvalid)
	gwCRQ     = gatewayResult(FlagCRQ, TypeHTTPRequestDenied, DetailAuthCertRequired)
	gwCMM     = gatewayResult(FlagCMM, TypeHTTPRequestDenied, DetailAuthCertMismatch)

	gwRLTKey  = gatewayResult(FlagRLT, TypeHTTPRequestDenied, DetailSessionRateLimited)
	gwRLTAPI  = gatewayResult(FlagRLT, TypeHTTPRequestDenied, DetailAPIRateLimited)
	gwRLTFail = gatewayResult(FlagRLT, TypeProxyInternalError, DetailGenericRateLimitError)
	gwQEX     = gatewayResult(FlagQEX, TypeHTTPRequestDenied, DetailQuotaExceeded)

	gwIHDOAuth    = gatewayResult(FlagIHD, TypeHTTPRequestError, DetailOAuthFieldMalformed)
	gwIHDHeader   = gatewayResult(FlagIHD, TypeHTTPRequestError, DetailBasicAuthHeaderMalformed)
	gwIHDEncoding = gatewayResult(FlagIHD, TypeHTTPRequestError, DetailBasicAuthEncodingInvalid)
	gwIHDValues   = gatewayResult(FlagIHD, TypeHTTPRequestError, DetailBasicAuthValuesMalformed)
	gwBIVUser     = gatewayResult(FlagBIV, TypeHTTPRequestError, DetailBasicAuthBodyUsernameMissing)
	gwBIVPassword = gatewayResult(FlagBIV, TypeHTTPRequestError, DetailBasicAuthBodyPasswordMissing)
	gwBIVParse    = gatewayResult(FlagBIV, TypeHTTPRequestError, DetailJSONParseError)
	gwBIVSchema   = gatewayResult(FlagBIV, TypeHTTPRequestError, DetailSchemaValidationFailed)
	gwBTL         = gatewayResult(FlagBTL, TypeHTTPRequestError, DetailBodyTooLarge)
	gwCLM         = gatewayResult(FlagCLM, TypeHTTPRequestError, DetailContentLengthMissing)

	gwNone Result // an answer Tyk 5.14 does not classify
)

// gatewayTexts is searched in order; the first row that matches decides.
// Rows for a middleware come before the row for any middleware with the same
// text, and a longer text before a text it starts with. The texts are the
// same in Tyk 5.8.15, 5.12.1 and 5.14.0 unless noted; the file:line of each
// is in classify/testdata/gateway-produced.md and gateway_test.go.
var gatewayTexts = [...]gatewayText{
	// The reverse proxy.
	{gwContains, "all hosts are down", gwAnyMW, 503, false, gwNHU}, // log line, error, and the body of the internal listener
	{gwExact, "service temporarily unavailable.", gwAnyMW, 503, false, gwCBO},
	{gwExact, "upstream service reached hard timeout.", gwAnyMW, 504, false, gwURT},

	// Missing credentials.
	{gwExact, "attempted access with malformed header, no jwt auth header found.", gwAnyMW, 400, false, gwAMFJWT},
	{gwExact, "attempted access with malformed header, no auth header found.", mwOAuth, gwAnyStatus, false, gwAMFOAuth},
	{gwExact, "attempted access with malformed header, no auth header found.", mwBasicAuth, gwAnyStatus, false, gwAMFBasic}, // Warn
	{gwExact, "attempted access with malformed header, no auth header found.", gwAnyMW, gwAnyStatus, false, gwAMFAuth},
	{gwExact, "authorization field missing", mwJWT, gwAnyStatus, false, gwAMFJWT},
	{gwExact, "authorization field missing", mwOAuth, gwAnyStatus, false, gwAMFOAuth},
	{gwExact, "authorization field missing", mwBasicAuth, gwAnyStatus, false, gwAMFBasic},
	{gwExact, "authorization field missing", gwAnyMW, gwAnyStatus, false, gwAMFAuth},

	// Malformed credentials.
	{gwExact, "bearer token malformed", gwAnyMW, 400, false, gwIHDOAuth},
	{gwPrefix, "attempted access with malformed header, header not in basic auth format", gwAnyMW, 400, false, gwIHDHeader},
	{gwPrefix, "base64 decoding failed of basic auth data", gwAnyMW, 400, false, gwIHDEncoding},
	{gwExact, "attempted access with malformed header, auth data not encoded correctly", gwAnyMW, 400, false, gwIHDEncoding},
	{gwPrefix, "attempted access with malformed header, values not in basic auth format", gwAnyMW, 400, false, gwIHDValues},
	{gwExact, "body do not contain username", gwAnyMW, 400, false, gwBIVUser},
	{gwExact, "username should be inside regexp match group", gwAnyMW, 400, false, gwBIVUser},
	{gwExact, "body do not contain password", gwAnyMW, 400, false, gwBIVPassword},
	{gwExact, "password should be inside regexp match group", gwAnyMW, 400, false, gwBIVPassword},

	// Unknown or revoked keys and tokens, certificates.
	{gwExact, "attempted access with non-existent key.", mwOAuth, gwAnyStatus, false, gwAKIOAuth}, // Warn
	{gwExact, "attempted access with non-existent key.", gwAnyMW, gwAnyStatus, false, gwAKIKey},
	{gwExact, "attempted access with non-existent cert.", gwAnyMW, gwAnyStatus, false, gwAKICert},
	{gwExact, "key not authorised. oauth client access was revoked", gwAnyMW, 403, false, gwEAD},
	{gwExact, "attempted access for deleted oauth client.", gwAnyMW, gwAnyStatus, false, gwEAD}, // Warn
	{gwExact, "key not authorised", mwOAuth, gwAnyStatus, false, gwAKIOAuth},
	{gwExact, "key not authorised", gwAnyMW, gwAnyStatus, false, gwAKIKey}, // also OpenID Connect (401) and coprocess auth (403)
	{gwExact, "access to this api has been disallowed", mwAccessRights, gwAnyStatus, false, gwNone},
	{gwExact, "attempted access to unauthorised api", gwAnyMW, gwAnyStatus, false, gwNone},          // AccessRightsCheck, Info
	{gwExact, "attempted access to unauthorised api version.", gwAnyMW, gwAnyStatus, false, gwNone}, // AccessRightsCheck, Info
	{gwExact, "access to this api has been disallowed", gwAnyMW, 401, true, gwCMM},
	{gwExact, "access to this api has been disallowed", gwAnyMW, 403, false, gwAKIKey},
	{gwExact, "attempted access with incorrect certificate.", gwAnyMW, gwAnyStatus, false, gwCMM}, // 5.12+
	{gwExact, "certificate mismatch detected for token", gwAnyMW, gwAnyStatus, false, gwCMM},      // 5.12+, Warn
	{gwExact, "client certificate required", gwAnyMW, 401, false, gwCRQ},
	{gwExact, "certificate has expired", gwAnyMW, 403, false, gwTKECert},

	// JWT.
	{gwExact, "attempted jwt access with non-existent key.", gwAnyMW, gwAnyStatus, false, gwTKI},
	{gwContains, "unexpected signing method", gwAnyMW, 403, false, gwTKIAlg}, // the answer, and the error of "JWT validation error"
	{gwExact, "jwt validation error", gwAnyMW, gwAnyStatus, false, gwTKI},
	{gwExact, "key not authorized", gwAnyMW, 403, false, gwTKI},
	{gwExact, "key not authorized: token has expired", gwAnyMW, 401, false, gwTKEJWT},
	{gwExact, "key not authorized: token used before issued", gwAnyMW, 401, false, gwTCV},
	{gwExact, "key not authorized: token is not valid yet", gwAnyMW, 401, false, gwTCV},
	{gwPrefix, "key not authorized: ", gwAnyMW, 401, true, gwTCV}, // 5.12+: issuer, audience, jti claims

	// Key expiry (not classified by Tyk 5.14: FlagTKE with our detail).
	{gwExact, "key has expired, please renew", gwAnyMW, 401, false, gwTKEKey},
	{gwExact, "attempted access from expired key.", gwAnyMW, gwAnyStatus, false, gwTKEKey},

	// Rate limits and quotas.
	{gwExact, "api rate limit exceeded", gwAnyMW, 429, false, gwRLTAPI},
	{gwExact, "rate limit exceeded", gwAnyMW, 429, false, gwRLTKey},
	{gwExact, "key quota limit exceeded.", gwAnyMW, gwAnyStatus, false, gwQEX},
	{gwExact, "quota exceeded", gwAnyMW, 403, false, gwQEX},

	// Request size.
	{gwExact, "content length is required for this request", gwAnyMW, 411, false, gwCLM},
	{gwExact, "request is too large", gwAnyMW, 400, false, gwBTL},
	{gwExact, "attempted access with large request size, blocked.", gwAnyMW, gwAnyStatus, false, gwBTL},
	{gwExact, "content length is not a valid integer", gwAnyMW, gwAnyStatus, false, gwNone},
	{gwExact, "string conversion for content length failed", gwAnyMW, gwAnyStatus, false, gwNone}, // Error

	// Body validation.
	{gwPrefix, "json parsing error:", gwAnyMW, 400, false, gwBIVParse},
	{gwPrefix, "request validation error: no matching operation was found", gwAnyMW, gwAnyStatus, false, gwNone},
	{gwPrefix, "request validation error:", gwAnyMW, gwAnyStatus, false, gwBIVSchema},
	{gwExact, "no schemas to validate against", gwAnyMW, gwAnyStatus, false, gwNone},
}

// gatewayStatuses is the fallback when no text decided: middleware and status
// pairs with one meaning in Tyk 5.8.15–5.14.0, in order (a row with status 0
// takes any other 4xx of its middleware). AuthKey, Oauth2KeyExists and
// BasicAuthKeyIsValid are absent: each answers 401, 403 or 400 for several
// flags, and their log lines (text) tell them apart.
var gatewayStatuses = [...]gatewayStatus{
	{MWReverseProxy, 503, gwCBO},
	{MWReverseProxy, 504, gwURT},
	{mwJWT, 400, gwAMFJWT},
	{mwJWT, 401, gwTCV}, // an exp, iat or nbf claim failed (5.12+: also iss, aud, jti); Tyk 5.14 says TKE when exp did
	{mwRateLimit, 429, gwRLTKey},
	{mwRateLimit, 403, gwQEX},
	{mwRateLimit, 500, gwRLTFail},
	{mwAPIRateLimit, 429, gwRLTAPI},
	{mwSizeLimit, 411, gwCLM},
	{mwSizeLimit, 400, gwBTL},
	{mwValidateJSON, 400, gwBIVParse},
	{mwValidateJSON, 0, gwBIVSchema}, // 422 or the configured error_response_code
	{mwValidateOAS, 0, gwBIVSchema},  // 422 or the configured errorResponseCode
	{mwKeyExpired, 401, gwTKEKey},
}

// gatewayErrorText returns the error text of text: text itself, trimmed and
// bounded, or the message inside Tyk's default error body, {"error": "…"}
// (templates/error.json) or <error>…</error> (templates/error.xml). The
// message is returned as written (JSON escapes are not decoded: none of the
// texts Gateway knows contains one).
func gatewayErrorText(text string) string {
	if len(text) > gatewayMaxScan {
		text = text[:gatewayMaxScan]
	}
	t := trimSpace(text)
	if t == "" {
		return ""
	}
	switch t[0] {
	case '{':
		if m, ok := jsonErrorMessage(t); ok {
			return m
		}
	case '<':
		if i := indexFold(t, gatewayXMLOpen); i >= 0 {
			rest := t[i+len(gatewayXMLOpen):]
			if j := indexFold(rest, gatewayXMLClose); j >= 0 {
				return trimSpace(rest[:j])
			}
		}
	}
	return t
}

// jsonErrorMessage returns the string value of the "error" member of the
// JSON object t, undecoded and trimmed.
func jsonErrorMessage(t string) (string, bool) {
	i := indexFold(t, gatewayErrorKey)
	if i < 0 {
		return "", false
	}
	i += len(gatewayErrorKey)
	for i < len(t) && isSpace(t[i]) {
		i++
	}
	if i >= len(t) || t[i] != ':' {
		return "", false
	}
	i++
	for i < len(t) && isSpace(t[i]) {
		i++
	}
	if i >= len(t) || t[i] != '"' {
		return "", false
	}
	i++
	for j := i; j < len(t); j++ {
		switch t[j] {
		case '\\':
			j++
		case '"':
			return trimSpace(t[i:j]), true
		}
	}
	return "", false
}
