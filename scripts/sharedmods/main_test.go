package main

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// A gateway go.mod written for the test: the shape of Tyk 5.8's, a few of its
// requirements.
const gatewayMod = `module github.com/TykTechnologies/tyk

go 1.23.4

require (
	github.com/miekg/dns v1.1.62
	github.com/sirupsen/logrus v1.9.3
	golang.org/x/net v0.34.0
)

require golang.org/x/sys v0.31.0 // indirect

replace github.com/example/forked => ../forked
`

func parse(t *testing.T, s string) *modfile.File {
	t.Helper()
	f, err := modfile.Parse("go.mod", []byte(s), nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestCompare(t *testing.T) {
	ours := []Module{
		{"github.com/sirupsen/logrus", "v1.9.3"},
		{"golang.org/x/sys", "v0.40.0"}, // deliberately bumped
		{"golang.org/x/net", "v0.27.0"},
		{"github.com/example/forked", "v1.0.0"},
		{"github.com/petermattis/goid", "v0.0.0-20260820044319-269ab09b5261"}, // the gateway has none
	}
	got := Compare(ours, parse(t, gatewayMod))
	want := []Finding{
		{Path: "github.com/example/forked", Ours: "v1.0.0", Replaced: true},
		{Path: "github.com/sirupsen/logrus", Gateway: "v1.9.3", Ours: "v1.9.3"},
		{Path: "golang.org/x/net", Gateway: "v0.34.0", Ours: "v0.27.0"},
		{Path: "golang.org/x/sys", Gateway: "v0.31.0", Ours: "v0.40.0", Raised: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("finding %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestReportFailsLoudlyOnARaisedModule(t *testing.T) {
	var buf bytes.Buffer
	code := report(&buf, []Finding{{Path: "golang.org/x/sys", Gateway: "v0.31.0", Ours: "v0.40.0", Raised: true}}, "gw/go.mod")
	if code != 1 || !strings.Contains(buf.String(), "WOULD RAISE") || !strings.Contains(buf.String(), "FAIL: 1 shared module") {
		t.Fatalf("exit %d, output:\n%s", code, buf.String())
	}
	buf.Reset()
	if code := report(&buf, []Finding{{Path: "a", Gateway: "v1.0.0", Ours: "v1.0.0"}}, "gw/go.mod"); code != 0 {
		t.Fatalf("exit %d for a clean list:\n%s", code, buf.String())
	}
}

// TestThisRepositoryAgainstTyk58 checks the real build list of this
// repository against the versions Tyk 5.8.0 pins for the modules it shares
// with us (the oldest gateway supported; later 5.8 and 5.12 pin the same or
// higher).
func TestThisRepositoryAgainstTyk58(t *testing.T) {
	ours, err := buildList("../..")
	if err != nil {
		t.Fatal(err)
	}
	const tyk580 = `module github.com/TykTechnologies/tyk

go 1.23.4

require (
	github.com/miekg/dns v1.1.62
	github.com/sirupsen/logrus v1.9.3
	github.com/stretchr/testify v1.10.0
	golang.org/x/crypto v0.36.0
	golang.org/x/net v0.34.0
	golang.org/x/sync v0.12.0
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/davecgh/go-spew v1.1.2-0.20180830191138-d8f796af33cc // indirect
	github.com/pmezard/go-difflib v1.0.1-0.20181226105442-5d4384ee4fb2 // indirect
	github.com/stretchr/objx v0.5.2 // indirect
	golang.org/x/mod v0.22.0 // indirect
	golang.org/x/sys v0.31.0 // indirect
	golang.org/x/text v0.23.0 // indirect
	golang.org/x/tools v0.29.0 // indirect
)
`
	for _, f := range Compare(ours, parse(t, tyk580)) {
		if f.Raised {
			t.Errorf("%s: we select %s, Tyk 5.8.0 pins %s: a plugin built with 5.8.0 would not load", f.Path, f.Ours, f.Gateway)
		}
	}
}
