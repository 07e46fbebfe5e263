package schema

import (
	"github.com/upstreamcause/tyk-upstream-cause/classify"
	"github.com/upstreamcause/tyk-upstream-cause/probe"
)

// The closed sets of values, from the constants of package classify and
// package probe. TestEnumsAreComplete parses those packages' sources and
// fails when a constant is missing here, so that a new flag or type cannot
// be written before the schema allows it.

// Flags are every classify.Flag* constant: the values of the plugin's flag
// (upstream_flag, error.code, tyk.upstream.flag) and of the probe's
// probe_trigger_flag.
var Flags = []string{
	// Upstream round trips.
	classify.FlagUCF, classify.FlagUCT, classify.FlagURR, classify.FlagURT,
	classify.FlagUCC, classify.FlagEPI, classify.FlagCAB, classify.FlagNRS,
	classify.FlagNRH, classify.FlagDNS, classify.FlagTLE, classify.FlagTLI,
	classify.FlagTLM, classify.FlagTLN, classify.FlagTLH, classify.FlagTLP,
	classify.FlagTLA, classify.FlagTLC, classify.FlagCDC, classify.FlagURS,
	classify.FlagUPE,
	// Answers the gateway produces itself.
	classify.FlagNHU, classify.FlagCBO, classify.FlagRLT, classify.FlagQEX,
	classify.FlagAMF, classify.FlagAKI, classify.FlagTKE, classify.FlagTKI,
	classify.FlagTCV, classify.FlagEAD, classify.FlagBTL, classify.FlagCLM,
	classify.FlagBIV, classify.FlagIHD, classify.FlagCRQ, classify.FlagCMM,
}

// ErrorTypes are the RFC 9209 Proxy-Status error types (classify.Type*):
// the values of upstream_error_type (error.type).
var ErrorTypes = []string{
	classify.TypeDNSTimeout, classify.TypeDNSError, classify.TypeDestinationNotFound,
	classify.TypeDestinationUnavailable, classify.TypeDestinationIPProhibited,
	classify.TypeDestinationIPUnroutable, classify.TypeConnectionRefused,
	classify.TypeConnectionTerminated, classify.TypeConnectionTimeout,
	classify.TypeConnectionReadTimeout, classify.TypeConnectionWriteTimeout,
	classify.TypeConnectionLimitReached, classify.TypeTLSProtocolError,
	classify.TypeTLSCertificateError, classify.TypeTLSAlertReceived,
	classify.TypeHTTPRequestError, classify.TypeHTTPRequestDenied,
	classify.TypeHTTPResponseIncomplete, classify.TypeHTTPResponseHeaderSectionSize,
	classify.TypeHTTPResponseHeaderSize, classify.TypeHTTPResponseBodySize,
	classify.TypeHTTPResponseTrailerSectionSize, classify.TypeHTTPResponseTrailerSize,
	classify.TypeHTTPResponseTransferCoding, classify.TypeHTTPResponseContentCoding,
	classify.TypeHTTPResponseTimeout, classify.TypeHTTPUpgradeFailed,
	classify.TypeHTTPProtocolError, classify.TypeProxyInternalResponse,
	classify.TypeProxyInternalError, classify.TypeProxyConfigurationError,
	classify.TypeProxyLoopDetected,
}

// Intermediaries are classify.Intermediary*: the values of
// upstream_intermediary.
var Intermediaries = []string{
	classify.IntermediaryAWSELB, classify.IntermediaryCloudflare,
	classify.IntermediaryEnvoy, classify.IntermediaryAkamai, classify.IntermediaryOther,
}

// Verdicts are probe.Verdict*: the values of probe_verdict and of
// upstream_probe (tyk.upstream.probe).
var Verdicts = []string{
	probe.VerdictUnreachable, probe.VerdictRefused, probe.VerdictDNS,
	probe.VerdictTLSInvalid, probe.VerdictReachable, probe.VerdictInvalidTarget,
}

// Phases are the names classify.Phase.String returns, in the order of a
// round trip: the values of upstream_error_phase.
var Phases = phaseNames()

// Sources are the names classify.Source.String returns: the values of
// upstream_error_source.
var Sources = sourceNames()

// phaseNames walks classify.Phase from its zero value until String falls
// back to "unknown" for a value past the last phase.
func phaseNames() []string {
	var out []string
	for p := classify.Phase(0); ; p++ {
		s := p.String()
		if p > 0 && s == classify.PhaseUnknown.String() {
			return out
		}
		out = append(out, s)
	}
}

func sourceNames() []string {
	var out []string
	for s := classify.Source(0); ; s++ {
		n := s.String()
		if s > 0 && n == classify.SourceUnknown.String() {
			return out
		}
		out = append(out, n)
	}
}

// ProbeLevels are the logrus levels of a probe entry: warning when the
// target is not reachable from the node, info when it is.
var ProbeLevels = []string{"warning", "info"}
