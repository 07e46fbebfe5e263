//go:build goplugin

package main

import (
	"errors"
	"net/http"
	"plugin"

	"github.com/TykTechnologies/tyk-pump/analytics"
)

// The symbols the plugin exports.
const (
	SymbolPre       = "UpstreamCausePre"
	SymbolResponse  = "UpstreamCauseResponse"
	SymbolAnalytics = "UpstreamCauseAnalytics"
	// SymbolPending is exported for tests only: the number of requests whose
	// correlation state the plugin still holds.
	SymbolPending = "UpstreamCausePending"
)

// Plugin holds the hooks looked up in one .so. A nil hook is not called.
type Plugin struct {
	Path      string
	Pre       http.HandlerFunc
	Response  func(rw http.ResponseWriter, res *http.Response, req *http.Request)
	Analytics func(record *analytics.AnalyticsRecord)
	Pending   func() int
}

// Default returns p wired as examples/ wire it: the pre hook and the
// analytics plugin, without the optional response hook.
func (p *Plugin) Default() *Plugin {
	if p == nil {
		return nil
	}
	q := *p
	q.Response = nil
	return &q
}

// LoadPlugin opens the .so at path and looks up the three hooks the way the
// gateway does, one lookup and one type assertion per configured hook, with
// the gateway's error texts. withPending also looks up the test-only
// UpstreamCausePending symbol as func() int.
func LoadPlugin(path string, withPending bool) (*Plugin, error) {
	p := &Plugin{Path: path}
	var err error
	if p.Pre, err = getHandler(path, SymbolPre); err != nil {
		return nil, err
	}
	if p.Response, err = getResponseHandler(path, SymbolResponse); err != nil {
		return nil, err
	}
	if p.Analytics, err = getAnalyticsHandler(path, SymbolAnalytics); err != nil {
		return nil, err
	}
	if withPending {
		sym, err := getSymbol(path, SymbolPending)
		if err != nil {
			return nil, err
		}
		f, ok := sym.(func() int)
		if !ok {
			return nil, errors.New("could not cast function symbol " + SymbolPending + " to func() int")
		}
		p.Pending = f
	}
	return p, nil
}

// getSymbol is the gateway's goplugin.GetSymbol: open (plugin.Open returns
// the same plugin for a path opened before) and look up, errors unchanged.
func getSymbol(modulePath, symbol string) (interface{}, error) {
	loaded, err := plugin.Open(modulePath)
	if err != nil {
		return nil, err
	}
	sym, err := loaded.Lookup(symbol)
	if err != nil {
		return nil, err
	}
	return sym, nil
}

// getHandler is the gateway's goplugin.GetHandler (request hooks).
func getHandler(modulePath, symbol string) (http.HandlerFunc, error) {
	sym, err := getSymbol(modulePath, symbol)
	if err != nil {
		return nil, err
	}
	h, ok := sym.(func(http.ResponseWriter, *http.Request))
	if !ok {
		return nil, errors.New("could not cast function symbol to http.HandlerFunc")
	}
	return h, nil
}

// getResponseHandler is the gateway's goplugin.GetResponseHandler.
func getResponseHandler(modulePath, symbol string) (func(rw http.ResponseWriter, res *http.Response, req *http.Request), error) {
	sym, err := getSymbol(modulePath, symbol)
	if err != nil {
		return nil, err
	}
	h, ok := sym.(func(rw http.ResponseWriter, res *http.Response, req *http.Request))
	if !ok {
		return nil, errors.New("could not cast function symbol to TykResponseHandler")
	}
	return h, nil
}

// getAnalyticsHandler is the gateway's goplugin.GetAnalyticsHandler.
func getAnalyticsHandler(path, symbol string) (func(record *analytics.AnalyticsRecord), error) {
	sym, err := getSymbol(path, symbol)
	if err != nil {
		return nil, err
	}
	h, ok := sym.(func(record *analytics.AnalyticsRecord))
	if !ok {
		return nil, errors.New("could not cast function symbol to AnalyticsPlugin function")
	}
	return h, nil
}
