package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/upstreamcause/tyk-upstream-cause/probe"
	"github.com/upstreamcause/tyk-upstream-cause/schema"
)

// logSchema validates every access-log and probe entry of the gateway log
// at path, line by line as the gateway wrote them, against the schema of
// naming mode mode (schema.ValidateLine: access-log.<mode>.json, or
// probe-entry.json for a probe entry). It returns how many entries of each
// it validated and what is wrong with those that do not validate.
func logSchema(path, mode string) (access, probes int, problems []string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if !bytes.Contains(line, []byte(`"`+schema.PrefixAccessLog+`"`)) && !bytes.Contains(line, []byte(`"`+probe.Prefix+`"`)) {
			continue
		}
		var head struct {
			Prefix string `json:"prefix"`
			Path   string `json:"path"`
		}
		if json.Unmarshal(line, &head) != nil {
			continue
		}
		switch head.Prefix {
		case schema.PrefixAccessLog:
			access++
		case probe.Prefix:
			probes++
		default:
			continue
		}
		if err := schema.ValidateLine(mode, line); err != nil {
			problems = append(problems, fmt.Sprintf("%s:%d (%s %s): %v", filepath.Base(path), n, head.Prefix, head.Path, err))
		}
	}
	return access, probes, problems, sc.Err()
}

// checkLogSchema prints the result of logSchema as one check and returns
// the number of failed checks (0 or 1). A log without any access-log entry
// fails: there was nothing to validate.
func checkLogSchema(path, mode string) int {
	access, probes, problems, err := logSchema(path, mode)
	label := fmt.Sprintf("schema  %d access-log entries (schema/%s), %d probe entries (schema/%s)", access, schema.AccessLogFile(mode), probes, schema.ProbeFile)
	switch {
	case err != nil:
		fmt.Printf("FAIL  schema: reading %s: %v\n", path, err)
		return 1
	case access == 0:
		fmt.Printf("FAIL  %s: no access-log entry in %s\n", label, path)
		return 1
	case len(problems) > 0:
		fmt.Printf("FAIL  %s: %d do not validate\n", label, len(problems))
		printProblems(os.Stdout, problems)
		return 1
	}
	fmt.Printf("ok    %s: every entry of the gateway log validates (schema v%s)\n", label, schema.Version)
	return 0
}
