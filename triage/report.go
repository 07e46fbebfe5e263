package triage

import "time"

// Report is what triage found in its inputs. Its JSON form (--format json)
// is a stable, documented schema: keys are only ever added.
type Report struct {
	// SchemaVersion is the version of this JSON schema (SchemaVersion,
	// currently 1); it changes only if a key ever changes meaning.
	SchemaVersion int `json:"schema_version"`
	// Findings, most failed requests first (Rank 1), one per incident.
	Findings []Finding `json:"findings"`
	// Inputs says what was read.
	Inputs Inputs `json:"inputs"`
	// NodeCause and TargetCause are the tables: failed requests per node ×
	// cause and per target × cause.
	NodeCause   []Cell `json:"node_cause"`
	TargetCause []Cell `json:"target_cause"`
	// Unknowable lists what the data could not tell (e.g. "no peer
	// addresses: the logs carry no upstreamcause fields"), one sentence each.
	Unknowable []string `json:"unknowable"`
	// Timeline is, per node and minute, the requests and the failures by
	// flag, with the node's lifecycle marks: what the HTML report draws.
	Timeline []NodeTimeline `json:"timeline"`
}

// Finding is one conclusion: an incident, where it is, since when, what
// caused it as far as the logs show, which step of the troubleshooting guide
// it belongs to, and what to do next.
type Finding struct {
	Rank     int      `json:"rank"`
	Scope    string   `json:"scope"` // "single_node", "some_nodes" or "all_nodes"
	Nodes    []string `json:"nodes"`
	APIIDs   []string `json:"api_ids"`
	Target   string   `json:"target"` // upstream host:port, "" when unknown
	Flag     string   `json:"flag"`   // response flag, e.g. "UCT"
	Detail   string   `json:"detail"` // snake_case detail, e.g. "connection_timeout"
	Failures int      `json:"failures"`

	Onset time.Time  `json:"onset"` // first failure, UTC
	End   *time.Time `json:"end"`   // last failure, nil when still failing at the end of the logs

	Trigger Trigger `json:"trigger"`

	// GuideStep is the step of Tyk's 502 troubleshooting guide the finding
	// belongs to: 1 isolate the scope, 2 connectivity from the node, 3 the
	// node's network and DNS, 4 intermediaries (load balancer idle
	// timeouts), 5 Tyk's own timeouts.
	GuideStep int `json:"guide_step"`

	// IdleTimeoutS is the idle time, in seconds, near which closes of
	// reused connections cluster (an intermediary's or the upstream's idle
	// timeout), nil when not such a finding.
	IdleTimeoutS *float64 `json:"idle_timeout_s"`

	// HealthyElsewhere says whether other nodes served the same target
	// successfully in the same window (nil when no other node did any
	// request to it).
	HealthyElsewhere *bool `json:"healthy_elsewhere"`

	// LoadDependent says whether failures follow request volume (nil when
	// there is too little data to tell).
	LoadDependent *bool `json:"load_dependent"`

	Summary string   `json:"summary"` // one sentence
	Actions []string `json:"actions"` // next steps, commands filled in with the real target, peer and node

	// Example is one real line of the incident, as read (bounded).
	Example string `json:"example"`

	// Category names the kind of incident the rules concluded: "connect",
	// "dns", "tls", "idle_close", "upstream_closed", "timeout",
	// "upstream_5xx", "intermediary_5xx", "gateway_answer",
	// "client_disconnect" or "unclassified".
	Category string `json:"category"`
	// Causes are the flags merged into this incident, most failures first
	// (Flag and Detail above are the first).
	Causes []CauseCount `json:"causes"`
	// NodeOnsets is, per node of the incident, its first failure and its
	// failures, earliest first.
	NodeOnsets []NodeOnset `json:"node_onsets"`
	// Peers are the upstream ip:port addresses the failing attempts
	// connected to (at most 8), empty when the logs carry none.
	Peers []string `json:"peers"`
	// Intermediary names the load balancer or CDN that answered, for an
	// intermediary_5xx finding ("aws_elb", …).
	Intermediary string `json:"intermediary,omitempty"`
	// TimeoutS is the latency, in seconds, near which the failures'
	// latencies cluster for a timeout finding (the gateway's timeout in
	// force), nil otherwise.
	TimeoutS *float64 `json:"timeout_s"`
	// CertSubject and CertExpiry are the certificate facts of a TLS
	// certificate finding (tls_cert_subject, tls_cert_expiry RFC 3339;
	// where the failed requests' entries have none, the plugin's probe's:
	// probe_tls_subject, probe_tls_not_after).
	CertSubject string `json:"tls_cert_subject,omitempty"`
	CertExpiry  string `json:"tls_cert_expiry,omitempty"`
	// Evidence are the facts the conclusion rests on, one short sentence
	// each (counts, time ranges, the other nodes' successes, the clusters).
	Evidence []string `json:"evidence"`
	// Probes is the plugin's probe evidence from the failing nodes (the
	// guide's step-2 check, run by the plugin on the node itself right
	// after a failure): per node and verdict, the probes of the target in
	// the node's span of failures, a minute either side. A node's probe
	// entries when the logs have any, else the verdicts its failed
	// requests carried (upstream_probe). Empty when there are none.
	Probes []ProbeEvidence `json:"probes"`
	// ProbeCheck sums Probes up: ProbeCheckFailed when the probes from
	// the failing nodes failed as their requests did, ProbeCheckPassed
	// when they passed (reachable_now) while the nodes' failures went on,
	// ProbeCheckMixed when both, "" (JSON null) when no probe bears on it
	// (none, or only probes after the failures ended).
	ProbeCheck ProbeCheck `json:"probe_check"`
	// Minor says the finding is noise beside the others: no trigger,
	// ended before the end of the logs (End not nil), few failures (at
	// most MinorFailures, or at most MinorShare of the requests its nodes
	// sent to its target in its span, with no idle or gateway timeout
	// measured), and apart from every finding that is not minor (none of
	// them has the same target, or an API in common when a target is
	// unknown, on a node in common, within Config.IncidentGap of its
	// time). The text, Markdown and HTML reports fold minor findings into
	// one "other failures" line per cause; the JSON keeps every finding,
	// ranked among the others.
	Minor bool `json:"minor"`
}

// ProbeEvidence is what the plugin's probes from one node said of a
// finding's target: one verdict, how often, when, and one probe's details.
type ProbeEvidence struct {
	Node    string `json:"node"`
	Verdict string `json:"verdict"` // e.g. "unreachable_from_node" (ProbeUnreachable …)
	// Source is ProbeFromEntries (the plugin's probe entries) or
	// ProbeFromAccessLog (the verdict failed requests carried as
	// upstream_probe: the logs have no probe entries of the node).
	Source string `json:"source"`
	// Count is the probes (ProbeFromAccessLog: the failed requests that
	// carried the verdict) from First to Last.
	Count int       `json:"count"`
	First time.Time `json:"first"` // the first probe; ProbeFromAccessLog: the request's time less the verdict's age
	Last  time.Time `json:"last"`
	// Sample is one of the probes, with what it saw: the first in the
	// window (else the nearest kept).
	Sample ProbeSample `json:"sample"`
	// Dropped sums the probe_dropped of the node's probe entries of the
	// target and verdict: probes the plugin did not run or write.
	Dropped int `json:"dropped"`
}

// The sources of ProbeEvidence.
const (
	ProbeFromEntries   = "probe"      // prefix=upstreamcause-probe entries
	ProbeFromAccessLog = "access_log" // upstream_probe on failed requests' entries
)

// ProbeSample is one probe's details, "" when it did not say.
type ProbeSample struct {
	Time        time.Time `json:"time"`
	TriggerFlag string    `json:"trigger_flag,omitempty"` // the flag of the failure that set it off
	Addrs       string    `json:"addrs,omitempty"`        // what the host resolved to
	Connect     string    `json:"connect,omitempty"`      // "127.0.1.1:8080 timeout 3000ms"
	DNSError    string    `json:"dns_error,omitempty"`
	TLSVerify   string    `json:"tls_verify,omitempty"` // the certificate's verification error
	TLSError    string    `json:"tls_error,omitempty"`
	TLSSubject  string    `json:"tls_subject,omitempty"`
	TLSIssuer   string    `json:"tls_issuer,omitempty"`
	TLSNotAfter string    `json:"tls_not_after,omitempty"`
	TLSSANs     string    `json:"tls_sans,omitempty"`
	TLSVersion  string    `json:"tls_version,omitempty"`
}

// ProbeCheck is Finding.ProbeCheck.
type ProbeCheck string

// The values of Finding.ProbeCheck.
const (
	ProbeCheckNone   ProbeCheck = ""       // no probe bears on the finding (JSON null)
	ProbeCheckFailed ProbeCheck = "failed" // the probes from the failing nodes failed as their requests did
	ProbeCheckPassed ProbeCheck = "passed" // they passed while the nodes' failures went on
	ProbeCheckMixed  ProbeCheck = "mixed"  // some passed, some failed
)

// MarshalJSON writes ProbeCheckNone as null (which reads back as it).
func (c ProbeCheck) MarshalJSON() ([]byte, error) {
	if c == ProbeCheckNone {
		return []byte("null"), nil
	}
	return []byte(`"` + string(c) + `"`), nil
}

// MinorFailures is the most failed requests a finding may have to be minor
// on its count alone (see Finding.Minor): a few client disconnects, an
// upstream's occasional 503.
const MinorFailures = 5

// MinorShare is the largest share of its requests (failed requests over
// the requests of its nodes to its target from its onset to its end) a
// finding with more than MinorFailures failures may fail and still be
// minor (see Finding.Minor): a fleet's background rate of failures, 0.5 %.
const MinorShare = 0.005

// CauseCount is the failures of one flag and detail.
type CauseCount struct {
	Flag     string `json:"flag"`
	Detail   string `json:"detail"`
	Failures int    `json:"failures"`
}

// NodeOnset is one node's part of an incident.
type NodeOnset struct {
	Node     string    `json:"node"`
	Onset    time.Time `json:"onset"`
	Failures int       `json:"failures"`
}

// Trigger is what the onset of a finding followed, if anything.
type Trigger struct {
	Kind string     `json:"kind"` // "node_restart", "api_reload" or "none"
	Node string     `json:"node,omitempty"`
	Time *time.Time `json:"time"`
}

// SchemaVersion is the Report.SchemaVersion this package writes.
const SchemaVersion = 1

// Inputs says what triage read.
type Inputs struct {
	Files   []string       `json:"files"`
	Lines   int64          `json:"lines"`
	Used    int64          `json:"used"`    // lines that became an Entry
	Skipped int64          `json:"skipped"` // bad lines: truncated, not UTF-8, over 1 MiB, garbage, unknown format
	Reasons map[string]int `json:"skipped_by_reason"`
	Nodes   []string       `json:"nodes"`
	From    *time.Time     `json:"from"` // first and last time seen
	To      *time.Time     `json:"to"`
}

// Cell is one cell of a count table.
type Cell struct {
	Row      string `json:"row"`  // node or target
	Flag     string `json:"flag"` // cause
	Failures int    `json:"failures"`
}

// NodeTimeline is one node's activity, minute by minute.
type NodeTimeline struct {
	Node    string        `json:"node"`
	Minutes []MinuteCount `json:"minutes"`
	Marks   []Mark        `json:"marks"`
}

// MinuteCount is one minute of one node.
type MinuteCount struct {
	Minute   time.Time      `json:"minute"`
	Requests int            `json:"requests"`
	Failures map[string]int `json:"failures"` // by flag
}

// Mark is a lifecycle event of a node.
type Mark struct {
	Kind string    `json:"kind"` // "start", "reload", "shutdown"
	Time time.Time `json:"time"`
	Text string    `json:"text"` // e.g. the version
}
