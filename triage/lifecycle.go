package triage

import (
	"bytes"
	"time"
)

// The gateway's lifecycle lines, as Tyk 5.8.15, 5.12.1 and 5.14.0 write
// them (mainLog, prefix "main"; testdata/README.md gives file:line per
// version). The texts are the same in the three versions.
const (
	// lifeBanner is the first line a gateway process writes, followed by
	// its version: mainLog.Infof("Tyk API Gateway %s", VERSION).
	lifeBanner = "Tyk API Gateway "
	// lifeStarted follows once the listeners are up:
	// mainLog.Infof("Tyk Gateway started (%s)", VERSION).
	lifeStarted = "Tyk Gateway started ("
	// lifeReloaded ends every load of the API definitions, the first one
	// at start included: mainLog.Info("API reload complete").
	lifeReloaded = "API reload complete"
	// lifeStop begins a graceful shutdown: mainLog.Info("Stop signal received.").
	lifeStop = "Stop signal received."
	// lifeTerminating ends it: mainLog.Info("Terminating.").
	lifeTerminating = "Terminating."
)

// lifecycleFold is how close two lifecycle lines of the same input must be
// to be one event: the banner and "Tyk Gateway started" of one start, "Stop
// signal received." and "Terminating." of one shutdown.
const lifecycleFold = time.Minute

// lifecycleKind returns the Kind of a message of the main logger (prefix
// "main") and, for a start, the version it names; KindOther when msg is no
// lifecycle line.
func lifecycleKind(msg []byte) (Kind, []byte) {
	switch {
	case bytes.HasPrefix(msg, []byte(lifeBanner)):
		return KindStart, versionWord(msg[len(lifeBanner):])
	case bytes.HasPrefix(msg, []byte(lifeStarted)):
		v := msg[len(lifeStarted):]
		if i := bytes.IndexByte(v, ')'); i >= 0 {
			v = v[:i]
		}
		return KindStart, versionWord(v)
	case bytes.Equal(msg, []byte(lifeReloaded)):
		return KindReload, nil
	case bytes.Equal(msg, []byte(lifeStop)), bytes.Equal(msg, []byte(lifeTerminating)):
		return KindShutdown, nil
	}
	return KindOther, nil
}

// versionWord returns the version at the start of s ("v5.8.15"), or nil
// when s does not start with one.
func versionWord(s []byte) []byte {
	i := 0
	for i < len(s) && i < 40 && s[i] != ' ' && s[i] != '"' {
		i++
	}
	v := s[:i]
	if len(v) < 2 || (v[0] != 'v' && (v[0] < '0' || v[0] > '9')) {
		return nil
	}
	return v
}

// lifecycle is what one input's stream has said of its process's life, to
// fold the two lines of one event into one Entry.
type lifecycle struct {
	kind      Kind      // the last lifecycle Entry returned
	at        time.Time // its time
	loadsLeft bool      // a start was seen and its first API load has not yet
}

// keep reports whether a lifecycle line of kind k at t is a new event, and
// records it. The second line of a start or shutdown within lifecycleFold
// of the first is not; nor is the first "API reload complete" after a
// start, which is the process loading its APIs, part of the start.
func (l *lifecycle) keep(k Kind, t time.Time) bool {
	near := l.kind == k && !t.IsZero() && !l.at.IsZero() && t.Sub(l.at) < lifecycleFold && t.Sub(l.at) > -lifecycleFold
	switch k {
	case KindStart:
		if near {
			return false
		}
		l.loadsLeft = true
	case KindReload:
		if l.loadsLeft {
			l.loadsLeft = false
			return false
		}
	case KindShutdown:
		if near {
			return false
		}
		l.loadsLeft = false
	}
	l.kind, l.at = k, t
	return true
}
