// Package triage reads gateway logs and walks Tyk's 502 troubleshooting
// guide over them: which nodes fail, since when, to which upstream, for
// which cause, and what to check next.
//
// It is the reading half of the project (the plugin writes, triage reads,
// classify is shared) and lives in a module of its own, so that the
// libraries it uses never take part in the plugin's build against a
// gateway.
//
// The pipeline is one streaming pass:
//
//	Reader (read.go)      lines of files, gzip files, directories, stdin;
//	                      Tyk's JSON and text formats inside container
//	                      wrappers (kubectl --prefix, Docker json-file, CRI)
//	                      → Entry, one per line that matters (access-log
//	                      entries, proxy errors, lifecycle lines, the
//	                      plugin's probe entries); bad lines are counted,
//	                      never fatal
//	Analyzer (analyze.go) Entries → bounded aggregates keyed by (node,
//	                      target, cause, minute), lifecycle marks per node;
//	                      the plugin's probes (analyze_probe.go) per (node,
//	                      target, verdict, minute), never counted as requests
//	rules (rules.go)      small functions over the aggregates, one per guide
//	                      step or cause, in one list → Findings; the probe
//	                      from the failing node confirms a conclusion, or
//	                      turns it (it passed while the failures went on)
//	Report (report.go)    ranked, merged Findings and the tables; rendered as
//	                      text, JSON (a stable schema), Markdown or HTML
package triage
