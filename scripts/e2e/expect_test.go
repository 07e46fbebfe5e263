package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The e2e run must expect exactly what the test host's tests expect: these
// tests read internal/testhost's sources (DemoCases in demo.go, caseWant,
// wantPostIdleClose and wantClientGone in cases_test.go, the case names in
// main.go) and compare them with this package's copies.

const testhostDir = "../../internal/testhost"

func parseTesthost(t *testing.T, name string) *ast.File {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(testhostDir, name), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// topValues returns the package-level var and const values of f by name.
func topValues(f *ast.File) map[string]ast.Expr {
	out := map[string]ast.Expr{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || (g.Tok != token.VAR && g.Tok != token.CONST) {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if i < len(vs.Values) {
					out[n.Name] = vs.Values[i]
				}
			}
		}
	}
	return out
}

// evaluator turns the literals of those tables into Go values.
type evaluator struct {
	consts map[string]string // the Case* names of main.go
}

func (ev evaluator) str(t *testing.T, e ast.Expr) string {
	t.Helper()
	switch v := e.(type) {
	case *ast.BasicLit:
		if v.Kind == token.STRING {
			s, err := strconv.Unquote(v.Value)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	case *ast.Ident:
		if s, ok := ev.consts[v.Name]; ok {
			return s
		}
	case *ast.SelectorExpr: // http.MethodPost and the like
		if x, ok := v.X.(*ast.Ident); ok && x.Name == "http" && strings.HasPrefix(v.Sel.Name, "Method") {
			return strings.ToUpper(strings.TrimPrefix(v.Sel.Name, "Method"))
		}
	}
	t.Fatalf("cannot evaluate %T %v as a string", e, e)
	return ""
}

func (ev evaluator) int(t *testing.T, e ast.Expr) int64 {
	t.Helper()
	switch v := e.(type) {
	case *ast.BasicLit:
		if v.Kind == token.INT {
			n, err := strconv.ParseInt(v.Value, 0, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	case *ast.SelectorExpr:
		units := map[string]time.Duration{"Nanosecond": time.Nanosecond, "Microsecond": time.Microsecond, "Millisecond": time.Millisecond, "Second": time.Second}
		if x, ok := v.X.(*ast.Ident); ok && x.Name == "time" {
			if u, ok := units[v.Sel.Name]; ok {
				return int64(u)
			}
		}
	case *ast.BinaryExpr:
		if v.Op == token.MUL {
			return ev.int(t, v.X) * ev.int(t, v.Y)
		}
	}
	t.Fatalf("cannot evaluate %T %v as an integer", e, e)
	return 0
}

func (ev evaluator) bool(t *testing.T, e ast.Expr) bool {
	t.Helper()
	if id, ok := e.(*ast.Ident); ok && (id.Name == "true" || id.Name == "false") {
		return id.Name == "true"
	}
	t.Fatalf("cannot evaluate %T %v as a bool", e, e)
	return false
}

// fields returns the key: value elements of a keyed composite literal.
func fields(t *testing.T, e ast.Expr) map[string]ast.Expr {
	t.Helper()
	cl, ok := e.(*ast.CompositeLit)
	if !ok {
		t.Fatalf("%T is not a composite literal", e)
	}
	out := map[string]ast.Expr{}
	for _, el := range cl.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			t.Fatalf("unkeyed element %T", el)
		}
		out[kv.Key.(*ast.Ident).Name] = kv.Value
	}
	return out
}

func (ev evaluator) want(t *testing.T, e ast.Expr) want {
	t.Helper()
	var w want
	for k, v := range fields(t, e) {
		switch k {
		case "status":
			w.status = int(ev.int(t, v))
		case "ok":
			w.ok = ev.bool(t, v)
		case "noError":
			w.noError = ev.bool(t, v)
		case "flag":
			w.flag = ev.str(t, v)
		case "typ":
			w.typ = ev.str(t, v)
		case "detail":
			w.detail = ev.str(t, v)
		case "phase":
			w.phase = ev.str(t, v)
		case "source":
			w.source = ev.str(t, v)
		case "intermediary":
			w.intermediary = ev.str(t, v)
		default:
			t.Fatalf("want has a field %q this package does not know", k)
		}
	}
	return w
}

func testhostEvaluator(t *testing.T) evaluator {
	ev := evaluator{consts: map[string]string{}}
	for n, v := range topValues(parseTesthost(t, "main.go")) {
		if strings.HasPrefix(n, "Case") {
			ev.consts[n] = evaluator{}.str(t, v)
		}
	}
	if len(ev.consts) == 0 {
		t.Fatal("no Case* constants in internal/testhost/main.go")
	}
	return ev
}

func TestCaseNamesMatchTesthost(t *testing.T) {
	ours := map[string]string{
		"CaseOK": CaseOK, "CaseRefused": CaseRefused, "CaseConnectTimeout": CaseConnectTimeout,
		"CaseHeaderTimeout": CaseHeaderTimeout, "CaseResetBeforeResponse": CaseResetBeforeResponse,
		"CaseIdleClose": CaseIdleClose, "CaseTLSUnknownAuthority": CaseTLSUnknownAuthority,
		"CaseTLSExpired": CaseTLSExpired, "CaseTLSWrongHost": CaseTLSWrongHost, "CaseTLSToPlain": CaseTLSToPlain,
		"CaseDNSNXDomain": CaseDNSNXDomain, "CaseDNSServFail": CaseDNSServFail, "CaseDNSOK": CaseDNSOK,
		"CaseStatus503": CaseStatus503, "CaseIntermediary502": CaseIntermediary502, "CaseResetMidBody": CaseResetMidBody,
	}
	if got := testhostEvaluator(t).consts; !reflect.DeepEqual(got, ours) {
		t.Errorf("case names differ:\ntesthost: %v\ne2e:      %v", got, ours)
	}
}

func TestDemoCasesMatchTesthost(t *testing.T) {
	ev := testhostEvaluator(t)
	lit, ok := topValues(parseTesthost(t, "demo.go"))["DemoCases"].(*ast.CompositeLit)
	if !ok {
		t.Fatal("no DemoCases literal in internal/testhost/demo.go")
	}
	var theirs []demoCase
	for _, el := range lit.Elts {
		var dc demoCase
		for k, v := range fields(t, el) {
			switch k {
			case "Title":
				dc.Title = ev.str(t, v)
			case "Case":
				dc.Case = ev.str(t, v)
			case "Method":
				dc.Method = ev.str(t, v)
			case "Cancel":
				dc.Cancel = time.Duration(ev.int(t, v))
			case "Warm":
				dc.Warm = ev.bool(t, v)
			default:
				t.Fatalf("DemoCase has a field %q this package does not know", k)
			}
		}
		theirs = append(theirs, dc)
	}
	if len(theirs) != len(demoCases) {
		t.Fatalf("testhost has %d demo cases, e2e %d", len(theirs), len(demoCases))
	}
	for i := range theirs {
		if theirs[i] != demoCases[i] {
			t.Errorf("demo case %d: testhost %+v, e2e %+v", i+1, theirs[i], demoCases[i])
		}
	}
}

func TestWantsMatchTesthost(t *testing.T) {
	ev := testhostEvaluator(t)
	vals := topValues(parseTesthost(t, "cases_test.go"))
	lit, ok := vals["caseWant"].(*ast.CompositeLit)
	if !ok {
		t.Fatal("no caseWant literal in internal/testhost/cases_test.go")
	}
	theirs := map[string]want{}
	for _, el := range lit.Elts {
		kv := el.(*ast.KeyValueExpr)
		theirs[ev.str(t, kv.Key)] = ev.want(t, kv.Value)
	}
	if !reflect.DeepEqual(theirs, caseWant) {
		for k := range mergeKeys(theirs, caseWant) {
			if theirs[k] != caseWant[k] {
				t.Errorf("caseWant[%q]: testhost %+v, e2e %+v", k, theirs[k], caseWant[k])
			}
		}
	}
	for name, ours := range map[string]want{"wantPostIdleClose": wantPostIdleClose, "wantClientGone": wantClientGone} {
		v, ok := vals[name]
		if !ok {
			t.Fatalf("no %s in internal/testhost/cases_test.go", name)
		}
		if got := ev.want(t, v); got != ours {
			t.Errorf("%s: testhost %+v, e2e %+v", name, got, ours)
		}
	}
}

func mergeKeys(a, b map[string]want) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func TestAtLeast(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want bool
	}{{"v5.8.15", false}, {"5.11.1", false}, {"v5.12.0", true}, {"v5.14.0-rc1", true}, {"v6.0.0", true}} {
		if got, err := atLeast(tc.v, 5, 12); err != nil || got != tc.want {
			t.Errorf("atLeast(%q) = %v, %v; want %v", tc.v, got, err, tc.want)
		}
	}
	if _, err := atLeast("dev", 5, 12); err == nil {
		t.Error("atLeast(dev) did not fail")
	}
}

func TestDecodeMsgpack(t *testing.T) {
	// {"Path": "/a/e2e-1", "Tags": ["upstream_flag:UCF", "x"], "ResponseCode": 500,
	//  "N": -3, "F": 1.5, "T": ext(-1, 4 bytes), "B": bin(2), "Z": nil, "OK": true}
	var b []byte
	str := func(s string) { b = append(b, byte(0xa0|len(s))); b = append(b, s...) }
	b = append(b, 0x89)
	str("Path")
	str("/a/e2e-1")
	str("Tags")
	b = append(b, 0x92)
	b = append(b, 0xd9, byte(len("upstream_flag:UCF")))
	b = append(b, "upstream_flag:UCF"...)
	str("x")
	str("ResponseCode")
	b = append(b, 0xcd, 0x01, 0xf4)
	str("N")
	b = append(b, 0xfd)
	str("F")
	b = append(b, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0)
	str("T")
	b = append(b, 0xd6, 0xff, 1, 2, 3, 4)
	str("B")
	b = append(b, 0xc4, 2, 9, 8)
	str("Z")
	b = append(b, 0xc0)
	str("OK")
	b = append(b, 0xc3)
	b = append(b, 0x07) // a following value

	v, rest, err := decodeMsgpack(b)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Path": "/a/e2e-1", "Tags": []any{"upstream_flag:UCF", "x"}, "ResponseCode": uint64(500),
		"N": int64(-3), "F": 1.5, "T": extValue{Type: -1, Data: []byte{1, 2, 3, 4}}, "B": []byte{9, 8}, "Z": nil, "OK": true,
	}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("got %#v\nwant %#v", v, want)
	}
	if len(rest) != 1 || rest[0] != 0x07 {
		t.Errorf("rest %v", rest)
	}
	for i := 0; i < len(b)-1; i++ {
		if _, _, err := decodeMsgpack(b[:i]); err == nil {
			t.Fatalf("a record cut at %d bytes decoded", i)
		}
	}
	if got := fmt.Sprint(stringList(v.(map[string]any)["Tags"])); got != "[upstream_flag:UCF x]" {
		t.Errorf("stringList: %s", got)
	}
}

// TestTyk512SaysMatchesTesthost compares tyk512Says with the table of what
// Tyk 5.12 says in TestTyk512KeepsGatewayClassification (a local variable
// "gateway" of elements {case, method, flag, details, group}).
func TestTyk512SaysMatchesTesthost(t *testing.T) {
	ev := testhostEvaluator(t)
	f := parseTesthost(t, "cases_test.go")
	var table *ast.CompositeLit
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != "TestTyk512KeepsGatewayClassification" {
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if ok && len(as.Lhs) == 1 && len(as.Rhs) == 1 {
				if id, ok := as.Lhs[0].(*ast.Ident); ok && id.Name == "gateway" {
					table, _ = as.Rhs[0].(*ast.CompositeLit)
				}
			}
			return table == nil
		})
	}
	if table == nil {
		t.Fatal("no gateway table in TestTyk512KeepsGatewayClassification")
	}
	if len(table.Elts) == 0 {
		t.Fatal("empty gateway table")
	}
	for _, el := range table.Elts {
		cl, ok := el.(*ast.CompositeLit)
		if !ok || len(cl.Elts) != 5 {
			t.Fatalf("gateway table element %T is not {case, method, flag, details, group}", el)
		}
		c, method := ev.str(t, cl.Elts[0]), ev.str(t, cl.Elts[1])
		theirs := gatewaySays{flag: ev.str(t, cl.Elts[2]), details: ev.str(t, cl.Elts[3]), source: ev.str(t, cl.Elts[4])}
		key := requestKey(demoCase{Case: c, Method: method})
		if ours, ok := tyk512Says[key]; !ok || ours != theirs {
			t.Errorf("Tyk 5.12 says for %s %s: testhost %+v, e2e %+v", method, c, theirs, ours)
		}
	}
}
