// Package apidef is a stand-in for Tyk's package of the same path: only the
// field of APIDefinition the plugin reads. Test equipment, not Tyk's code.
package apidef

// APIDefinition is the part of Tyk's API definition the plugin reads.
type APIDefinition struct {
	APIID string `json:"api_id"`
}
