//go:build !goplugin

package main

import (
	"context"

	"github.com/sirupsen/logrus"
)

// apiIDOf is nil without Tyk (a build without the goplugin tag, which only
// vet and the module's own tests make): the API of a request is then known
// only from the gateway's log entries.
var apiIDOf func(context.Context) string

// gatewayLogger is logrus's standard logger without Tyk.
func gatewayLogger() *logrus.Logger { return logrus.StandardLogger() }
