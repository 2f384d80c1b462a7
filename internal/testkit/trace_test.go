package testkit

import "testing"

func TestReadTrace(t *testing.T) {
	data := []byte(`{"t_ms":1,"dir":"client","event":{"type":"session.update"}}
{"t_ms":2,"dir":"server","event":{"type":"session.updated","x":1}}

{"t_ms":3,"dir":"server","event":{"type":"response.done"}}
`)
	fs := ReadTrace(t, data)
	if len(fs) != 3 || fs[0].Type != "session.update" || fs[1].TMS != 2 || fs[2].Dir != "server" {
		t.Fatalf("frames %+v", fs)
	}
	if got := FramesOf(fs, "server", "response.done"); len(got) != 1 || string(got[0]) != `{"type":"response.done"}` {
		t.Fatalf("FramesOf = %q", got)
	}
	if got := FramesOf(fs, "server"); len(got) != 2 {
		t.Fatalf("all server frames: %d", len(got))
	}
}

// A frame the trace marked invalid, or a line that is not JSON, fails the test.
func TestReadTraceRejects(t *testing.T) {
	for _, line := range []string{`not json`, `{"t_ms":1,"dir":"server","invalid":"{oops"}`, `{"t_ms":1,"dir":"server"}`} {
		ft := &failRecorder{TB: t}
		func() {
			defer func() { _ = recover() }()
			ReadTrace(ft, []byte(line+"\n"))
		}()
		if !ft.failed {
			t.Errorf("accepted %s", line)
		}
	}
}
