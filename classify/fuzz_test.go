package classify

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// constants returns the values of this package's exported string constants
// by prefix ("Flag", "Type", "Detail", "Intermediary"), read from its source
// so that a new constant needs no second list.
var constants = sync.OnceValue(func() map[string]map[string]bool {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		panic(err)
	}
	var files []*ast.File
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, 0)
		if err != nil {
			panic(err)
		}
		files = append(files, f)
	}
	sets := map[string]map[string]bool{}
	for _, prefix := range []string{"Flag", "Type", "Detail", "Intermediary"} {
		sets[prefix] = map[string]bool{}
	}
	for _, f := range files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, _ := strconv.Unquote(lit.Value)
					for prefix, set := range sets {
						if strings.HasPrefix(name.Name, prefix) {
							set[v] = true
						}
					}
				}
			}
		}
	}
	return sets
})

// checkConstant fails unless every string of r is "" or one of this
// package's constants of the right kind, and Phase and Source are in range.
func checkConstant(t *testing.T, in string, r Result) {
	t.Helper()
	c := constants()
	for _, f := range []struct{ prefix, v string }{{"Flag", r.Flag}, {"Type", r.Type}, {"Detail", r.Detail}, {"Intermediary", r.Intermediary}} {
		if f.v != "" && !c[f.prefix][f.v] {
			t.Fatalf("%q: %s %q is not a constant", in, f.prefix, f.v)
		}
	}
	if int(r.Phase) >= len(phaseNames) || int(r.Source) >= len(sourceNames) {
		t.Fatalf("%q: phase %d or source %d out of range", in, r.Phase, r.Source)
	}
	if (r.Flag == "") != (r == Result{}) {
		t.Fatalf("%q: a Result without Flag must be the zero Result: %+v", in, r)
	}
}

func TestConstantsFound(t *testing.T) {
	c := constants()
	if len(c["Flag"]) < 21 || len(c["Type"]) != 32 || len(c["Detail"]) < 40 || len(c["Intermediary"]) != 5 {
		t.Fatalf("constants not found: %d flags, %d types, %d details, %d intermediaries",
			len(c["Flag"]), len(c["Type"]), len(c["Detail"]), len(c["Intermediary"]))
	}
}

var fuzzSeeds = []string{
	"",
	"EOF",
	"unexpected EOF",
	"http: proxy error: dial tcp 127.0.0.1:1: connect: connection refused",
	"http: proxy error during body copy: read tcp 127.0.0.1:5->127.0.0.1:6: read: connection reset by peer",
	`Get "http://h/\"p": net/http: timeout awaiting response headers`,
	"dial tcp: lookup nxdomain.upstream.test on 127.0.0.1:53: no such host",
	"tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2026-11-21T14:58:46Z is before 2026-11-22T14:58:46Z",
	"remote error: tls: handshake failure",
	`net/http: HTTP/1.x transport connection broken: malformed HTTP response "\xff"`,
	`Post "`,
	`A "\`,
	"lookup ",
	"\xff\xfe\n\r\t",
}

func FuzzMessage(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		r := Message(msg)
		checkConstant(t, msg, r)
		if trimSpace(msg) == "" && r != (Result{}) {
			t.Fatalf("%q: blank message classified: %+v", msg, r)
		}
	})
}

func FuzzResponse(f *testing.F) {
	for _, s := range []string{"", "x; error=connection_timeout", `x; error="dns_error"; details="a,b;c"`, `;;,"\`, "a;b;c=;error="} {
		f.Add(502, "awselb/2.0", s)
		f.Add(522, "cloudflare", s)
	}
	f.Fuzz(func(t *testing.T, status int, server, proxyStatus string) {
		r := Response(status, http.Header{"Server": {server}, "Proxy-Status": {proxyStatus}})
		checkConstant(t, server+" | "+proxyStatus, r)
		if (status < 500 || status > 599) != (r == Result{}) {
			t.Fatalf("status %d: %+v", status, r)
		}
	})
}

// indexFold agrees with strings.Index on lower-cased input.
func FuzzIndexFold(f *testing.F) {
	f.Add("Dial TCP: connect: Connection Refused", "connection refused")
	f.Add("aAaAab", "aab")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, s, sub string) {
		sub = strings.ToLower(sub)
		if sub == "" || strings.ToLower(sub) != asciiLower(sub) {
			return
		}
		if got, want := indexFold(s, sub), strings.Index(asciiLower(s), sub); got != want {
			t.Fatalf("indexFold(%q, %q) = %d, want %d", s, sub, got, want)
		}
	})
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lower(c)
	}
	return string(b)
}
