package main

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressDelay is how long reading must take before "auto" shows a bar:
// short inputs never flash one.
const progressDelay = time.Second

// progress is the bar on stderr while the inputs are read. A nil *progress
// shows nothing; its methods may be called all the same.
type progress struct {
	w     io.Writer
	total int64 // bytes in all inputs; -1 when unknown (stdin)
	delay time.Duration
	start time.Time
	bar   *progressbar.ProgressBar
	shown bool // the bar has been drawn
}

// newProgress returns the bar for mode ("auto", "always", "never") on
// stderr over the inputs named by paths, or nil when there is none: "auto"
// shows one only when stderr is a terminal, and only once reading has taken
// progressDelay.
func newProgress(mode string, stderr io.Writer, paths []string) *progress {
	p := &progress{w: stderr, start: time.Now()}
	switch mode {
	case "never":
		return nil
	case "auto":
		f, ok := stderr.(*os.File)
		if !ok || !termIsTerminal(f) {
			return nil
		}
		p.delay = progressDelay
	}
	p.total = inputSize(paths)
	p.bar = progressbar.NewOptions64(p.total,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription("reading logs"),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetSpinnerChangeInterval(0), // stdin's spinner turns as bytes come, drawn by set only
	)
	p.bar.StartWithoutRender() // its clock starts now, so that a bar shown later has the right rate
	return p
}

// set is triage.ReadOptions.Progress: n bytes of the inputs are read.
func (p *progress) set(n int64) {
	if p == nil || time.Since(p.start) < p.delay {
		return
	}
	p.shown = true
	p.bar.Set64(n)
}

// finish removes the bar.
func (p *progress) finish() {
	if p == nil {
		return
	}
	if p.shown {
		p.bar.Finish()
	}
	p.bar.Exit()
}

// inputSize returns the bytes in the files named by paths (the regular
// files under a directory), or -1 when stdin is one of them. Paths it
// cannot read count 0: Open says what is wrong with them.
func inputSize(paths []string) int64 {
	var n int64
	for _, p := range paths {
		if p == "-" {
			return -1
		}
		filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.Type().IsRegular() {
				if fi, err := d.Info(); err == nil {
					n += fi.Size()
				}
			}
			return nil
		})
	}
	return n
}

// termIsTerminal says whether f is a terminal.
func termIsTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}
