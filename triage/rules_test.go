package triage

import (
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// scCert: payments.internal serves an expired certificate to every node
// from from on.
func scCert(from time.Time) genScenario {
	return genScenario{got: &genGot{}, name: "cert", fail: func(node string, up genUpstream, t time.Time) genFailure {
		if up != upPayments || t.Before(from) {
			return nil
		}
		return func(e *Entry, rng *rand.Rand) {
			e.Status, e.Flag, e.Detail, e.Phase, e.Source = 500, classify.FlagTLE, classify.DetailTLSCertificateExpired, "tls", "upstream"
			e.Error = "tls: failed to verify certificate: x509: certificate has expired or is not yet valid"
			e.CertSubject, e.CertExpiry = "CN=payments.internal", "2026-12-01T07:00:00Z"
		}
	}}
}

// scELB: an AWS load balancer in front of reports.internal answers 502
// itself for a while.
func scELB(from, to time.Time) genScenario {
	return genScenario{got: &genGot{}, name: "elb", fail: func(node string, up genUpstream, t time.Time) genFailure {
		if up != upReports || !genWithin(t, from, to) {
			return nil
		}
		return func(e *Entry, rng *rand.Rand) {
			e.Status, e.Flag, e.Detail, e.Phase, e.Source = 502, classify.FlagURS, classify.DetailIntermediaryResponse5xx, "response_headers", "intermediary"
			e.Intermediary = classify.IntermediaryAWSELB
		}
	}}
}

func TestRuleTLSNamesTheCertificate(t *testing.T) {
	sc := scCert(genAt(1, 0, 0))
	r := analyzeAll(genFleet(31, 2*time.Hour, sc), Config{})
	f := &r.Findings[0]
	checkFinding(t, f, fWant{got: sc.got, scope: "all_nodes", target: upPayments.target, flag: classify.FlagTLE, category: "tls", step: 2,
		inActions: []string{"`openssl s_client -connect payments.internal:443 -servername payments.internal -showcerts </dev/null`", "Renew"}})
	if f.CertSubject != "CN=payments.internal" || f.CertExpiry != "2026-12-01T07:00:00Z" || !containsAll(f.Summary, "expired", "CN=payments.internal") {
		t.Errorf("certificate facts: %q %q, summary %q", f.CertSubject, f.CertExpiry, f.Summary)
	}
}

func TestRuleIntermediaryNamesIt(t *testing.T) {
	sc := scELB(genAt(1, 0, 0), genAt(1, 30, 0))
	r := analyzeAll(genFleet(32, 2*time.Hour, sc), Config{})
	f := &r.Findings[0]
	checkFinding(t, f, fWant{got: sc.got, scope: "all_nodes", target: upReports.target, flag: classify.FlagURS, category: "intermediary_5xx", step: 4,
		inActions: []string{"target_status_code"}})
	if f.Intermediary != "aws_elb" || !strings.HasPrefix(f.Summary, "aws_elb in front of reports.internal:8080") {
		t.Errorf("intermediary %q, summary %q", f.Intermediary, f.Summary)
	}
}

// Client disconnects are said not to be the upstream's fault, and rank
// after every other finding even when more numerous.
func TestRuleClientDisconnectRanksLast(t *testing.T) {
	many := genScenario{got: &genGot{}, name: "cdc", fail: func(node string, up genUpstream, t time.Time) genFailure {
		if up == upOrders && genWithin(t, genAt(0, 10, 0), genAt(0, 40, 0)) {
			return failClientGone
		}
		return nil
	}}
	down := scDown(genAt(0, 20, 0), genAt(0, 22, 0))
	r := analyzeAll(genFleet(33, time.Hour, many, down), Config{})
	if r.Findings[0].Category != "connect" || r.Findings[len(r.Findings)-1].Category != "client_disconnect" {
		t.Errorf("ranks: first %s, last %s", r.Findings[0].Category, r.Findings[len(r.Findings)-1].Category)
	}
	cdc := findingFor(r, upOrders.target)
	// (the fleet's own noise of client disconnects may join it: at least
	// the injected ones)
	checkFinding(t, cdc, fWant{flag: classify.FlagCDC, step: 1})
	if cdc.Failures < many.got.n {
		t.Errorf("%d client disconnects, %d injected", cdc.Failures, many.got.n)
	}
	if !strings.Contains(cdc.Summary, "not a failure of the gateway or the upstream") || cdc.Failures <= r.Findings[0].Failures {
		t.Errorf("client disconnects: %d failures, summary %q", cdc.Failures, cdc.Summary)
	}
}
