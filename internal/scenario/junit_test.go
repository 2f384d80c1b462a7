package scenario

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// xmlNode is a parsed XML element.
type xmlNode struct {
	name     string
	attrs    map[string]string
	children []*xmlNode
	text     string
}

func parseXML(data []byte) (*xmlNode, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: t.Name.Local, attrs: map[string]string{}}
			for _, a := range t.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root == nil {
				root = n
			} else {
				return nil, errors.New("more than one root element")
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// junitRule is one element of the common JUnit XML schema: the junit-10.xsd that
// Jenkins' xUnit plugin validates reports against (the schema GitLab, GitHub
// test reporters and most CI renderers accept), restated as data.
type junitRule struct {
	required, optional []string
	children           []string // allowed child elements; nil: text only
}

var surefireTime = regexp.MustCompile(`^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$`)

var junitRules = map[string]junitRule{
	"testsuites": {optional: []string{"name", "time", "tests", "failures", "errors"}, children: []string{"testsuite"}},
	"testsuite": {
		required: []string{"name", "tests", "failures", "errors"},
		optional: []string{"group", "time", "skipped", "timestamp", "hostname", "id", "package", "file", "log", "url"},
		children: []string{"testsuite", "properties", "testcase", "system-out", "system-err"},
	},
	"testcase": {
		required: []string{"name"},
		optional: []string{"time", "classname", "group"},
		children: []string{"skipped", "error", "failure", "rerunFailure", "rerunError", "flakyFailure", "flakyError", "system-out", "system-err"},
	},
	"failure":    {optional: []string{"type", "message"}},
	"error":      {optional: []string{"type", "message"}},
	"skipped":    {optional: []string{"type", "message"}},
	"system-out": {},
	"system-err": {},
}

// validateJUnit checks n against junitRules, and the counts CI renderers rely on.
func validateJUnit(n *xmlNode, path string) []string {
	var errs []string
	rule, ok := junitRules[n.name]
	if !ok {
		return []string{path + ": element " + n.name + " is not in the schema"}
	}
	for _, a := range rule.required {
		if _, ok := n.attrs[a]; !ok {
			errs = append(errs, fmt.Sprintf("%s: missing required attribute %s", path, a))
		}
	}
	for a, v := range n.attrs {
		if !slices.Contains(rule.required, a) && !slices.Contains(rule.optional, a) {
			errs = append(errs, fmt.Sprintf("%s: attribute %s is not allowed", path, a))
		}
		if a == "time" && (n.name == "testsuite" || n.name == "testsuites") && !surefireTime.MatchString(v) {
			errs = append(errs, fmt.Sprintf("%s: time %q is not a SUREFIRE_TIME", path, v))
		}
	}
	if rule.children == nil && len(n.children) > 0 {
		errs = append(errs, path+": must hold text only")
	}
	for i, c := range n.children {
		cp := fmt.Sprintf("%s/%s[%d]", path, c.name, i)
		if !slices.Contains(rule.children, c.name) {
			errs = append(errs, fmt.Sprintf("%s: %s may not contain %s", path, n.name, c.name))
			continue
		}
		errs = append(errs, validateJUnit(c, cp)...)
	}
	if n.name == "testsuite" || n.name == "testsuites" {
		var tests, failures, errors int
		var count func(*xmlNode)
		count = func(x *xmlNode) {
			for _, c := range x.children {
				switch c.name {
				case "testcase":
					tests++
					for _, p := range c.children {
						switch p.name {
						case "failure":
							failures++
						case "error":
							errors++
						}
					}
				case "testsuite":
					count(c)
				}
			}
		}
		count(n)
		for attr, want := range map[string]int{"tests": tests, "failures": failures, "errors": errors} {
			if v, ok := n.attrs[attr]; ok && v != strconv.Itoa(want) {
				errs = append(errs, fmt.Sprintf("%s: %s=%q, but it holds %d", path, attr, v, want))
			}
		}
	}
	return errs
}

// The JUnit report validates against the common JUnit XML schema, with the
// counts matching its test cases; text that needs escaping survives.
func TestJUnitValidatesAgainstTheCommonSchema(t *testing.T) {
	rs := []*Result{
		{Name: "passes", Path: "a.test.yaml", Run: 1, Status: Passed, Duration: 1500 * time.Millisecond,
			Checks:     []Check{{Step: 0, What: "handoff: billing", Result: Passed}, {Step: 1, What: "judge: polite", Result: Skipped, Detail: "no judge"}},
			Transcript: []string{"you: hello", "concierge: You said: hello"}},
		{Name: "fails <&> \"quoted\"", Path: "b.test.yaml", Run: 1, Status: Failed,
			Checks: []Check{{Step: 0, What: "transcript", Result: Failed, Detail: `does not contain "x & <y>"`},
				{Step: -1, What: "budget.cost: $0.0100", Result: Failed, Detail: "cost $0.0200"}}},
		{Name: "errors", Path: "c.test.yaml", Run: 2, Status: Failed, Error: "timed out after 30s waiting for the answer"},
	}
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, "rtagent test (shard 1/2)", rs, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	root, err := parseXML(buf.Bytes())
	if err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, buf.String())
	}
	if root.name != "testsuites" {
		t.Fatalf("root element %s, want testsuites", root.name)
	}
	if errs := validateJUnit(root, "/testsuites"); len(errs) > 0 {
		t.Fatalf("invalid JUnit XML:\n%s\n%s", strings.Join(errs, "\n"), buf.String())
	}
	cases := root.children[0].children
	if got := cases[1].attrs["name"]; got != `fails <&> "quoted"` {
		t.Errorf("escaped name came back as %q", got)
	}
	if f := cases[1].children[0]; f.name != "failure" || !strings.Contains(f.text, "budget: expected budget.cost") || !strings.Contains(f.text, `"x & <y>"`) {
		t.Errorf("failure element: %s %q", f.name, f.text)
	}

	// The validator itself rejects what the schema forbids.
	bad, _ := parseXML([]byte(`<testsuites skipped="0"><testsuite name="x" tests="2" failures="0"><testcase/></testsuite></testsuites>`))
	if errs := validateJUnit(bad, "/testsuites"); len(errs) < 4 {
		t.Fatalf("the validator missed problems: %v", errs)
	}
}
