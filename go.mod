module github.com/upstreamcause/tyk-upstream-cause

go 1.23

require (
	github.com/petermattis/goid v0.0.0-20260820044319-269ab09b5261
	github.com/sirupsen/logrus v1.9.3
)
