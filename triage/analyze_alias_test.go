package triage

import (
	"math"
	"testing"
	"time"
)

// TestMergeNodesJoinsAPodToItsGatewayNode: kubectl --prefix names a pod's
// lines after the pod until the plugin's gateway_node appears (on the
// first failure). The pod's restart and successes then belong to another
// node than its failures, and the restart is no trigger; merged with the
// reader's aliases, it is.
func TestMergeNodesJoinsAPodToItsGatewayNode(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	feed := func(an *Analyzer) {
		ok := func(node string, at time.Time, target string) {
			an.Add(&Entry{Time: at, Node: node, NodeSource: NodeFromPrefix, Kind: KindAccess, Status: 200, Target: target, IdleMs: math.NaN(), HeadersMs: math.NaN()})
		}
		for s := 0; s < 600; s += 2 { // ten minutes of traffic on two pods
			for _, pod := range []string{"gw-a-7d9f", "gw-b-1c2e"} {
				ok(pod, t0.Add(time.Duration(s)*time.Second), "orders.internal:8080")
			}
		}
		restart := t0.Add(5 * time.Minute)
		an.Add(&Entry{Time: restart, Node: "gw-a-7d9f", NodeSource: NodeFromPrefix, Kind: KindStart, Version: "v5.8.15"})
		for s := 10; s < 120; s += 3 { // then gw-a cannot connect
			an.Add(&Entry{Time: restart.Add(time.Duration(s) * time.Second), Node: "gw-a", NodeSource: NodeFromField, Kind: KindAccess,
				Status: 500, Flag: "UCT", Detail: "connection_timeout", Phase: "connect", Source: "network", Origin: OriginPlugin,
				Target: "orders.internal:8080", Peer: "10.0.3.17:8080", IdleMs: math.NaN(), HeadersMs: math.NaN()})
		}
	}

	an := NewAnalyzer(Config{})
	feed(an)
	if f := an.Report(Inputs{}).Findings; len(f) == 0 || f[0].Trigger.Kind != "none" {
		t.Fatalf("without the aliases: %+v (the restart is on another node name than the failures)", f)
	}

	an = NewAnalyzer(Config{})
	feed(an)
	an.MergeNodes(map[string]string{"gw-a-7d9f": "gw-a"})
	rep := an.Report(Inputs{})
	if len(rep.Findings) == 0 {
		t.Fatal("no finding")
	}
	f := rep.Findings[0]
	if f.Trigger.Kind != "node_restart" || f.Trigger.Node != "gw-a" || f.Scope != "single_node" || len(f.Nodes) != 1 || f.Nodes[0] != "gw-a" {
		t.Fatalf("merged: trigger %+v scope %s nodes %v", f.Trigger, f.Scope, f.Nodes)
	}
	if f.HealthyElsewhere == nil || !*f.HealthyElsewhere {
		t.Errorf("gw-b served orders.internal meanwhile: healthy elsewhere %v", f.HealthyElsewhere)
	}
	for _, tl := range rep.Timeline {
		if tl.Node == "gw-a-7d9f" {
			t.Errorf("the pod name is still a node of its own")
		}
	}
}
