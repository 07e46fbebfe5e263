package triage

import (
	"encoding/json"
	"io"
)

// WriteJSON writes r as one indented JSON document: the stable schema of
// `upstreamcause triage --format json`, documented with an example in
// SCHEMA.md. Keys are only ever added; a key's meaning never changes
// without a new schema_version. In short:
//
//	{
//	  "schema_version": 1,
//	  "findings": [{                       // most failed requests first
//	    "rank": 1,
//	    "scope": "single_node|some_nodes|all_nodes",
//	    "nodes": ["gw-b"], "api_ids": ["orders"],
//	    "target": "host:port",             // "" when unknown
//	    "flag": "UCT", "detail": "connection_timeout",
//	    "category": "connect",             // the rules' conclusion, see Finding.Category
//	    "failures": 1602,
//	    "onset": "RFC 3339", "end": "RFC 3339" | null,   // null: still failing at the end
//	    "trigger": {"kind": "node_restart|api_reload|none", "node": "gw-b", "time": "RFC 3339" | null},
//	    "guide_step": 1..5,
//	    "idle_timeout_s": 5.0 | null, "timeout_s": 30 | null,
//	    "healthy_elsewhere": true | false | null, "load_dependent": true | false | null,
//	    "summary": "one sentence", "actions": ["…"], "evidence": ["…"],
//	    "causes": [{"flag","detail","failures"}], "node_onsets": [{"node","onset","failures"}],
//	    "peers": ["ip:port"], "example": "one line",
//	    "probes": [{"node", "verdict", "source": "probe|access_log", "count", "first", "last",
//	                "sample": {"time", "trigger_flag", "connect", "dns_error", "tls_verify", …}, "dropped"}],
//	    "probe_check": "failed|passed|mixed" | null,   // the plugin's probe from the failing nodes
//	    "minor": false                     // true: noise the other reports fold per cause, see Finding.Minor
//	  }],
//	  "inputs": {"files", "lines", "used", "skipped", "skipped_by_reason", "nodes", "from", "to"},
//	  "node_cause": [{"row": "gw-b", "flag": "UCT", "failures": 1602}],
//	  "target_cause": [{"row": "host:port", "flag": "UCT", "failures": 1602}],
//	  "unknowable": ["…"],
//	  "timeline": [{"node", "minutes": [{"minute", "requests", "failures": {"UCT": 40}}], "marks": [{"kind","time","text"}]}]
//	}
//
// Times are RFC 3339 in UTC. Lists are [] rather than null when empty. The
// only error is w's.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(normalized(r))
}

// normalized returns a copy of r whose nil lists are empty, so that the
// JSON has [] where a consumer expects a list.
func normalized(r *Report) *Report {
	c := *r
	c.SchemaVersion = SchemaVersion
	c.Findings = make([]Finding, len(r.Findings))
	for i, f := range r.Findings {
		f.Nodes = nonNil(f.Nodes)
		f.APIIDs = nonNil(f.APIIDs)
		f.Actions = nonNil(f.Actions)
		f.Evidence = nonNil(f.Evidence)
		f.Peers = nonNil(f.Peers)
		if f.Causes == nil {
			f.Causes = []CauseCount{}
		}
		if f.NodeOnsets == nil {
			f.NodeOnsets = []NodeOnset{}
		}
		if f.Probes == nil {
			f.Probes = []ProbeEvidence{}
		}
		if f.Trigger.Kind == "" {
			f.Trigger.Kind = "none"
		}
		c.Findings[i] = f
	}
	c.Inputs.Files = nonNil(c.Inputs.Files)
	c.Inputs.Nodes = nonNil(c.Inputs.Nodes)
	if c.Inputs.Reasons == nil {
		c.Inputs.Reasons = map[string]int{}
	}
	if c.NodeCause == nil {
		c.NodeCause = []Cell{}
	}
	if c.TargetCause == nil {
		c.TargetCause = []Cell{}
	}
	c.Unknowable = nonNil(c.Unknowable)
	if c.Timeline == nil {
		c.Timeline = []NodeTimeline{}
	}
	return &c
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
