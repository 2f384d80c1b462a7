package scenario

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Summary counts a suite's results.
type Summary struct {
	Passed, Failed, Skipped int // Skipped counts skipped checks (judges on the simulator)
	Duration                time.Duration
}

// Summarize counts results.
func Summarize(rs []*Result, wall time.Duration) Summary {
	s := Summary{Duration: wall}
	for _, r := range rs {
		if r.Failed() {
			s.Failed++
		} else {
			s.Passed++
		}
		for _, c := range r.Checks {
			if c.Result == Skipped {
				s.Skipped++
			}
		}
	}
	return s
}

// Where names the place of a check: "step N", or for a check about the whole
// run the first word of What ("budget", "replay").
func (c Check) Where() string {
	if c.Step >= 0 {
		return fmt.Sprintf("step %d", c.Step+1)
	}
	where, _, _ := strings.Cut(c.What, ":")
	where, _, _ = strings.Cut(where, ".")
	return where
}

// ProgressLine is the one line printed as each run finishes.
func ProgressLine(r *Result) string {
	mark := "ok  "
	if r.Failed() {
		mark = "FAIL"
	}
	name := r.Name
	if r.Run > 1 {
		name += fmt.Sprintf(" (run %d)", r.Run)
	}
	return fmt.Sprintf("%s %s  %s  %s", mark, name, r.Path, r.Duration.Round(time.Millisecond))
}

// WriteText writes each failure with what was expected, what happened instead
// and an excerpt of the conversation, then the summary line.
func WriteText(w io.Writer, rs []*Result, s Summary) {
	for _, r := range rs {
		if !r.Failed() {
			continue
		}
		fmt.Fprintf(w, "\n--- FAIL: %s (%s)\n", r.Name, r.Path)
		if r.Error != "" {
			fmt.Fprintf(w, "    error: %s\n", r.Error)
		}
		for _, c := range r.Checks {
			if c.Result != Failed {
				continue
			}
			fmt.Fprintf(w, "    %s: expected %s\n        got: %s\n", c.Where(), c.What, c.Detail)
		}
		if len(r.Transcript) > 0 {
			fmt.Fprintf(w, "    conversation:\n")
			lines := r.Transcript
			if len(lines) > 12 {
				fmt.Fprintf(w, "      … %d earlier lines\n", len(lines)-12)
				lines = lines[len(lines)-12:]
			}
			for _, l := range lines {
				fmt.Fprintf(w, "      %s\n", clip(l))
			}
		}
	}
	fmt.Fprintf(w, "\n%d passed, %d failed", s.Passed, s.Failed)
	if s.Skipped > 0 {
		fmt.Fprintf(w, ", %d skipped", s.Skipped)
	}
	fmt.Fprintf(w, " in %s\n", s.Duration.Round(time.Millisecond))
}

// WriteJSONL writes one JSON object per run.
func WriteJSONL(w io.Writer, r *Result) error {
	return json.NewEncoder(w).Encode(struct {
		Type string `json:"type"`
		*Result
	}{"scenario", r})
}

// JUnit XML, in the shape CI systems render (testsuites > testsuite > testcase).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes the results as JUnit XML; suite names the testsuite
// (for example the shard).
func WriteJUnit(w io.Writer, suite string, rs []*Result, wall time.Duration) error {
	ts := junitSuite{Name: suite, Time: seconds(wall)}
	for _, r := range rs {
		name := r.Name
		if r.Run > 1 {
			name += fmt.Sprintf(" (run %d)", r.Run)
		}
		c := junitCase{Name: name, Classname: r.Path, Time: seconds(r.Duration)}
		var out []string
		for _, ch := range r.Checks {
			out = append(out, fmt.Sprintf("%s %s: %s %s", ch.Result, ch.Where(), ch.What, ch.Detail))
		}
		out = append(out, "", "conversation:")
		out = append(out, r.Transcript...)
		c.SystemOut = strings.Join(out, "\n")
		switch {
		case r.Error != "":
			c.Error = &junitProblem{Message: r.Error, Type: "error", Body: r.Error}
			ts.Errors++
		case r.Failed():
			var msgs, body []string
			for _, ch := range r.Checks {
				if ch.Result == Failed {
					msgs = append(msgs, ch.What)
					body = append(body, fmt.Sprintf("%s: expected %s\ngot: %s", ch.Where(), ch.What, ch.Detail))
				}
			}
			c.Failure = &junitProblem{Message: strings.Join(msgs, "; "), Type: "expectation", Body: strings.Join(body, "\n\n")}
			ts.Failures++
		}
		ts.Tests++
		ts.Cases = append(ts.Cases, c)
	}
	doc := junitSuites{Tests: ts.Tests, Failures: ts.Failures, Errors: ts.Errors, Time: ts.Time, Suites: []junitSuite{ts}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
