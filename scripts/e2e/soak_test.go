package main

import (
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/internal/cases"
)

// TestJudgeSoak: the soak's verdicts on entries like the gateway writes
// them, the known leak among them (a cancelled hookless request B whose
// entry carries the refused failure of the do_not_track request A before it
// on the same connection).
func TestJudgeSoak(t *testing.T) {
	hosts := map[string]string{
		cases.Refused:         "127.0.0.1:1001",
		cases.HeaderTimeout:   "127.0.0.1:1002",
		cases.Status503:       "127.0.0.1:1003",
		cases.OK:              "127.0.0.1:1004",
		cases.Intermediary502: "127.0.0.1:1005",
	}
	refused := cases.WantByCase[cases.Refused]
	ucf := map[string]any{
		"upstream_flag": refused.Flag, "upstream_error_type": refused.Type, "upstream_error_detail": refused.Detail,
		"upstream_error_phase": refused.Phase, "upstream_error_source": refused.Source, "upstream_target": hosts[cases.Refused],
	}
	with := func(base map[string]any, kv ...any) map[string]any {
		e := map[string]any{}
		for k, v := range base {
			e[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			e[kv[i].(string)] = kv[i+1]
		}
		return e
	}
	b := &soakReq{kind: KindPlain, c: cases.HeaderTimeout, method: http.MethodGet, role: 'B', cancel: abCancel, canceled: true, err: errCanceled{}}
	for _, tc := range []struct {
		name string
		r    *soakReq
		e    map[string]any
		want string
	}{
		{"B carries A's failure", b, with(ucf, "status", 499.0), vForeign},
		{"B with its own CDC", b, map[string]any{"status": 499.0, "upstream_flag": "CDC", "upstream_error_detail": "client_disconnected", "upstream_error_source": "client"}, vOKFields},
		{"B without fields", b, map[string]any{"status": 499.0}, vOK},
		{"hooked refused", &soakReq{kind: KindClassic, c: cases.Refused, method: http.MethodGet, status: 500}, with(ucf, "status", 500.0), vOK},
		{"cancelled hooked refused, phase from the text alone", &soakReq{kind: KindClassic, c: cases.Refused, method: http.MethodGet, cancel: time.Millisecond, canceled: true, err: errCanceled{}}, with(ucf, "status", 500.0, "upstream_error_phase", "unknown"), vOK},
		{"cancelled hooked refused, another upstream", &soakReq{kind: KindClassic, c: cases.Refused, method: http.MethodGet, cancel: time.Millisecond, canceled: true, err: errCanceled{}}, with(ucf, "status", 500.0, "upstream_target", "127.0.0.1:9"), vForeign},
		{"hooked refused, wrong phase", &soakReq{kind: KindOAS, c: cases.Refused, method: http.MethodGet, status: 500}, with(ucf, "status", 500.0, "upstream_error_phase", "tls"), vWrong},
		{"hookless refused, from the proxy-error line", &soakReq{kind: KindPlain, c: cases.Refused, method: http.MethodGet, status: 500}, with(ucf, "status", 500.0, "upstream_error_phase", "connect"), vOKFields},
		{"hookless 503 carrying another's failure", &soakReq{kind: KindPlain, c: cases.Status503, method: http.MethodGet, status: 503}, with(ucf, "status", 503.0), vForeign},
		{"success with fields", &soakReq{kind: KindClassic, c: cases.OK, method: http.MethodGet, status: 200}, with(ucf, "status", 200.0), vOnSuccess},
		{"hooked 503 without fields", &soakReq{kind: KindDNT, c: cases.Status503, method: http.MethodGet, status: 503}, map[string]any{"status": 503.0}, vMissing},
		{"hookless 503 without fields", &soakReq{kind: KindPlain, c: cases.Status503, method: http.MethodGet, status: 503}, map[string]any{"status": 503.0}, vOK},
		{"do_not_track failure, no entry", &soakReq{kind: KindDNT, c: cases.Refused, method: http.MethodGet, status: 500}, nil, vNoEntryOK},
		{"hooked failure, no entry", &soakReq{kind: KindClassic, c: cases.Refused, method: http.MethodGet, status: 500}, nil, vNoEntry},
		{"own request timed out at the gateway", &soakReq{kind: KindClassic, c: cases.OK, method: http.MethodGet, status: 504}, map[string]any{"status": 504.0, "upstream_flag": "URT", "upstream_target": hosts[cases.OK]}, vOK},
		{"entry status differs", &soakReq{kind: KindClassic, c: cases.OK, method: http.MethodGet, status: 200}, map[string]any{"status": 500.0}, vWrongStatus},
	} {
		if got, why := judgeSoak(tc.r, tc.e, hosts, false); got != tc.want {
			t.Errorf("%s: %q (%s), want %q", tc.name, got, why, tc.want)
		}
	}
}

type errCanceled struct{}

func (errCanceled) Error() string { return "context deadline exceeded" }

func TestMixedRequest(t *testing.T) {
	seen := map[string]int{}
	canceled := 0
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		q := mixedRequest(rng, 0.05)
		seen[q.kind+"/"+q.c+"/"+q.method]++
		if q.cancel > 0 {
			canceled++
			if q.cancel > 80*time.Millisecond {
				t.Fatalf("cancel after %v", q.cancel)
			}
		}
	}
	for _, m := range soakMix {
		for _, k := range soakKinds {
			if seen[k.kind+"/"+m.c+"/"+m.method] == 0 {
				t.Errorf("never drew %s/%s/%s", k.kind, m.c, m.method)
			}
		}
	}
	if canceled < 700 || canceled > 1300 {
		t.Errorf("%d of 20000 cancelled, want about 1000", canceled)
	}
	if got := fieldAfter("goroutine profile: total 123\n", "goroutine profile: total "); got != 123 {
		t.Errorf("fieldAfter: %d", got)
	}
	if got := fieldAfter("Name:\ttyk\nVmRSS:\t  123456 kB\n", "VmRSS:"); got != 123456 {
		t.Errorf("fieldAfter VmRSS: %d", got)
	}
	if !strings.HasPrefix(vForeign, "MISMATCH") || !strings.HasPrefix(vMissing, "MISMATCH") {
		t.Error("verdict names")
	}
}

func TestGrownStacks(t *testing.T) {
	before := "goroutine profile: total 3\n2 @ 0x1 0x2\n#\t0x1\truntime.gopark+0x1\t/x.go:1\n#\t0x2\tnet/http.(*persistConn).readLoop+0x2\t/y.go:2\n\n1 @ 0x3\n#\t0x3\tmain.janitor+0x3\t/z.go:3\n"
	after := "goroutine profile: total 12\n11 @ 0x1 0x2\n#\t0x1\truntime.gopark+0x1\t/x.go:1\n#\t0x2\tnet/http.(*persistConn).readLoop+0x2\t/y.go:2\n\n1 @ 0x3\n#\t0x3\tmain.janitor+0x3\t/z.go:3\n"
	got := grownStacks(before, after, 5)
	if len(got) != 1 || got[0].n != 9 || got[0].where != "net/http.(*persistConn).readLoop+0x2" {
		t.Fatalf("grownStacks = %+v", got)
	}
}
