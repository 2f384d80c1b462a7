package toolschema

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestCompileRejectsBadSchemas(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{`{"type":5}`, "at '/type': got number, want a type name or an array of type names"},
		{`{"type":"object","properties":{"id":{"type":"strnig"}}}`, "at '/properties/id/type': value must be one of 'array', 'boolean', 'integer', 'null', 'number', 'object', 'string'"},
		{`{"type":["string","string"]}`, `at '/type': items must be unique, "string" appears twice`},
		{`{"properties":{"id":{"pattern":"(a"}}}`, "at '/properties/id/pattern': invalid regular expression: missing closing ): `(a`"},
		{`{"patternProperties":{"[":{}}}`, `at '/patternProperties': invalid regular expression "[": missing closing ]: ` + "`[`"},
		{`{"minimum":"x"}`, "at '/minimum': got string, want number"},
		{`{"minLength":-1}`, "at '/minLength': must not be negative, got -1"},
		{`{"maxItems":1.5}`, "at '/maxItems': got number, want integer"},
		{`{"multipleOf":0}`, "at '/multipleOf': must be greater than 0, got 0"},
		{`{"required":"id"}`, "at '/required': got string, want array of strings"},
		{`{"required":["a",1]}`, "at '/required/1': got number, want string"},
		{`{"properties":{"a":3}}`, "at '/properties/a': must be a schema (an object or a boolean), got number"},
		{`{"allOf":[]}`, "at '/allOf': must not be empty"},
		{`{"items":[{}]}`, "at '/items': must be a schema (an object or a boolean), got array"},
		{`{"$anchor":"1a"}`, `at '/$anchor': invalid anchor "1a"`},
		{`{"$schema":"http://json-schema.org/draft-04/schema#"}`, "at '/$schema': unsupported dialect"},
		{`{"$ref":"#/$defs/missing"}`, "missing"},
		{`{"$schema":"https://json-schema.org/draft/2019-09/schema","items":[{}]}`, "at '/items': must be a schema"},
		{`{"$schema":"https://json-schema.org/draft/2019-09/schema","$recursiveRef":"#"}`, "at '/$recursiveRef': draft 2019-09's recursive references are not supported"},
		{`{"$ref":"https://example.com/s.json"}`, "loading https://example.com/s.json: external references are not allowed"},
		{`[1]`, "at '': must be a schema (an object or a boolean), got array"},
		{`{"a":`, "not valid JSON"},
	} {
		_, err := Compile([]byte(c.doc))
		if err == nil {
			t.Errorf("Compile(%s) accepted a bad schema", c.doc)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Compile(%s) = %q, want it to contain %q", c.doc, err, c.want)
		}
	}
}

func TestCompileAcceptsGoodSchemas(t *testing.T) {
	for _, doc := range []string{
		`true`,
		`{}`,
		`{"type":"object","properties":{"id":{"type":"string","pattern":"^[A-Z]-[0-9]+$"},"n":{"type":["integer","null"],"minimum":1}},"required":["id"],"additionalProperties":false}`,
		`{"$defs":{"id":{"type":"string"}},"properties":{"a":{"$ref":"#/$defs/id"}}}`,
		`{"$schema":"http://json-schema.org/draft-07/schema#","definitions":{"x":{}},"items":[{"type":"string"}],"dependencies":{"a":["b"],"c":{"required":["d"]}}}`,
		`{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{}],"x-vendor":{"anything":[1]}}`,
		`{"$schema":"https://json-schema.org/draft/2019-09/schema","properties":{"a":{"type":"string"}}}`,
		`{"$schema":"http://json-schema.org/draft-06/schema#","items":[{"type":"string"}],"additionalItems":false}`,
		`{"$schema":"https://json-schema.org/draft-07/schema","items":[{"type":"string"}]}`,
		`{"minLength":2.0,"title":"t","examples":[1],"deprecated":false,"$anchor":"a_b-c.d"}`,
	} {
		s, err := Compile([]byte(doc))
		if err != nil {
			t.Errorf("Compile(%s) = %v, want nil", doc, err)
			continue
		}
		// A schema without references resolves on first use: what the shape check
		// passed, resolution must pass too.
		if err := s.resolve(); err != nil {
			t.Errorf("Compile(%s) passed but resolution failed: %v", doc, err)
		}
	}
}

// A schema compiles once per process: the same text gives the same *Schema, and a
// refused text the same error.
func TestCompileCaches(t *testing.T) {
	a, err1 := Compile([]byte(`{"type":"object","x-cache-test":1}`))
	b, err2 := Compile([]byte(`{"type":"object","x-cache-test":1}`))
	if err1 != nil || err2 != nil || a != b {
		t.Fatalf("Compile twice = %p %v, %p %v; want one schema", a, err1, b, err2)
	}
	_, err1 = Compile([]byte(`{"type":5,"x-cache-test":1}`))
	_, err2 = Compile([]byte(`{"type":5,"x-cache-test":1}`))
	if err1 == nil || err1 != err2 {
		t.Fatalf("Compile twice = %v, %v; want one error", err1, err2)
	}
}

// The dialects the library does not name are validated as their nearest one.
func TestOlderDialectsValidate(t *testing.T) {
	for _, c := range []struct{ doc, bad string }{
		{`{"$schema":"http://json-schema.org/draft-06/schema#","items":[{"type":"string"}],"additionalItems":false}`, `["a",1]`},
		{`{"$schema":"https://json-schema.org/draft-07/schema","items":[{"type":"string"}]}`, `[1]`},
		{`{"$schema":"https://json-schema.org/draft/2019-09/schema","properties":{"a":{"type":"string"}}}`, `{"a":1}`},
	} {
		s, err := Compile([]byte(c.doc))
		if err != nil {
			t.Fatalf("Compile(%s): %v", c.doc, err)
		}
		var v any
		_ = json.Unmarshal([]byte(c.bad), &v)
		if s.Validate(v) == nil {
			t.Errorf("%s accepted %s", c.doc, c.bad)
		}
	}
}

func TestValidateRefusesBadArguments(t *testing.T) {
	s, err := Compile([]byte(`{"type":"object","properties":{"order_id":{"type":"string","maxLength":8},` +
		`"qty":{"type":"integer","minimum":1},"addr":{"type":"object","properties":{"zip":{"type":"string"}}},` +
		`"tags":{"type":"array","items":{"$ref":"#/$defs/tag"}}},"$defs":{"tag":{"type":"string"}},` +
		`"required":["order_id"],"additionalProperties":false}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ args, want string }{
		{`{}`, "missing property 'order_id'"},
		{`{"order_id":42}`, "at '/order_id': got number, want string"},
		{`{"order_id":"A1","qty":0}`, "at '/qty': minimum: 0 is less than 1"},
		{`{"order_id":"A1","qty":1.5}`, "at '/qty': got number, want integer"},
		{`{"order_id":"A1","addr":{"zip":5}}`, "at '/addr/zip': got number, want string"},
		{`{"order_id":"A1","tags":[3]}`, "at schema '/$defs/tag': got number, want string"},
		{`{"order_id":"A1","x":1}`, "additional properties 'x' not allowed"},
		{`{"order_id":"` + strings.Repeat("A", 1000) + `"}`, "at '/order_id': maxLength:"},
	} {
		var v any
		if err := json.Unmarshal([]byte(c.args), &v); err != nil {
			t.Fatal(err)
		}
		err := s.Validate(v)
		if err == nil {
			t.Errorf("Validate(%.40s) accepted bad arguments", c.args)
			continue
		}
		if !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("Validate(%.40s) = %q, want it to start with %q", c.args, err, c.want)
		}
		if len(err.Error()) > maxReason+100 {
			t.Errorf("Validate(%.40s): reason is %d bytes long", c.args, len(err.Error()))
		}
	}
	var ok any
	_ = json.Unmarshal([]byte(`{"order_id":"A1","qty":2,"tags":["a"],"addr":{"zip":"75001"}}`), &ok)
	if err := s.Validate(ok); err != nil {
		t.Errorf("Validate(good arguments) = %v", err)
	}
}

func TestCompileErrorIsTyped(t *testing.T) {
	_, err := Compile([]byte(`{"type":5}`))
	var se *Error
	if !errors.As(err, &se) || se.Pointer != "/type" {
		t.Fatalf("Compile error = %#v, want an *Error at /type", err)
	}
}

func TestTidy(t *testing.T) {
	for in, want := range map[string]string{
		`required: missing properties: ["a" "b c"]`:              "missing properties 'a', 'b c'",
		`type: [1] has type "array", want one of "string, null"`: "got array, want string or null",
		`maximum: 3 is greater than 2.500000`:                    "maximum: 3 is greater than 2.5",
		`minimum: 3/2 is less than 2.000000`:                     "minimum: 1.5 is less than 2",
		`version 1.2 of x`:                                       "version 1.2 of x",
	} {
		if got := tidy(in); got != want {
			t.Errorf("tidy(%q) = %q, want %q", in, got, want)
		}
	}
}
