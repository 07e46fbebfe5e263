package accesslog

import (
	"net"
	"strconv"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/upstreamcause/tyk-upstream-cause/classify"
)

// Values of Tyk 5.12's error_source.
const (
	sourceReverseProxy = "ReverseProxy" // the round trip failed
	sourceUpstream     = "Upstream"     // the upstream (or an intermediary) answered 5xx
)

// write adds the fields of req's failure to the entry's data d. A key the
// gateway already wrote is never overwritten.
func (h *Hook) write(d logrus.Fields, req *request) {
	n := h.cfg.Names
	r := &req.result
	set := func(k string, v interface{}) {
		if k == "" {
			return
		}
		if _, exists := d[k]; !exists {
			d[k] = v
		}
	}
	if req.errText != "" {
		set(n.Error, req.errText)
	}
	set(n.Flag, r.Flag)
	if r.Type != "" {
		set(n.Type, r.Type)
	}
	set(n.Detail, r.Detail)
	set(n.Phase, r.Phase.String())
	set(n.Source, r.Source.String())
	if r.Intermediary != "" {
		set(n.Intermediary, r.Intermediary)
	}
	if req.target != "" {
		setAddr(set, n.Target, n.TargetPort, false, req.target)
	}
	if s := req.summary; s != nil {
		peer := s.Last.Peer
		if peer == "" && s.Last.PeerAddr != nil {
			peer = s.Last.PeerAddr.String()
		}
		if peer != "" {
			setAddr(set, n.Peer, n.PeerPort, n.PeerIPOnly, peer)
		}
		set(n.Attempts, s.Attempts)
		if s.Last.GotConn != 0 {
			set(n.Reused, s.Last.Reused)
			if s.Last.WasIdle {
				set(n.IdleMs, ms(s.Last.IdleTime))
			}
		}
		if h.cfg.Timings {
			timing := func(k string, started time.Duration, d time.Duration) {
				if started != 0 {
					set(k, ms(d))
				}
			}
			timing(n.DNSMs, s.Last.DNSStart, s.DNS)
			timing(n.ConnectMs, s.Last.ConnectStart, s.Connect)
			timing(n.TLSMs, s.Last.TLSStart, s.TLS)
			timing(n.WriteMs, s.Last.GotConn, s.RequestWrite)
			if s.Last.WriteErr == nil {
				timing(n.HeadersMs, s.Last.WroteRequest, s.ResponseHeaders)
			}
		}
	}
	if s := req.summary; s != nil && s.Err != nil && r.Phase == classify.PhaseTLS {
		if c, ok := classify.Certificate(s.Err); ok {
			if c.Subject != "" {
				set(n.CertSubject, c.Subject)
			}
			if !c.NotAfter.IsZero() {
				set(n.CertExpiry, classify.FormatCertTime(c.NotAfter))
			}
			if c.Issuer != "" {
				set(n.CertIssuer, c.Issuer)
			}
			if c.SANs != "" {
				set(n.CertSANs, c.SANs)
			}
			if !c.NotBefore.IsZero() {
				set(n.CertNotBefore, classify.FormatCertTime(c.NotBefore))
			}
		}
	}
	if h.cfg.Node != "" {
		set(n.Node, h.cfg.Node)
	}
	if h.cfg.Compat {
		set(KeyResponseFlag, r.Flag)
		set(KeyResponseDetail, r.Detail)
		switch {
		case r.Flag == classify.FlagURS:
			set(KeyErrorSource, sourceUpstream)
		case req.mw != "":
			set(KeyErrorSource, req.mw) // Tyk 5.14: the middleware's name (ReverseProxy for NHU, CBO)
		default:
			set(KeyErrorSource, sourceReverseProxy)
		}
		if r.Flag == classify.FlagCBO {
			set(KeyCircuitBreakerState, classify.CircuitBreakerStateOpen)
		}
		if req.target != "" {
			set(KeyErrorTarget, req.target)
		}
		if req.status != 0 {
			set(KeyUpstreamStatus, req.status)
		}
	}
	// Last: the only call out of this package (the probe's table).
	if h.cfg.Probe != nil && req.target != "" {
		if v, age, ok := h.cfg.Probe.Latest(req.target, time.Now()); ok {
			set(n.Probe, v)
			set(n.ProbeAgeS, int(age/time.Second))
		}
	}
}

// setAddr writes the address "host:port" under key, or, when portKey is
// set, its host under key and its port (int) under portKey; hostOnly
// writes the host alone. An address without a valid port is written whole
// under key.
func setAddr(set func(string, interface{}), key, portKey string, hostOnly bool, addr string) {
	if portKey == "" && !hostOnly {
		set(key, addr)
		return
	}
	host, p, err := net.SplitHostPort(addr)
	port, perr := strconv.Atoi(p)
	if err != nil || perr != nil || port < 0 || port > 65535 {
		set(key, addr)
		return
	}
	set(key, host)
	if portKey != "" {
		set(portKey, port)
	}
}

// ms converts d to milliseconds with microsecond precision, e.g. 1.234.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
