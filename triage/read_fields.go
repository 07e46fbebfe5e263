package triage

import (
	"github.com/upstreamcause/tyk-upstream-cause/accesslog"
)

// fieldID names a log field the reader uses.
type fieldID uint8

// The fields the reader uses. Every other key of a line is skipped.
const (
	fNone fieldID = iota
	fLevel
	fTime
	fMsg // msg (Tyk ≤ 5.12) or message (5.14+)
	fPrefix
	fStatus
	fAPIID
	fMethod
	fPath
	fLatencyTotal
	fUpstreamAddr
	fServerName // the proxy-error line's outreq.Host

	// The plugin's fields (accesslog.TykNames, ECSNames or OTelNames).
	fError
	fFlag
	fDetail
	fPhase
	fSource
	fIntermediary
	fTarget
	fTargetPort // ECS and OTel names: the target's port, apart from its host
	fPeer
	fPeerPort // OTel names: the peer's port, apart from its IP
	fReused
	fIdleMs
	fHeadersMs
	fNode
	fCertSubject
	fCertExpiry

	// Tyk 5.12+'s own classification (the plugin writes them too, on
	// 5.8–5.11 and where the gateway did not).
	fResponseFlag
	fResponseDetails
	fErrorSource
	fErrorTarget

	// The plugin's probe entries (prefix=upstreamcause-probe), and the
	// verdict a failed request's entry carries (accesslog.Names.Probe).
	fProbeTarget
	fProbeVerdict
	fProbeTrigger
	fProbeAddrs
	fProbeConnect
	fProbeDNSError
	fProbeTLSVerify
	fProbeTLSError
	fProbeTLSSubject
	fProbeTLSIssuer
	fProbeTLSNotAfter
	fProbeTLSSANs
	fProbeTLSVersion
	fProbeDropped
	fUpstreamProbe
	fUpstreamProbeAge

	nFields
)

// fields.has is a uint64 bit set: at most 64 fields.
var _ [64 - nFields]struct{}

// probePrefix is the prefix of the plugin's probe entries.
const probePrefix = "upstreamcause-probe"

// The keys of the plugin's probe entries (the same in its Tyk and ECS
// names: they are its own lines, not fields added to Tyk's).
var probeKeys = map[string]fieldID{
	"probe_target":        fProbeTarget,
	"probe_verdict":       fProbeVerdict,
	"probe_trigger_flag":  fProbeTrigger,
	"probe_addrs":         fProbeAddrs,
	"probe_connect":       fProbeConnect,
	"probe_dns_error":     fProbeDNSError,
	"probe_tls_verify":    fProbeTLSVerify,
	"probe_tls_error":     fProbeTLSError,
	"probe_tls_subject":   fProbeTLSSubject,
	"probe_tls_issuer":    fProbeTLSIssuer,
	"probe_tls_not_after": fProbeTLSNotAfter,
	"probe_tls_sans":      fProbeTLSSANs,
	"probe_tls_version":   fProbeTLSVersion,
	"probe_dropped":       fProbeDropped,
}

// fieldNames lists every key of every field; several keys may name one
// field (a Tyk name and an ECS name).
var fieldNames = func() map[string]fieldID {
	m := map[string]fieldID{
		"level":                          fLevel,
		"time":                           fTime,
		"msg":                            fMsg,
		"message":                        fMsg,
		"prefix":                         fPrefix,
		"status":                         fStatus,
		"api_id":                         fAPIID,
		"method":                         fMethod,
		"path":                           fPath,
		"latency_total":                  fLatencyTotal,
		"upstream_addr":                  fUpstreamAddr,
		"server_name":                    fServerName,
		accesslog.KeyResponseFlag:        fResponseFlag,
		accesslog.KeyResponseDetail:      fResponseDetails,
		accesslog.KeyErrorSource:         fErrorSource,
		accesslog.KeyErrorTarget:         fErrorTarget,
		"logrus_error":                   fNone, // the copy logrus makes of "error"
		"upstream_status":                fNone,
		accesslog.KeyCircuitBreakerState: fNone,
	}
	for _, n := range []accesslog.Names{accesslog.TykNames, accesslog.ECSNames, accesslog.OTelNames} {
		for key, id := range map[string]fieldID{
			n.Error: fError, n.Flag: fFlag, n.Detail: fDetail, n.Phase: fPhase,
			n.Source: fSource, n.Intermediary: fIntermediary, n.Target: fTarget,
			n.TargetPort: fTargetPort, n.Peer: fPeer, n.PeerPort: fPeerPort, n.Reused: fReused, n.IdleMs: fIdleMs,
			n.HeadersMs: fHeadersMs, n.Node: fNode, n.CertSubject: fCertSubject,
			n.CertExpiry: fCertExpiry, n.Probe: fUpstreamProbe, n.ProbeAgeS: fUpstreamProbeAge,
		} {
			if key != "" {
				m[key] = id
			}
		}
	}
	for key, id := range probeKeys {
		m[key] = id
	}
	return m
}()

// keyTable finds a key's field without hashing: the keys of each length,
// looked up by length and compared. Index: len(key) (keys up to 63 bytes).
var keyTable = func() (t [64][]keyEntry) {
	for k, id := range fieldNames {
		if id != fNone && len(k) < len(t) {
			t[len(k)] = append(t[len(k)], keyEntry{k, id})
		}
	}
	return t
}()

type keyEntry struct {
	key string
	id  fieldID
}

// lookupKey returns the field a key names, fNone for a key not used.
func lookupKey(key []byte) fieldID {
	if len(key) >= len(keyTable) {
		return fNone
	}
	last := key[len(key)-1]
	for _, e := range keyTable[len(key)] {
		if e.key[0] == key[0] && e.key[len(e.key)-1] == last && string(key) == e.key {
			return e.id
		}
	}
	return fNone
}

// Value encodings: how a raw value's bytes are to be decoded.
const (
	encRaw  uint8 = iota // as is (a JSON literal, a logrus bare value, or a JSON string without backslash)
	encJSON              // the inside of a JSON string that has escapes
	encGo                // a Go-quoted string with its quotes (logrus text, strconv.Quote)
)

// value is one field's raw bytes in the line (or the scratch buffer) and
// how to decode them.
type value struct {
	b   []byte
	enc uint8
	str bool // it was a string (quoted), not a number, bool or null
}

// fields are the used fields of one line. A field is present when its bit
// is set in has.
type fields struct {
	has uint64
	v   [nFields]value
}

func (f *fields) set(id fieldID, v value) {
	if id == fNone {
		return
	}
	f.has |= 1 << id
	f.v[id] = v
}

func (f *fields) ok(id fieldID) bool { return f.has&(1<<id) != 0 }

// any reports whether one of the fields in mask is present.
func (f *fields) any(mask uint64) bool { return f.has&mask != 0 }

// pluginMask are the fields only the plugin writes: their presence means
// the line was enriched by it.
const pluginMask = 1<<fFlag | 1<<fDetail | 1<<fPhase | 1<<fSource | 1<<fTarget | 1<<fPeer | 1<<fNode
