package capture

// TraceKeysKnown reports whether the context keys of httptrace and
// nettrace were learnt (for tests).
func TraceKeysKnown() bool { return keysKnown }
