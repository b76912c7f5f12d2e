package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// progress shows long work — waiting for settlement, a bulk import — as
// one line on stderr, redrawn in place: a bar when the work has a known
// size, else a spinner with the time spent. It shows only when a person
// watches: stdout and stderr are terminals and the output is not --json.
// Piped, redirected or --json output never carries it. The zero progress
// shows nothing; stop clears the line and is safe to call twice.
type progress struct {
	w     io.Writer // nil: shows nothing
	label string
	total int
	start time.Time
	every time.Duration

	mu      sync.Mutex
	done    int
	note    string
	shown   int // width of the line drawn last
	stopped bool
	quit    chan struct{}
	wg      sync.WaitGroup
}

// progressTerminal tells whether progress may show, and where: stderr
// when both stdout and stderr are terminals. Tests replace it.
var progressTerminal = func() (io.Writer, bool) {
	return os.Stderr, term.IsTerminal(int(os.Stdout.Fd())) && term.IsTerminal(int(os.Stderr.Fd()))
}

// startProgress starts showing work called label of total steps (0: of
// unknown size) when a person watches (see progress).
func startProgress(c *cli.Context, label string, total int) *progress {
	w, ok := progressTerminal()
	if !ok || isSet(c, "json") {
		return &progress{}
	}
	p := &progress{w: w, label: label, total: total, start: time.Now(), every: 100 * time.Millisecond, quit: make(chan struct{})}
	activeMu.Lock()
	active = p
	activeMu.Unlock()
	p.wg.Add(1)
	go p.run()
	return p
}

// active is the progress line showing, if any: log lines clear it first
// (logWriter).
var (
	activeMu sync.Mutex
	active   *progress
)

// logWriter is stderr for log lines: a record written while a progress
// line shows clears that line first, and the progress redraws below it on
// its next tick, so the two never share a line.
type logWriter struct{}

func (logWriter) Write(b []byte) (int, error) {
	activeMu.Lock()
	p := active
	activeMu.Unlock()
	if p != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.shown > 0 {
			fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.shown))
			p.shown = 0
		}
	}
	return os.Stderr.Write(b)
}

func (p *progress) run() {
	defer p.wg.Done()
	t := time.NewTicker(p.every)
	defer t.Stop()
	for frame := 0; ; frame++ {
		p.mu.Lock()
		p.draw(frame)
		p.mu.Unlock()
		select {
		case <-p.quit:
			return
		case <-t.C:
		}
	}
}

// set records done steps and a note (the current status) for the next
// redraw.
func (p *progress) set(done int, note string) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	p.done, p.note = done, note
	p.mu.Unlock()
}

// resize sets the size of work whose end moves (a chain's head).
func (p *progress) resize(total int) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	p.total = total
	p.mu.Unlock()
}

// stop ends the progress line and clears it, leaving the terminal as it
// was for what the command prints next.
func (p *progress) stop() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	p.stopped = true
	p.mu.Unlock()
	activeMu.Lock()
	if active == p {
		active = nil
	}
	activeMu.Unlock()
	close(p.quit)
	p.wg.Wait()
	p.mu.Lock()
	fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.shown))
	p.mu.Unlock()
}

var spinner = []string{"|", "/", "-", `\`}

// maxProgressWidth keeps the line within a narrow terminal: a line that
// wraps cannot be redrawn in place.
const maxProgressWidth = 78

// draw redraws the line (p.mu held).
func (p *progress) draw(frame int) {
	elapsed := time.Since(p.start).Truncate(100 * time.Millisecond)
	var line string
	if p.total > 0 {
		// The counts, unless the note says where the work is.
		const width = 20
		fill := min(width, p.done*width/p.total)
		line = fmt.Sprintf("%s [%s%s] ", p.label, strings.Repeat("#", fill), strings.Repeat(".", width-fill))
		if p.note == "" {
			line += fmt.Sprintf("%d/%d ", p.done, p.total)
		}
		line += elapsed.String()
	} else {
		line = fmt.Sprintf("%s %s %s", p.label, spinner[frame%len(spinner)], elapsed)
	}
	if p.note != "" {
		line += " (" + p.note + ")"
	}
	if r := []rune(line); len(r) > maxProgressWidth {
		line = string(r[:maxProgressWidth])
	}
	pad := max(0, p.shown-len([]rune(line)))
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
	p.shown = len([]rune(line))
}
