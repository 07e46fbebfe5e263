// Package analytics is a stand-in for tyk-pump's package of the same import
// path, for the test host only (internal/testhost): it is not tyk-pump's code.
//
// It declares AnalyticsRecord with the field names and types of the real
// record that a gateway analytics plugin reads or writes, so that a plugin
// built against this stand-in type-checks against the real one too. Fields a
// plugin has no use for (geo data, network stats, the record's object id, the
// GraphQL schema) are left out, and so are the real type's methods.
package analytics

import "time"

// Latency is the stand-in for the record's latency figures, in milliseconds.
type Latency struct {
	Total    int64 `json:"total"`
	Upstream int64 `json:"upstream"`
	Gateway  int64 `json:"gateway"`
}

// AnalyticsRecord is the stand-in for the record the gateway builds for every
// request and hands to the analytics plugin before storing it. Field names,
// types and JSON names follow the real record.
type AnalyticsRecord struct {
	Method        string     `json:"method"`
	Host          string     `json:"host"`
	Path          string     `json:"path"`
	RawPath       string     `json:"raw_path"`
	ContentLength int64      `json:"content_length"`
	UserAgent     string     `json:"user_agent"`
	Day           int        `json:"day"`
	Month         time.Month `json:"month"`
	Year          int        `json:"year"`
	Hour          int        `json:"hour"`
	ResponseCode  int        `json:"response_code"`
	APIKey        string     `json:"api_key"`
	TimeStamp     time.Time  `json:"timestamp"`
	APIVersion    string     `json:"api_version"`
	APIName       string     `json:"api_name"`
	APIID         string     `json:"api_id"`
	OrgID         string     `json:"org_id"`
	OauthID       string     `json:"oauth_id"`
	RequestTime   int64      `json:"request_time"`
	RawRequest    string     `json:"raw_request"`
	RawResponse   string     `json:"raw_response"`
	IPAddress     string     `json:"ip_address"`
	Latency       Latency    `json:"latency"`
	Tags          []string   `json:"tags"`
	Alias         string     `json:"alias"`
	TrackPath     bool       `json:"track_path"`
	ExpireAt      time.Time  `json:"expireAt"`
}
