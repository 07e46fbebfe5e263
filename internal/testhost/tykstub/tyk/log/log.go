// Package log is a stand-in for the gateway's package of the same import
// path, for the test host only (internal/testhost): it is not Tyk's code.
//
// Like the gateway's, it holds one package-level *logrus.Logger that every
// part of the process logs through; Get returns it. A Go plugin loaded into
// the same process shares this package, and so the logger, with its host.
package log

import "github.com/sirupsen/logrus"

var logger = logrus.New()

// Get returns the process-wide logger (stand-in for the gateway's log.Get).
func Get() *logrus.Logger { return logger }
