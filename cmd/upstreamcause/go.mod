module github.com/upstreamcause/tyk-upstream-cause/cmd/upstreamcause

go 1.23

require (
	github.com/schollz/progressbar/v3 v3.18.0
	github.com/upstreamcause/tyk-upstream-cause v0.0.0
	github.com/upstreamcause/tyk-upstream-cause/triage v0.0.0
	golang.org/x/term v0.28.0
)

require (
	github.com/mitchellh/colorstring v0.0.0-20190213212951-d06e56a500db // indirect
	github.com/petermattis/goid v0.0.0-20260820044319-269ab09b5261 // indirect
	github.com/rivo/uniseg v0.4.7 // indirect
	github.com/sirupsen/logrus v1.9.3 // indirect
	golang.org/x/sys v0.29.0 // indirect
)

replace (
	github.com/upstreamcause/tyk-upstream-cause => ../..
	github.com/upstreamcause/tyk-upstream-cause/triage => ../../triage
)
