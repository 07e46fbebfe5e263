module github.com/upstreamcause/tyk-upstream-cause/triage

go 1.23

require github.com/upstreamcause/tyk-upstream-cause v0.0.0

require (
	github.com/petermattis/goid v0.0.0-20260820044319-269ab09b5261 // indirect
	github.com/sirupsen/logrus v1.9.3 // indirect
	golang.org/x/sys v0.29.0 // indirect
)

replace github.com/upstreamcause/tyk-upstream-cause => ../
