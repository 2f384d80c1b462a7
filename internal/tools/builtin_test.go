package tools

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestBuiltinNamesAndParameters(t *testing.T) {
	if got := BuiltinNames(); !slices.Equal(got, []string{"calculator", "clock", "echo"}) {
		t.Errorf("BuiltinNames = %v", got)
	}
	for _, name := range BuiltinNames() {
		p := BuiltinParameters(name)
		if _, err := compileParameters(p); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		tool, err := NewBuiltin(name, Definition{Name: "my_" + name})
		if err != nil {
			t.Fatal(err)
		}
		def := tool.Definition()
		if def.Name != "my_"+name || def.Description == "" || string(def.Parameters) != string(p) {
			t.Errorf("%s: definition %+v", name, def)
		}
	}
	if BuiltinParameters("nope") != nil {
		t.Error("parameters for an unknown builtin")
	}
	if _, err := NewBuiltin("nope", Definition{}); err == nil || !strings.Contains(err.Error(), "calculator, clock, echo") {
		t.Errorf("unknown builtin: %v", err)
	}
	// The returned schema is a copy: changing it changes nothing.
	p := BuiltinParameters("echo")
	p[0] = 'X'
	if BuiltinParameters("echo")[0] != '{' {
		t.Error("BuiltinParameters shares its bytes")
	}
}

func TestClock(t *testing.T) {
	fixed := time.Date(2025, 3, 9, 23, 30, 5, 0, time.UTC) // a Sunday in UTC
	tool := &clockTool{def: Definition{Name: "get_time", Parameters: BuiltinParameters("clock")}, now: func() time.Time { return fixed }}
	tests := []struct {
		args string
		want clockOutput
	}{
		{`{"timezone":"Asia/Tokyo"}`, clockOutput{"2025-03-10", "08:30:05", "Monday", "Asia/Tokyo", "+09:00", "2025-03-10T08:30:05+09:00"}},
		{`{"timezone":"America/New_York"}`, clockOutput{"2025-03-09", "19:30:05", "Sunday", "America/New_York", "-04:00", "2025-03-09T19:30:05-04:00"}},
		{`{"timezone":"UTC"}`, clockOutput{"2025-03-09", "23:30:05", "Sunday", "UTC", "+00:00", "2025-03-09T23:30:05Z"}},
	}
	for _, tc := range tests {
		res := Invoke(context.Background(), tool, tc.args)
		var got clockOutput
		if err := json.Unmarshal([]byte(res.Output), &got); err != nil || res.Err != nil {
			t.Fatalf("%s: %q %v", tc.args, res.Output, res.Err)
		}
		if got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.args, got, tc.want)
		}
	}
	for _, bad := range []string{"Mars/Olympus", "../../etc/passwd", "Local"} {
		res := Invoke(context.Background(), tool, `{"timezone":"`+bad+`"}`)
		if res.Err == nil || !strings.HasPrefix(res.Output, "Error running tool get_time: unknown time zone") {
			t.Errorf("%s: %q", bad, res.Output)
		}
	}
	// Without a time zone: the local one, with the real clock.
	real, _ := NewBuiltin("clock", Definition{})
	res := Invoke(context.Background(), real, "{}")
	var got clockOutput
	if err := json.Unmarshal([]byte(res.Output), &got); err != nil || got.Timezone == "" || got.Weekday == "" {
		t.Errorf("local clock: %q", res.Output)
	}
}

func TestCalculate(t *testing.T) {
	tests := []struct {
		expr, want string
	}{
		{"1 + 2", "3"},
		{"2 + 3 * 4", "14"},
		{"(2 + 3) * 4", "20"},
		{"10 / 4", "2.5"},
		{"10 - 2 - 3", "5"},
		{"100 / 10 / 5", "2"},
		{"7 % 3", "1"},
		{"-7 % 3", "-1"},
		{"5.5 % 2", "1.5"},
		{"2 ^ 10", "1024"},
		{"2 ** 3", "8"},
		{"2 ^ 3 ^ 2", "512"},
		{"-2 ^ 2", "-4"},
		{"(-2) ^ 2", "4"},
		{"2 ^ -1", "0.5"},
		{"-(3 + 4)", "-7"},
		{"--3", "3"},
		{"+3", "3"},
		{"3 * -2", "-6"},
		{".5 + 1.25", "1.75"},
		{"0.1 + 0.2", "0.30000000000000004"},
		{"  ( ( 1 ) )  ", "1"},
		{"1e3", ""}, // no exponent notation
		{"0 * -1", "0"},
		{"2 ^ 0.5", "1.4142135623730951"},
		{"1234567 * 1000000000", "1234567000000000"},
		{"99999999 * 99999999", "9999999800000000"},
		{"10 ^ 20", "100000000000000000000"},
		{"1 / 3", "0.3333333333333333"},
	}
	for _, tc := range tests {
		v, err := calculate(tc.expr)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%q: want an error, got %v", tc.expr, v)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		if got := formatNumber(v); got != tc.want {
			t.Errorf("%q = %s, want %s", tc.expr, got, tc.want)
		}
	}
}

func TestCalculateErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"1 / 0", "at position 3: division by zero"},
		{"1 / (2 - 2)", "at position 3: division by zero"},
		{"5 % 0", "at position 3: modulo by zero"},
		{"", "empty expression"},
		{"   ", "empty expression"},
		{"1 +", "at position 4: unexpected end of expression"},
		{"(1 + 2", "at position 7: missing )"},
		{"1 + 2)", `at position 6: unexpected ')'`},
		{"2 x 3", `at position 3: unexpected 'x'`},
		{"os.exit(1)", `at position 1: unexpected "o"`},
		{"1.2.3", `at position 4: unexpected '.'`},
		{".", "at position 1: malformed number"},
		{"10 ^ 400", "result is not a finite number"},
		{"(-8) ^ 0.5", "result is not a finite number"},
		{strings.Repeat("(", 200) + "1" + strings.Repeat(")", 200), "at position 130: expression nested deeper than 128"},
		{strings.Repeat("1+", 3000) + "1", "expression longer than 4096 characters"},
	}
	for _, tc := range tests {
		_, err := calculate(tc.expr)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%.30q: error %v, want %q", tc.expr, err, tc.want)
		}
	}
}

func TestCalculatorTool(t *testing.T) {
	tool, err := NewBuiltin("calculator", Definition{Name: "calc"})
	if err != nil {
		t.Fatal(err)
	}
	if res := Invoke(context.Background(), tool, `{"expression":"(1 + 2) * 3"}`); res.Output != "9" || res.Err != nil {
		t.Errorf("got %+v", res)
	}
	if res := Invoke(context.Background(), tool, `{"expression":"1/0"}`); res.Output != "Error running tool calc: at position 2: division by zero" {
		t.Errorf("got %q", res.Output)
	}
	if res := Invoke(context.Background(), tool, `{"expr":"1"}`); !strings.HasPrefix(res.Output, "Invalid arguments for tool calc: ") {
		t.Errorf("got %q", res.Output)
	}
}

func TestEcho(t *testing.T) {
	tool, err := NewBuiltin("echo", Definition{})
	if err != nil {
		t.Fatal(err)
	}
	if res := Invoke(context.Background(), tool, `{"text":"héllo <world> \"quoted\"\n"}`); res.Output != "héllo <world> \"quoted\"\n" {
		t.Errorf("got %q", res.Output)
	}
	if res := Invoke(context.Background(), tool, `{"text":3}`); !strings.HasPrefix(res.Output, "Invalid arguments for tool echo: at '/text'") {
		t.Errorf("got %q", res.Output)
	}
}
