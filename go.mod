module github.com/upstreamcause/tyk-upstream-cause

go 1.23

require (
	github.com/dunglas/httpsfv v1.1.2
	github.com/petermattis/goid v0.0.0-20260820044319-269ab09b5261
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.2
	github.com/sirupsen/logrus v1.9.3
	gopkg.in/yaml.v3 v3.0.1 // test-only (scripts/e2e, examples/shipping); v3.0.1 is what Tyk 5.8.15 and 5.14.0 link
)

require golang.org/x/text v0.21.0 // indirect

require (
	github.com/miekg/dns v1.1.62
	golang.org/x/mod v0.18.0
	golang.org/x/net v0.34.0
	golang.org/x/sync v0.10.0 // indirect
	golang.org/x/sys v0.29.0 // indirect
	golang.org/x/tools v0.22.0 // indirect
)
