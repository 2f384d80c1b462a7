package scenario

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/rtagent/rtagent"
	"github.com/rtagent/rtagent/internal/testkit"
)

// Every example scenario loads, and validates against the published schema (what
// an editor checks through the yaml-language-server comment).
func TestExamplesMatchTheSchema(t *testing.T) {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(rtagent.ScenarioSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("scenario.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("scenario.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	bad, _ := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(`{"name":"x","steps":[{"sya":"hi"}]}`)))
	if sch.Validate(bad) == nil {
		t.Fatal("the schema accepts a misspelt step")
	}
	files, err := Discover([]string{filepath.Join(testkit.Root(t), "examples", "tests")})
	if err != nil || len(files) == 0 {
		t.Fatalf("Discover = %v, %v", files, err)
	}
	for _, f := range files {
		if _, err := Load(f); err != nil {
			t.Errorf("%v", err)
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := yaml.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		js, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s does not match scenario.schema.json: %v", f, err)
		}
	}
}
