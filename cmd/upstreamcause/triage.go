package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/upstreamcause/tyk-upstream-cause/triage"
)

const triageUsage = `usage: upstreamcause triage [flags] [FILE|DIR|-]...

Reads Tyk gateway logs (JSON or text format; plain or gzip; files, the files
under directories, or stdin "-", the default when stdin is not a terminal;
also inside kubectl logs --prefix, Docker json-file and CRI wrappers) and
walks Tyk's 502 troubleshooting guide over them: which nodes fail, since
when, to which upstream, for which cause, and what to check next.

  kubectl logs --prefix --timestamps -l app=tyk-gateway --since=2h | upstreamcause triage -
  upstreamcause triage --html report.html /var/log/tyk/

Exit status: 0 no failures found, 1 findings, 2 usage error or unreadable input.

Flags (-flag and --flag are the same; flags may follow the inputs):
`

// triageOptions are the triage command's flags.
type triageOptions struct {
	format   string
	html     string
	year     int
	config   string
	apps     string
	progress string
	paths    []string
}

// parseTriage parses the triage command's arguments. Flags may come before,
// between or after the inputs; "--" ends the flags.
func parseTriage(args []string, stderr io.Writer) (*triageOptions, error) {
	o := &triageOptions{}
	fs := flag.NewFlagSet("triage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.format, "format", "text", "report format on stdout: text, json or markdown")
	fs.StringVar(&o.html, "html", "", "also write a self-contained HTML report to `FILE`")
	fs.IntVar(&o.year, "year", 0, "year of text-format times that carry none (default: the wrapper's timestamp, else the file's date)")
	fs.StringVar(&o.config, "config", "", "the gateway's `tyk.conf`: compare its timeouts and transport settings with the logs")
	fs.StringVar(&o.apps, "apps", "", "the gateway's API definitions `DIR` (default: app_path of --config, if it exists here)")
	fs.StringVar(&o.progress, "progress", "auto", "progress bar on stderr: auto (when stderr is a terminal and the input takes a while), always or never")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), triageUsage)
		fs.PrintDefaults()
	}
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			o.paths = append(o.paths, rest...)
			break
		}
		o.paths = append(o.paths, rest[0])
		args = rest[1:]
	}

	switch o.format {
	case "text", "json", "markdown", "md":
	default:
		return nil, usageError(fs, "--format must be text, json or markdown, not %q", o.format)
	}
	switch o.progress {
	case "auto", "always", "never":
	default:
		return nil, usageError(fs, "--progress must be auto, always or never, not %q", o.progress)
	}
	if o.year != 0 && (o.year < 1970 || o.year > 9999) {
		return nil, usageError(fs, "--year %d is not a year", o.year)
	}
	return o, nil
}

func usageError(fs *flag.FlagSet, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	fmt.Fprintf(fs.Output(), "upstreamcause triage: %v\n", err)
	fmt.Fprintf(fs.Output(), "Run \"upstreamcause triage -h\" for usage.\n")
	return err
}

// runTriage is "upstreamcause triage": "-" reads stdin, which is also the
// input when none is named (unless it is a terminal).
func runTriage(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parseTriage(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "upstreamcause triage: %v\n", err)
		return 2
	}
	if len(o.paths) == 0 {
		if isTerminal(stdin) {
			fmt.Fprintf(stderr, "upstreamcause triage: no input: name files or directories, or pipe logs into \"-\"\nRun \"upstreamcause triage -h\" for usage.\n")
			return 2
		}
		o.paths = []string{"-"}
	}

	var tyk *tykConfig
	if o.config != "" || o.apps != "" {
		if tyk, err = readTykConfig(o.config, o.apps); err != nil {
			return fail(err)
		}
	}

	bar := newProgress(o.progress, stderr, o.paths)
	rd, err := triage.Open(o.paths, triage.ReadOptions{Year: o.year, Progress: bar.set, Stdin: stdin})
	if err != nil {
		return fail(err)
	}
	cfg := triage.Config{}
	if tyk != nil {
		cfg.Tyk = tyk.settings()
	}
	an := triage.NewAnalyzer(cfg)
	for {
		e, ok := rd.Next()
		if !ok {
			break
		}
		an.AddLine(e, rd.Line())
	}
	an.MergeNodes(rd.NodeAliases())
	in := rd.Stats()
	err = rd.Close()
	bar.finish()
	if err != nil {
		return fail(err)
	}
	rep := an.Report(in)

	if err := writeReport(stdout, o.format, rep, tyk); err != nil {
		return fail(err)
	}
	if o.html != "" {
		if err := writeHTMLFile(o.html, rep, tyk); err != nil {
			return fail(err)
		}
	}
	if len(rep.Findings) > 0 {
		return 1
	}
	return 0
}

// writeReport writes rep in format, with the section on the gateway's
// configuration when there is one (in JSON, as the key "tyk_config" added
// to the report's object).
func writeReport(w io.Writer, format string, rep *triage.Report, tyk *tykConfig) error {
	switch format {
	case "json":
		var buf bytes.Buffer
		if err := triage.WriteJSON(&buf, rep); err != nil {
			return err
		}
		out := buf.Bytes()
		if tyk != nil {
			var err error
			if out, err = addJSONKey(out, "tyk_config", tyk.report(rep)); err != nil {
				return err
			}
		}
		_, err := w.Write(out)
		return err
	case "markdown", "md":
		if err := triage.WriteMarkdown(w, rep); err != nil {
			return err
		}
		if tyk != nil {
			return tyk.writeMarkdown(w, rep)
		}
		return nil
	default:
		if err := triage.WriteText(w, rep); err != nil {
			return err
		}
		if tyk != nil {
			return tyk.writeText(w, rep)
		}
		return nil
	}
}

// writeHTMLFile writes the HTML report to name, whole or not at all, with
// the section on the gateway's configuration when there is one.
func writeHTMLFile(name string, rep *triage.Report, tyk *tykConfig) error {
	var extra []triage.HTMLSection
	if tyk != nil {
		extra = append(extra, tyk.htmlSection(rep))
	}
	var buf bytes.Buffer
	if err := triage.WriteHTML(&buf, rep, extra...); err != nil {
		return err
	}
	return os.WriteFile(name, buf.Bytes(), 0o644)
}

// addJSONKey adds "key": v to the end of the JSON object obj, indented like
// obj's keys when obj is indented.
func addJSONKey(obj []byte, key string, v any) ([]byte, error) {
	trimmed := bytes.TrimRight(obj, " \t\r\n")
	if !bytes.HasSuffix(trimmed, []byte("}")) {
		return nil, fmt.Errorf("report JSON is not an object")
	}
	body := bytes.TrimRight(trimmed[:len(trimmed)-1], " \t\r\n")
	indent := ""
	if i := bytes.IndexByte(body, '\n'); i >= 0 {
		line := body[i+1:]
		indent = string(line[:len(line)-len(bytes.TrimLeft(line, " \t"))])
	}
	var value []byte
	var err error
	if indent != "" {
		value, err = json.MarshalIndent(v, indent, indent)
	} else {
		value, err = json.Marshal(v)
	}
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Write(body)
	if !bytes.HasSuffix(body, []byte("{")) {
		out.WriteByte(',')
	}
	if indent != "" {
		out.WriteString("\n" + indent)
	}
	sep := ":"
	if indent != "" {
		sep = ": "
	}
	fmt.Fprintf(&out, "%q%s", key, sep)
	out.Write(value)
	if indent != "" {
		out.WriteByte('\n')
	}
	out.WriteString("}\n")
	return out.Bytes(), nil
}

// isTerminal says whether r is a terminal.
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	return ok && termIsTerminal(f)
}
