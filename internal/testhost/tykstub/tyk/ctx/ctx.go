// Package ctx is a stand-in for Tyk's package of the same path: the context
// key under which the gateway puts the API definition before the pre hook.
// Test equipment, not Tyk's code.
package ctx

// Key is the type of Tyk's request-context keys.
type Key uint

// Definition is the key of the request's *apidef.APIDefinition (Tyk's
// ctx.Definition; its numeric value differs from Tyk's, which nothing
// depends on).
const Definition Key = 24
