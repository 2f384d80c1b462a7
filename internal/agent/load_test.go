package agent

import (
	"encoding/json"
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func mustLoadExample(t *testing.T) *Config {
	t.Helper()
	cfg, err := Load("testdata/valid/agents.yaml", testOptions())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return cfg
}

func mustParse(t *testing.T, src string) *Config {
	t.Helper()
	cfg, err := Parse([]byte(src), "testdata/inline.yaml", testOptions())
	if err != nil {
		t.Fatalf("Parse:\n%v", err)
	}
	return cfg
}

func mustAgent(t *testing.T, cfg *Config, name string) *Agent {
	t.Helper()
	a, ok := cfg.Agent(name)
	if !ok {
		t.Fatalf("agent %q missing", name)
	}
	return a
}

func TestLoadExample(t *testing.T) {
	cfg := mustLoadExample(t)
	if got := len(cfg.Agents); got != 3 {
		t.Fatalf("%d agents, want 3", got)
	}
	start, err := cfg.StartAgent("")
	if err != nil || start.Name != "concierge" {
		t.Fatalf("StartAgent(\"\") = %v, %v; want concierge", start, err)
	}
	if a, err := cfg.StartAgent("billing"); err != nil || a.Name != "billing" {
		t.Fatalf("StartAgent(billing) = %v, %v", a, err)
	}
	if _, err := cfg.StartAgent("nobody"); err == nil || !strings.Contains(err.Error(), `unknown agent "nobody"`) {
		t.Fatalf("StartAgent(nobody) error = %v", err)
	}

	m := cfg.Model
	if m.Name != "gpt-realtime-2.1" || m.Voice != "marin" || m.TextOnly() || m.MaxOutputTokens != TokenLimitInf || m.Speed != 1.0 {
		t.Errorf("model = %+v", m)
	}
	if td := m.TurnDetection; td.Type != TurnSemanticVAD || td.Eagerness != "auto" || td.CreateResponse == nil || !*td.CreateResponse || td.Manual() {
		t.Errorf("turn detection = %+v", td)
	}
	if tr := m.Transcription; tr == nil || tr.Model != "gpt-4o-mini-transcribe" || tr.Language != "en" {
		t.Errorf("transcription = %+v", tr)
	}

	concierge := mustAgent(t, cfg, "concierge")
	clock, ok := concierge.Tool("get_time")
	if !ok || clock.Kind() != KindBuiltin || clock.Builtin != "clock" || clock.Timeout.D() != 30*time.Second || clock.MaxOutputBytes != 32768 {
		t.Errorf("get_time = %+v", clock)
	}
	lookup, _ := concierge.Tool("lookup_order")
	script, _ := filepath.Abs("testdata/valid/tools/lookup_order.sh")
	if want := []string{script, "--format", "json"}; !reflect.DeepEqual(lookup.Argv, want) {
		t.Errorf("lookup_order argv = %q, want %q", lookup.Argv, want)
	}
	if lookup.Command[0] != "./tools/lookup_order.sh" {
		t.Errorf("Command was rewritten: %q", lookup.Command)
	}
	dir, _ := filepath.Abs("testdata/valid")
	if lookup.Kind() != KindCommand || lookup.Timeout.D() != 5*time.Second || lookup.Dir != dir {
		t.Errorf("lookup_order = kind %s timeout %s dir %s", lookup.Kind(), lookup.Timeout, lookup.Dir)
	}
	env, err := lookup.Environ(func(k string) (string, bool) { return "tok-" + k, true })
	if err != nil || !reflect.DeepEqual(env, []string{"ORDER_API_TOKEN=tok-ORDER_API_TOKEN"}) {
		t.Errorf("Environ = %q, %v", env, err)
	}
	sch := lookup.ParametersSchema()
	if sch == nil {
		t.Fatal("lookup_order has no compiled schema")
	}
	if err := sch.Validate(map[string]any{"order_id": "A-1"}); err != nil {
		t.Errorf("valid arguments rejected: %v", err)
	}
	if err := sch.Validate(map[string]any{}); err == nil {
		t.Error("arguments without order_id accepted")
	}
	var params map[string]any
	if err := json.Unmarshal(lookup.ParametersJSON(), &params); err != nil || params["type"] != "object" {
		t.Errorf("ParametersJSON = %s, %v", lookup.ParametersJSON(), err)
	}

	wantHandoffs := []Handoff{
		{Agent: "billing", ToolName: "transfer_to_billing", Description: "Handoff to the billing agent to handle the request. Questions about invoices and refunds"},
		{Agent: "tech_support", ToolName: "transfer_to_tech_support", Description: "Transfer technical problems (devices, connectivity, apps)."},
	}
	if !reflect.DeepEqual(concierge.Handoffs, wantHandoffs) {
		t.Errorf("handoffs = %+v\nwant %+v", concierge.Handoffs, wantHandoffs)
	}
	if h, ok := concierge.HandoffByTool("transfer_to_billing"); !ok || h.Agent != "billing" {
		t.Errorf("HandoffByTool = %+v, %v", h, ok)
	}

	card := concierge.OutputGuardrails[0].Regexp()
	if card == nil || !card.MatchString("my card is 4111 1111 1111 1111") || card.MatchString("order A-1234") {
		t.Errorf("no_card_numbers regexp = %v", card)
	}
	var names []string
	for _, g := range cfg.OutputGuardrailsWith(concierge) {
		names = append(names, g.Name)
	}
	if !reflect.DeepEqual(names, []string{"no_card_numbers", "no_secrets"}) {
		t.Errorf("output guardrails with globals = %q", names)
	}

	billing := mustAgent(t, cfg, "billing")
	refund, _ := billing.Tool("issue_refund")
	if refund.Kind() != KindHTTP || !refund.NeedsApproval || refund.HTTP.Method != "POST" || refund.Timeout.D() != 10*time.Second {
		t.Errorf("issue_refund = %+v", refund)
	}
	if got := refund.HTTP.Headers["Authorization"]; got != "Bearer ${BILLING_API_KEY}" {
		t.Errorf("header template was expanded at load: %q", got)
	}
	h, err := refund.HTTP.Header(func(k string) (string, bool) {
		return map[string]string{"BILLING_API_KEY": "k123"}[k], k == "BILLING_API_KEY"
	})
	if err != nil || h.Get("Authorization") != "Bearer k123" {
		t.Errorf("Header() = %v, %v", h, err)
	}
	if _, err := refund.HTTP.Header(func(string) (string, bool) { return "", false }); err == nil || !strings.Contains(err.Error(), "BILLING_API_KEY is not set") {
		t.Errorf("Header() with unset env: %v", err)
	}
	if g := billing.InputGuardrails[0]; !reflect.DeepEqual(g.Argv, []string{"/bin/cat"}) || g.Timeout.D() != 2*time.Second {
		t.Errorf("no_threats guardrail = %+v", g)
	}
	if billing.Handoffs[0].ToolName != "transfer_to_concierge" || billing.ToolChoice != "auto" {
		t.Errorf("billing = %+v", billing)
	}

	tech := mustAgent(t, cfg, "tech_support")
	if tech.IsInterruptible() || !concierge.IsInterruptible() {
		t.Error("interruptible not honoured")
	}
	if tech.Handoffs[0].ToolName != "back_to_front_desk" {
		t.Errorf("tool_name override lost: %+v", tech.Handoffs[0])
	}
	if got := tech.Preamble("concierge"); got != "You now handle a technical problem; continue without greeting." {
		t.Errorf("Preamble override = %q", got)
	}
	if got := billing.Preamble("concierge"); !strings.HasPrefix(got, "The conversation was just transferred to you from concierge.") {
		t.Errorf("default Preamble = %q", got)
	}
	text, err := tech.RenderInstructions(cfg.Vars, testNow)
	if err != nil || text != "You are the technical support agent of Acme.\nToday is Sunday, 2026-03-01.\nAsk for the device model before suggesting fixes.\n" {
		t.Errorf("tech_support instructions = %q, %v", text, err)
	}

	if p, ok := cfg.Price("gpt-4o-mini-transcribe"); !ok || p.PerMinute != 0.003 || p.AudioIn != 0 {
		t.Errorf("file price must replace the built-in entry: %+v", p)
	}
	if p, ok := cfg.Price("gpt-realtime-mini"); !ok || p.AudioOut <= 0 {
		t.Errorf("built-in price missing: %+v", p)
	}
	if tbl := cfg.PriceTable(); tbl["gpt-realtime-2.1"].AudioOut != 64 || tbl["whisper-1"].PerMinute == 0 {
		t.Errorf("PriceTable = %+v", tbl)
	}
}

func TestRenderInstructionsVarsAndTime(t *testing.T) {
	cfg := mustLoadExample(t)
	a := mustAgent(t, cfg, "concierge")
	now := time.Date(2026, 7, 4, 9, 30, 0, 0, time.UTC)
	got, err := a.RenderInstructions(map[string]string{"company": "Globex"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := "You are the front desk of Globex. Today is 2026-07-04 (Saturday).\n"; !strings.HasPrefix(got, want) {
		t.Errorf("rendered %q, want prefix %q", got, want)
	}
	if _, err := a.RenderInstructions(nil, now); err == nil || !strings.Contains(err.Error(), `no entry for key "company"`) {
		t.Errorf("missing --var: err = %v", err)
	}

	cfg = mustParse(t, "agents:\n  - name: a\n    instructions: 'At {{ .Time }} on {{ .Weekday }}, {{ .Agent }} serves {{ index .Vars \"who\" }}.'\n")
	got, _ = cfg.Agents[0].RenderInstructions(map[string]string{"who": "you"}, now)
	if got != "At 09:30 on Saturday, a serves you." {
		t.Errorf("rendered %q", got)
	}
}

func TestVarsReachLoadTimeRendering(t *testing.T) {
	src := []byte("agents:\n  - name: a\n    instructions: 'Hello {{ .Vars.company }}'\n")
	if _, err := Parse(src, "a.yaml", LoadOptions{Vars: map[string]string{"company": "Acme"}}); err != nil {
		t.Fatalf("with --var company: %v", err)
	}
	_, err := Parse(src, "a.yaml", LoadOptions{})
	if err == nil || err.Error() != `a.yaml:3:34: agents[0].instructions: template: .Vars.company has no value: give --var company=VALUE` {
		t.Fatalf("without --var: %v", err)
	}
}

func TestDefaults(t *testing.T) {
	cfg := mustParse(t, `
agents:
  - name: a
    instructions: hi
    tools:
      - name: t
        builtin: echo
      - name: h
        http: { url: "https://x.example/y" }
      - name: c
        command: [cat]
    output_guardrails:
      - name: g
        command: [cat]
`)
	m := cfg.Model
	if m.Name != DefaultModel || m.Voice != DefaultVoice || !reflect.DeepEqual(m.OutputModalities, []string{"audio"}) || m.ToolChoice != "auto" {
		t.Errorf("model defaults = %+v", m)
	}
	if m.TurnDetection == nil || m.TurnDetection.Type != TurnSemanticVAD || m.TurnDetection.CreateResponse != nil || m.TurnDetection.InterruptResponse != nil {
		t.Errorf("turn detection default = %+v (create/interrupt must stay unset)", m.TurnDetection)
	}
	if m.Transcription == nil || m.Transcription.Model != DefaultTranscriptionModel {
		t.Errorf("transcription default = %+v", m.Transcription)
	}
	if m.MaxOutputTokens != 0 || m.Speed != 0 || m.NoiseReduction != "" {
		t.Errorf("optional settings must stay unset: %+v", m)
	}
	if g := cfg.Guardrails; g.DebounceTextLength != 100 || g.InputMode != InputModeBestEffort {
		t.Errorf("guardrail defaults = %+v", g)
	}
	if cfg.DefaultAgent != "a" || cfg.Endpoint != nil {
		t.Errorf("default_agent = %q, endpoint = %v", cfg.DefaultAgent, cfg.Endpoint)
	}
	a := &cfg.Agents[0]
	if !a.IsInterruptible() || a.ToolChoice != "auto" || a.HandoffPreamble != nil {
		t.Errorf("agent defaults = %+v", a)
	}
	for _, tool := range a.Tools {
		if tool.Timeout != DefaultToolTimeout || tool.MaxOutputBytes != DefaultMaxOutputBytes {
			t.Errorf("%s: timeout %s max %d", tool.Name, tool.Timeout, tool.MaxOutputBytes)
		}
		want := `{"properties":{},"type":"object"}`
		if tool.Builtin != "" { // a builtin describes its own arguments
			want = `{"additionalProperties":false,"properties":{"text":{"description":"The text to return.","type":"string"}},"required":["text"],"type":"object"}`
		}
		if got := string(tool.ParametersJSON()); got != want {
			t.Errorf("%s: default parameters %s, want %s", tool.Name, got, want)
		}
	}
	if a.Tools[1].HTTP.Method != "POST" {
		t.Errorf("http method default = %q", a.Tools[1].HTTP.Method)
	}
	if a.Tools[2].Argv[0] == "cat" || !filepath.IsAbs(a.Tools[2].Argv[0]) {
		t.Errorf("bare program not resolved through PATH: %q", a.Tools[2].Argv)
	}
	if g := a.OutputGuardrails[0]; g.Timeout != DefaultGuardrailTimeout || !filepath.IsAbs(g.Argv[0]) {
		t.Errorf("guardrail defaults = %+v", g)
	}
}

func TestSwitchingOff(t *testing.T) {
	for name, model := range map[string]string{
		"transcription null":    "transcription: null\n  turn_detection: null",
		"transcription enabled": "transcription: {enabled: false}\n  turn_detection: {type: none}",
	} {
		t.Run(name, func(t *testing.T) {
			cfg := mustParse(t, "model:\n  "+model+"\nagents: [{name: a, instructions: hi}]\n")
			if cfg.Model.Transcription != nil {
				t.Errorf("transcription = %+v, want off (nil)", cfg.Model.Transcription)
			}
			if !cfg.Model.TurnDetection.Manual() || cfg.Model.TurnDetection.Type != TurnNone {
				t.Errorf("turn detection = %+v, want manual", cfg.Model.TurnDetection)
			}
		})
	}
}

func TestScalarShapes(t *testing.T) {
	cfg := mustParse(t, `
model:
  output_modalities: [text]
  max_output_tokens: 4096
  turn_detection: {type: server_vad, threshold: 0, idle_timeout_ms: 5000, create_response: false}
agents:
  - name: a
    instructions: hi
    interruptible: false
    handoff_preamble: ""
`)
	m := cfg.Model
	if !m.TextOnly() || m.MaxOutputTokens != 4096 {
		t.Errorf("model = %+v", m)
	}
	td := m.TurnDetection
	if td.Threshold == nil || *td.Threshold != 0 || *td.IdleTimeoutMS != 5000 || td.CreateResponse == nil || *td.CreateResponse || td.InterruptResponse != nil {
		t.Errorf("unset must differ from false/0: %+v", td)
	}
	if a := cfg.Agents[0]; a.IsInterruptible() || a.Preamble("x") != "" {
		t.Errorf("explicit false / empty preamble lost: %+v", a)
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	cfg := mustParse(t, `
agents:
  - name: a
    instructions: hi
    tools:
      - &lookup {name: one, description: shared, command: [/bin/cat, -u], timeout: 3s}
      - <<: *lookup
        name: two
        timeout: 9s
    output_guardrails:
      - &cards {name: cards, deny_regex: '\d{16}'}
  - name: b
    instructions: hi
    output_guardrails: [*cards]
`)
	one, two := cfg.Agents[0].Tools[0], cfg.Agents[0].Tools[1]
	if one.Name != "one" || one.Timeout.D() != 3*time.Second {
		t.Errorf("anchored tool = %+v", one)
	}
	if two.Name != "two" || two.Description != "shared" || two.Timeout.D() != 9*time.Second || !reflect.DeepEqual(two.Argv, []string{"/bin/cat", "-u"}) {
		t.Errorf("merged tool = %+v", two)
	}
	if g := cfg.Agents[1].OutputGuardrails; len(g) != 1 || g[0].Regexp() == nil || !g[0].Regexp().MatchString("1234567812345678") {
		t.Errorf("aliased guardrail = %+v", g)
	}
}

func TestAnchorsAndMergeKeysNeedKnownTopLevel(t *testing.T) {
	// x-defaults is not a field: unknown keys are errors even for anchors.
	_, err := Parse([]byte("x-defaults: &d {timeout: 3s}\nagents: [{name: a, instructions: hi}]\n"), "a.yaml", LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), `a.yaml:1:1: x-defaults: unknown field "x-defaults"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestLookPathInjected(t *testing.T) {
	var asked []string
	opts := LoadOptions{LookPath: func(p string) (string, error) {
		asked = append(asked, p)
		if strings.HasSuffix(p, "missing") {
			return "", fs.ErrNotExist
		}
		return "/fake/bin/" + filepath.Base(p), nil
	}}
	src := "agents:\n  - name: a\n    instructions: hi\n    tools:\n      - {name: p, command: [python3, x.py]}\n      - {name: r, command: [scripts/run, -v]}\n      - {name: m, command: [./missing]}\n"
	_, err := Parse([]byte(src), "/cfg/agents.yaml", opts)
	if want := []string{"python3", "/cfg/scripts/run", "/cfg/missing"}; !reflect.DeepEqual(asked, want) {
		t.Errorf("LookPath asked %q, want %q", asked, want)
	}
	if err == nil || err.Error() != `/cfg/agents.yaml:7:29: agents[0].tools[2].command[0]: program "./missing" not found` {
		t.Errorf("err = %v", err)
	}
	asked = nil
	cfg, err := Parse([]byte(strings.Replace(src, "./missing", "true", 1)), "/cfg/agents.yaml", opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Agents[0].Tools[1].Argv; !reflect.DeepEqual(got, []string{"/fake/bin/run", "-v"}) {
		t.Errorf("argv = %q", got)
	}
}

func TestSecretsNeverEchoed(t *testing.T) {
	const secret = "sk-live-SECRET123"
	src := `
endpoint:
  url: "ftp://host.example/realtime?api-key=` + secret + `"
  headers:
    Authorization: "Bearer ` + secret + ` ${UNTERMINATED"
agents:
  - name: a
    instructions: hi
    tools:
      - name: t
        http:
          url: "https://api.example/x?key=` + secret + `"
          headers: {X-Key: "` + secret + `${}"}
`
	_, err := Parse([]byte(src), "a.yaml", LoadOptions{})
	if err == nil {
		t.Fatal("invalid file accepted")
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("error echoes a secret:\n%v", err)
	}
	if n := len(err.(Errors)); n != 3 {
		t.Errorf("%d errors, want 3:\n%v", n, err)
	}
}

func TestLoadErrorsWithoutPosition(t *testing.T) {
	_, err := Load("testdata/does-not-exist.yaml", LoadOptions{})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	var errs Errors
	if errors.As(err, &errs) {
		t.Error("an unreadable file is not a validation error")
	}
	e := &ValidationError{File: "a.yaml", Path: "agents", Msg: "x"}
	if e.Error() != "a.yaml: agents: x" {
		t.Errorf("format without line: %q", e.Error())
	}
	e = &ValidationError{File: "a.yaml", Line: 3, Msg: "bad"}
	if e.Error() != "a.yaml:3: bad" {
		t.Errorf("format without column/path: %q", e.Error())
	}
}

// An HTTP header (or endpoint header) that reads an unset variable is valid, but
// UnsetEnv names it so validation can warn before a call fails.
func TestUnsetEnvInHeaders(t *testing.T) {
	src := "endpoint: { url: 'wss://x.example/v1', headers: { X-Key: '${ENDPOINT_KEY}' } }\n" +
		"agents:\n  - name: a\n    instructions: hi\n    tools:\n" +
		"      - name: book\n        http: { url: 'https://hotel.example/book', headers: { Authorization: 'Bearer ${HOTEL_TOKEN}', X-Set: '${SET_ONE}' } }\n"
	cfg, err := Parse([]byte(src), "a.yaml", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.UnsetEnv(func(k string) (string, bool) { return "v", k == "SET_ONE" })
	want := []string{
		"endpoint.headers.X-Key uses ${ENDPOINT_KEY}, which is not set",
		"agents[0].tools[0].http.headers.Authorization uses ${HOTEL_TOKEN}, which is not set",
	}
	if !slices.Equal(got, want) {
		t.Errorf("UnsetEnv:\n%q\nwant\n%q", got, want)
	}
}
