package classify

// OnReusedConnection refines r, the classification of a round trip whose
// failing attempt ran on a pooled keep-alive connection (httptrace
// GotConnInfo.Reused), and returns it.
//
// When the upstream closed such a connection before any byte of the response
// (Detail DetailConnectionClosedBeforeResponse, from a bare "EOF": Go reports
// it that way for a request it may not retry, such as a POST) or while the
// request was written (DetailBrokenPipe, "write: broken pipe"), the upstream
// closed the connection as idle just as the gateway reused it: the classic
// keep-alive race, fixed by a gateway idle timeout shorter than the
// upstream's. The Detail becomes DetailIdleConnectionClosedByUpstream, the
// Detail Go's own "http: server closed idle connection" gets; Flag, Type,
// Phase and Source stay. Any other r is returned unchanged.
func OnReusedConnection(r Result) Result {
	switch r.Detail {
	case DetailConnectionClosedBeforeResponse, DetailBrokenPipe:
		r.Detail = DetailIdleConnectionClosedByUpstream
	}
	return r
}
