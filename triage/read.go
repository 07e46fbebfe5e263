package triage

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// MaxLine is the longest line the Reader reads, in bytes without its line
// end. A longer line is skipped (reason ReasonTooLong) without being held
// in memory.
const MaxLine = 1 << 20

// The reasons a line is skipped, the keys of Inputs.Reasons.
const (
	ReasonTooLong       = "too_long"       // longer than MaxLine
	ReasonNotUTF8       = "not_utf8"       // not valid UTF-8
	ReasonTruncated     = "truncated"      // a JSON object or quoted value that the line ends inside
	ReasonGarbage       = "garbage"        // a known format with a syntax error, or control bytes
	ReasonUnknownFormat = "unknown_format" // neither Tyk's JSON nor its text format, in any wrapper
	ReasonBadProbe      = "bad_probe"      // a probe entry of the plugin without a host:port probe_target or a snake_case probe_verdict
)

// ReadOptions are the options of Open.
type ReadOptions struct {
	// Year is the year of the times of Tyk's text format without a year
	// ("Dec 01 06:04:19", its legacy format and 5.12's default). 0 means:
	// the year of the line's wrapper timestamp (kubectl --timestamps,
	// Docker, CRI) when it has one, else the year of the file's
	// modification date (stdin: the current date), taking the year before
	// for a date that would otherwise lie after it.
	Year int
	// Progress, when not nil, is called with the number of bytes read so
	// far from the inputs (compressed bytes for gzip files), at most about
	// every 4 MiB and once at the end of each input.
	Progress func(n int64)
	// Stdin is what the path "-" reads; nil means os.Stdin.
	Stdin io.Reader
}

// Reader reads log lines from files, gzip files, directories and stdin in
// one streaming pass and returns the ones that matter to triage as Entries.
// Lines that are not Tyk's or are damaged are counted (Stats) and skipped,
// never fatal. A Reader is not safe for concurrent use.
type Reader struct {
	opts  ReadOptions
	files []input // what Open found, in order
	next  int     // index in files of the input to open next

	line   []byte        // the line of the last Entry, in cur's buffer
	cur    *bufio.Reader // buf, or zbuf for a gzip file
	buf    *bufio.Reader // MaxLine+2 bytes, reused across inputs
	zbuf   *bufio.Reader // the same, for the uncompressed lines of a gzip file
	closer io.Closer     // of the current input
	counter
	src   Source
	entry Entry

	progressed int64 // bytes at the last Progress call
	err        error // a read error of the current input, counted then dropped

	stats   Inputs
	nodes   map[string]struct{}
	from    time.Time
	to      time.Time
	intern  interner
	aliases map[string]string
}

// input is one file to read; name is what the report shows.
type input struct {
	path  string // "" for stdin
	name  string
	mtime time.Time
}

// counter counts the bytes read through it, for Progress.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Open checks every path and returns a Reader over them, in the order
// given; a directory stands for the regular files under it, walked in
// lexical order (hidden files and directories included). "-" is stdin.
// Gzip files are recognised by their first bytes, whatever their name.
// Open returns an error naming the first path that does not exist or
// cannot be read (a *fs.PathError); it opens no file but to check it.
func Open(paths []string, opts ReadOptions) (*Reader, error) {
	r := &Reader{opts: opts, nodes: make(map[string]struct{}), aliases: make(map[string]string)}
	r.stats.Reasons = make(map[string]int)
	r.intern.init()
	for _, p := range paths {
		if p == "-" {
			r.files = append(r.files, input{name: "stdin", mtime: time.Now()})
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			if err := readable(p); err != nil {
				return nil, err
			}
			r.files = append(r.files, input{path: p, name: p, mtime: fi.ModTime()})
			continue
		}
		var found []input
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.Type().IsRegular() {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			if err := readable(path); err != nil {
				return err
			}
			found = append(found, input{path: path, name: path, mtime: info.ModTime()})
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Slice(found, func(i, j int) bool { return found[i].path < found[j].path })
		r.files = append(r.files, found...)
	}
	for _, f := range r.files {
		r.stats.Files = append(r.stats.Files, f.name)
	}
	return r, nil
}

// readable opens path for reading and closes it.
func readable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return f.Close()
}

// stdin is what "-" reads; tests replace it.
var stdin io.Reader = os.Stdin

// open makes the next input current; false when none is left.
func (r *Reader) open() bool {
	for r.next < len(r.files) {
		in := r.files[r.next]
		r.next++
		var raw io.Reader
		var closer io.Closer
		if in.path == "" {
			raw = stdin
			if r.opts.Stdin != nil {
				raw = r.opts.Stdin
			}
		} else {
			f, err := os.Open(in.path)
			if err != nil {
				// It was readable at Open; count it and go on.
				r.skip("unreadable_file", 1)
				continue
			}
			raw, closer = f, f
		}
		r.counter = counter{r: raw, n: r.counter.n}
		if r.buf == nil {
			r.buf = bufio.NewReaderSize(&r.counter, MaxLine+2)
		} else {
			r.buf.Reset(&r.counter)
		}
		r.cur = r.buf
		if magic, _ := r.buf.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
			zr, err := gzip.NewReader(r.buf)
			if err != nil {
				r.skip(ReasonTruncated, 1)
				if closer != nil {
					closer.Close()
				}
				r.cur = nil
				continue
			}
			if r.zbuf == nil {
				r.zbuf = bufio.NewReaderSize(zr, MaxLine+2)
			} else {
				r.zbuf.Reset(zr)
			}
			r.cur = r.zbuf
		}
		r.closer = closer
		r.src = Source{Name: in.name, Year: r.opts.Year, ModTime: in.mtime, intern: &r.intern}
		return true
	}
	return false
}

// closeCurrent ends the current input.
func (r *Reader) closeCurrent() {
	if r.closer != nil {
		r.closer.Close()
	}
	r.cur, r.closer = nil, nil
	r.src.flush()
	r.src.aliases(r.aliases)
	if r.opts.Progress != nil {
		r.progressed = r.counter.n
		r.opts.Progress(r.counter.n)
	}
}

// Next returns the next Entry that matters and true, or nil and false when
// every input has been read. The Entry is the Reader's own: the next call
// overwrites it, so copy what must outlive it (its strings stay valid).
// Read errors of an input end that input (counted as a truncated line);
// they are not returned.
func (r *Reader) Next() (*Entry, bool) {
	for {
		if r.cur == nil && !r.open() {
			return nil, false
		}
		line, err := r.cur.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// Too long: skip to the next newline, holding none of it.
			r.stats.Lines++
			r.skip(ReasonTooLong, 1)
			for err == bufio.ErrBufferFull {
				_, err = r.cur.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				r.skip(ReasonTruncated, 0)
			}
			if err != nil {
				r.closeCurrent()
			}
			continue
		}
		if err != nil && err != io.EOF {
			// A read error (a damaged gzip stream, an I/O error): what was
			// read of the line is incomplete.
			if len(line) > 0 {
				r.stats.Lines++
				r.skip(ReasonTruncated, 1)
			}
			r.closeCurrent()
			continue
		}
		if len(line) == 0 {
			r.closeCurrent()
			continue
		}
		eof := err == io.EOF
		if r.opts.Progress != nil && r.counter.n-r.progressed >= 4<<20 {
			r.progressed = r.counter.n
			r.opts.Progress(r.counter.n)
		}
		r.stats.Lines++
		ok, reason := ParseLine(line, &r.src, &r.entry)
		if eof {
			r.closeCurrent()
		}
		if reason != "" {
			r.skip(reason, 1)
			continue
		}
		if !ok {
			continue
		}
		r.used()
		r.line = line
		return &r.entry, true
	}
}

// Line returns the line the last Entry Next returned was read from, as read
// (its wrapper included), without its line ending. It is valid until the
// next call to Next; copy what must be kept.
func (r *Reader) Line() []byte {
	return bytes.TrimRight(r.line, "\r\n")
}

// skip counts n skipped lines for reason.
func (r *Reader) skip(reason string, n int64) {
	r.stats.Skipped += n
	r.stats.Reasons[reason] += int(n)
}

// used accounts for the current Entry and makes its strings the Reader's.
func (r *Reader) used() {
	e := &r.entry
	r.stats.Used++
	if e.Node != "" {
		if _, ok := r.nodes[e.Node]; !ok {
			r.nodes[e.Node] = struct{}{}
		}
	}
	if !e.Time.IsZero() {
		if r.from.IsZero() || e.Time.Before(r.from) {
			r.from = e.Time
		}
		if e.Time.After(r.to) {
			r.to = e.Time
		}
	}
}

// Stats says what has been read so far: the inputs, the lines read, used
// and skipped (by reason), the nodes of the Entries returned, and the first
// and last time of their lines.
func (r *Reader) Stats() Inputs {
	s := r.stats
	s.Files = append([]string(nil), s.Files...)
	s.Reasons = make(map[string]int, len(r.stats.Reasons))
	for k, v := range r.stats.Reasons {
		s.Reasons[k] = v
	}
	// The nodes as MergeNodes leaves them: a stream that turned out to be
	// a gateway_node (NodeAliases) is that node, not a node of its own.
	aliases := r.NodeAliases()
	seen := make(map[string]bool, len(r.nodes))
	s.Nodes = make([]string, 0, len(r.nodes))
	for n := range r.nodes {
		if to, ok := aliases[n]; ok {
			n = to
		}
		if !seen[n] {
			seen[n] = true
			s.Nodes = append(s.Nodes, n)
		}
	}
	sort.Strings(s.Nodes)
	if !r.from.IsZero() {
		from, to := r.from, r.to
		s.From, s.To = &from, &to
	}
	return s
}

// Close closes the current input. Next returns false after it.
func (r *Reader) Close() error {
	var err error
	if r.closer != nil {
		err = r.closer.Close()
	}
	r.cur, r.closer = nil, nil
	r.next = len(r.files)
	return err
}

// fileNode is the node name a file stands for: its base name without
// extensions ("gw-a.log.gz" → "gw-a"); "stdin" for stdin.
func fileNode(name string) string {
	base := filepath.Base(name)
	for range 4 {
		ext := filepath.Ext(base)
		if ext == "" || ext == base {
			break
		}
		switch e := strings.ToLower(ext[1:]); e {
		case "gz", "log", "json", "jsonl", "txt", "out", "err":
		default:
			if _, ok := parseInt([]byte(e)); !ok { // rotation: gw-a.log.1
				return base
			}
		}
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// NodeAliases returns, for the inputs read so far, the node names that
// turned out to be a gateway_node: an input (file node name) or kubectl pod
// whose lines carry exactly one gateway_node maps to it. The lines of such
// a stream before its first gateway_node (the plugin writes it on failed
// requests only) have the stream's name as Node; an analysis merges them
// with this map. Streams whose lines carry several gateway_node values
// (a file of several nodes) are not in it.
func (r *Reader) NodeAliases() map[string]string {
	m := make(map[string]string, len(r.aliases))
	for k, v := range r.aliases {
		m[k] = v
	}
	if r.cur != nil {
		r.src.aliases(m)
	}
	return m
}
