package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogSchema: every access-log and probe line of a gateway log is
// validated against the mode's schema, other lines are not looked at.
func TestLogSchema(t *testing.T) {
	log := strings.Join([]string{
		`{"level":"info","msg":"Tyk API Gateway v5.8.15","prefix":"main","time":"2026-12-01T10:31:10Z"}`,
		`{"api_key":"--","level":"info","method":"GET","msg":"","path":"/e2e-ecs-classic-2","prefix":"access-log","status":500,"time":"2026-12-01T10:31:18Z","error.code":"UCF","event.reason":"connection_refused","tyk.upstream.phase":"connect","tyk.upstream.source":"upstream","server.address":"127.0.0.1","server.port":43735,"server.ip":"127.0.0.1","tyk.upstream.attempts":1}`,
		`{"level":"info","msg":"","path":"/e2e-ecs-classic-1","prefix":"access-log","status":200,"time":"2026-12-01T10:31:18Z"}`,
		`{"level":"warning","msg":"upstream probe","prefix":"upstreamcause-probe","probe_target":"127.0.0.1:1","probe_verdict":"refused_from_node","probe_ms":0.2,"probe_trigger_flag":"UCF","time":"2026-12-01T10:31:18Z"}`,
		`{"level":"info","msg":"","path":"/e2e-ecs-classic-3","prefix":"access-log","status":500,"error.code":"UCF","event.reason":"connection_refused","tyk.upstream.phase":"connect","tyk.upstream.source":"upstream","server.address":"127.0.0.1","server.port":"43735"}`,
		`{"level":"info","msg":"","path":"/e2e-ecs-classic-4","prefix":"access-log","status":500.0}`,
		`not json, "access-log"`,
		`{"level":"error","msg":"http: proxy error: EOF","prefix":"proxy"}`,
	}, "\n") + "\n"
	path := filepath.Join(t.TempDir(), "gateway.log")
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	access, probes, problems, err := logSchema(path, "ecs")
	if err != nil {
		t.Fatal(err)
	}
	if access != 4 || probes != 1 || len(problems) != 2 {
		t.Fatalf("access %d, probes %d, problems %q", access, probes, problems)
	}
	if !strings.Contains(problems[0], "gateway.log:5 (access-log /e2e-ecs-classic-3)") || !strings.Contains(problems[0], "server.port") {
		t.Errorf("problem 0: %s", problems[0])
	}
	if !strings.Contains(problems[1], "gateway.log:6") || !strings.Contains(problems[1], "status is written 500.0") {
		t.Errorf("problem 1: %s", problems[1])
	}
	// Read with Tyk's names, the ECS keys are not the plugin's, and pass.
	if _, _, problems, _ := logSchema(path, "tyk"); len(problems) != 1 {
		t.Errorf("tyk: %q", problems)
	}
	if checkLogSchema(path, "ecs") != 1 || checkLogSchema(filepath.Join(t.TempDir(), "none.log"), "ecs") != 1 {
		t.Error("checkLogSchema passes a log with invalid entries, or a missing log")
	}
}

func TestTokenPrefix(t *testing.T) {
	if tokenPrefix("tyk") != "e2e-" || tokenPrefix("otel") != "e2e-otel-" {
		t.Errorf("tokenPrefix: %q %q", tokenPrefix("tyk"), tokenPrefix("otel"))
	}
}
