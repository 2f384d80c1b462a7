package tools

import (
	"encoding/json"
	"strings"
	"testing"
)

// A tool whose parameters are not a usable JSON Schema is refused at construction,
// with a reason that says what is wrong and where.
func TestDefinitionWithBadParametersIsRefused(t *testing.T) {
	for _, c := range []struct{ params, want string }{
		{`{"type":"object","properties":{"id":{"type":5}}}`, "tool t: parameters are not a valid JSON Schema: at '/properties/id/type': got number, want a type name or an array of type names"},
		{`{"type":"object","properties":{"id":{"pattern":"(a"}}}`, "tool t: parameters are not a valid JSON Schema: at '/properties/id/pattern': invalid regular expression: missing closing ): `(a`"},
		{`{"type":"object","properties":{"n":{"minimum":"x"}}}`, "tool t: parameters are not a valid JSON Schema: at '/properties/n/minimum': got string, want number"},
		{`{"type":"object","properties":{"n":{"$ref":"#/$defs/nope"}}}`, "tool t: parameters are not a valid JSON Schema: at '': "},
		{`[1]`, "tool t: parameters must be a JSON Schema object"},
		{`true`, "tool t: parameters must be a JSON Schema object"},
		{`{"type":`, "tool t: parameters are not valid JSON: "},
	} {
		err := checkDefinition(Definition{Name: "t", Parameters: json.RawMessage(c.params)})
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("parameters %s: err = %v, want %q", c.params, err, c.want)
		}
	}
	if err := checkDefinition(Definition{Name: "t", Parameters: json.RawMessage(`{"type":"object"}`)}); err != nil {
		t.Errorf("good parameters refused: %v", err)
	}
}
