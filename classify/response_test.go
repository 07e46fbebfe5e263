package classify_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

func TestResponse(t *testing.T) {
	h := func(kv ...string) http.Header {
		hd := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			hd.Add(kv[i], kv[i+1])
		}
		return hd
	}
	upstream := func(timeout bool) classify.Result {
		return classify.Result{Flag: "URS", Detail: "upstream_response_5xx", Phase: pHeaders, Source: sUpstream, Timeout: timeout}
	}
	inter := func(name, typ string, timeout bool) classify.Result {
		return classify.Result{Flag: "URS", Type: typ, Detail: "intermediary_response_5xx", Phase: pHeaders, Source: sInter, Timeout: timeout, Intermediary: name}
	}
	tests := []struct {
		name   string
		status int
		header http.Header
		want   classify.Result
	}{
		{"200", 200, nil, classify.Result{}},
		{"404", 404, h("Server", "awselb/2.0"), classify.Result{}},
		{"499", 499, nil, classify.Result{}},
		{"600", 600, nil, classify.Result{}},
		{"500 nil header", 500, nil, upstream(false)},
		{"503 nginx", 503, h("Server", "nginx", "Content-Type", "text/html"), upstream(false)},
		{"504 upstream", 504, h("Server", "nginx"), upstream(true)},
		{"502 alb", 502, h("Server", "awselb/2.0", "Content-Type", "text/html"), inter("aws_elb", "", false)},
		{"503 alb", 503, h("Server", "awselb/2.0"), inter("aws_elb", "destination_unavailable", false)},
		{"504 alb", 504, h("Server", "awselb/2.0"), inter("aws_elb", "http_response_timeout", true)},
		{"502 alb lower", 502, http.Header{"Server": {"  AWSELB/2.0 "}}, inter("aws_elb", "", false)},
		{"500 relayed by cloudflare", 500, h("Server", "cloudflare", "Cf-Ray", "8a1b2c3d4e5f6789-AMS"), upstream(false)},
		{"502 relayed by cloudflare", 502, h("Server", "cloudflare", "Cf-Ray", "8a1b2c3d4e5f6789-AMS"), upstream(false)},
		{"520 cloudflare", 520, h("Server", "cloudflare", "Cf-Ray", "x"), inter("cloudflare", "", false)},
		{"521 cloudflare", 521, h("Server", "cloudflare"), inter("cloudflare", "connection_refused", false)},
		{"522 cloudflare", 522, h("CF-RAY", "x"), inter("cloudflare", "connection_timeout", true)},
		{"523 cloudflare", 523, h("Server", "cloudflare"), inter("cloudflare", "destination_ip_unroutable", false)},
		{"524 cloudflare", 524, h("Server", "cloudflare"), inter("cloudflare", "http_response_timeout", true)},
		{"525 cloudflare", 525, h("Server", "cloudflare"), inter("cloudflare", "tls_protocol_error", false)},
		{"526 cloudflare", 526, h("Server", "cloudflare"), inter("cloudflare", "tls_certificate_error", false)},
		{"530 cloudflare", 530, h("Server", "cloudflare"), inter("cloudflare", "", false)},
		{"522 not cloudflare", 522, h("Server", "nginx"), upstream(false)},
		{"503 envoy local", 503, h("Server", "envoy", "Content-Length", "19"), inter("envoy", "destination_unavailable", false)},
		{"504 istio local", 504, h("Server", "istio-envoy"), inter("envoy", "http_response_timeout", true)},
		{"503 relayed by envoy", 503, h("Server", "envoy", "X-Envoy-Upstream-Service-Time", "12"), upstream(false)},
		{"503 akamai", 503, h("Server", "AkamaiGHost"), inter("akamai", "destination_unavailable", false)},
		{"502 proxy-status", 502, h("Proxy-Status", `ExampleCDN; error=connection_timeout; details="timed out after 30s, giving up"`), inter("other", "connection_timeout", true)},
		{"502 proxy-status unknown type", 502, h("Proxy-Status", "proxy; error=made_up_error"), inter("other", "", false)},
		{"502 proxy-status first error wins", 502, h("Proxy-Status", `origin-lb; error="connection_refused", edge; received-status=502`), inter("other", "connection_refused", false)},
		{"502 proxy-status two lines", 502, h("Proxy-Status", "edge; received-status=502", "Proxy-Status", "shield; error=tls_certificate_error"), inter("other", "tls_certificate_error", false)},
		{"503 proxy-status without error", 503, h("Proxy-Status", "edge; received-status=503"), upstream(false)},
		{"503 alb with proxy-status", 503, h("Server", "awselb/2.0", "Proxy-Status", "alb; error=destination_not_found"), inter("aws_elb", "destination_not_found", false)},
		{"502 proxy-status garbage", 502, h("Proxy-Status", `;;;,,,"\`), upstream(false)},
		{"502 proxy-status huge", 502, h("Proxy-Status", strings.Repeat("a", 8<<10)+"; error=connection_refused"), upstream(false)},
	}
	for _, tt := range tests {
		if got := classify.Response(tt.status, tt.header); got != tt.want {
			t.Errorf("%s:\n got  %s\n want %s", tt.name, show(got), show(tt.want))
		}
	}
}

func TestOnReusedConnection(t *testing.T) {
	closed := classify.Message("http: proxy error: EOF")
	if got := classify.OnReusedConnection(closed); got.Detail != classify.DetailIdleConnectionClosedByUpstream || got.Flag != closed.Flag || got.Phase != closed.Phase {
		t.Fatalf("EOF on a reused connection: %+v", got)
	}
	refused := classify.Message("dial tcp 127.0.0.1:1: connect: connection refused")
	if got := classify.OnReusedConnection(refused); got != refused {
		t.Fatalf("refused changed: %+v", got)
	}
}
