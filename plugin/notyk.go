//go:build !goplugin

package main

import "context"

// apiIDOf is nil without Tyk (a build without the goplugin tag, which only
// vet and the module's own tests make): the API of a request is then known
// only from the gateway's log entries.
var apiIDOf func(context.Context) string
