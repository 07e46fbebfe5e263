module github.com/upstreamcause/tyk-upstream-cause/triage

go 1.23

require github.com/upstreamcause/tyk-upstream-cause v0.0.0

replace github.com/upstreamcause/tyk-upstream-cause => ../
