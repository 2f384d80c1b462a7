package conformance

import (
	"strings"
	"testing"

	"github.com/rtagent/rtagent/internal/guardrail"
	"github.com/rtagent/rtagent/internal/session"
	"github.com/rtagent/rtagent/internal/tools"
)

// ccase is one restated reference behaviour.
type ccase struct {
	name string
	ref  string // reference test(s) restated; "issue 9" for rtagent's own regressions
	rule string // PROTOCOL rule id guarded
	su   func() setup
	run  func(t *testing.T, r *run)
}

const py = "openai-agents-python tests/realtime/"
const js = "openai-agents-js packages/agents-realtime/test/"

// pcm bytes for ms milliseconds at 24 kHz PCM16 (R7.1).
func pcm(ms int) int { return ms * 48 }

var cases = []ccase{
	// ── Session and errors ────────────────────────────────────────────────
	{name: "handshake_ready", ref: py + "test_openai_realtime.py::TestConnectionLifecycle::test_connect_with_string_api_key", rule: "R1.12",
		run: func(t *testing.T, r *run) {
			f := r.sv.received()[0]
			if f.typ() != "session.update" || f.str("session", "type") != "realtime" {
				fail(t, "first client frame %v, want a realtime session.update", f)
			}
			if len(eventsOf[session.SessionReady](r.events())) != 1 {
				fail(t, "want one session_ready")
			}
		}},
	{name: "session_update_turn_detection", ref: py + "test_openai_realtime.py::TestConnectionLifecycle::test_session_update_disable_turn_detection", rule: "R2.1",
		run: func(t *testing.T, r *run) {
			f := r.sv.received()[0]
			if f.str("session", "audio", "input", "turn_detection", "type") != "server_vad" || f.str("session", "audio", "output", "format", "type") != "audio/pcm" {
				fail(t, "session.update audio config %v", f.at("session", "audio"))
			}
		}},
	{name: "bare_session_events_ack", ref: "issue 9 #8; " + py + "test_openai_realtime.py::TestEventHandlingRobustness::test_handle_invalid_event_schema_logs_error", rule: "R1.12",
		su: func() setup { return setup{bare: true} },
		run: func(t *testing.T, r *run) {
			r.sv.send(audioTurn("r1", "m1", "hi", pcm(100))...)
			r.waitFinal("")
		}},
	{name: "unknown_event_ignored", ref: py + "test_openai_realtime.py::TestEventHandlingRobustness::test_handle_unknown_event_type_ignored", rule: "R4.4",
		run: func(t *testing.T, r *run) {
			r.sv.send(`{"type":"response.brand_new_event","foo":1}`)
			r.barrier()
			if errs := errorsExcept(r.events()); len(errs) != 0 {
				fail(t, "errors for an unknown event: %+v", errs)
			}
		}},
	{name: "malformed_json_continues", ref: py + "test_openai_realtime.py::TestEventHandlingRobustness::test_handle_malformed_json_logs_error_continues", rule: "R4.4",
		run: func(t *testing.T, r *run) {
			r.sv.send(`{"type":"response.created",`)
			r.sv.send(audioTurn("r1", "m1", "still here", pcm(50))...)
			r.waitFinal("still here")
		}},
	{name: "server_error_not_fatal", ref: py + "test_session.py::TestEventHandling::test_error_event_transformation; " + js + "openaiRealtimeBase.test.ts::emits error events when server reports errors", rule: "R4.4",
		run: func(t *testing.T, r *run) {
			r.sv.send(serverError("invalid_value", "bad value", ""))
			e := r.waitEvent("error", func(e session.Event) bool { er, ok := e.(session.Error); return ok && er.Code == "invalid_value" }).(session.Error)
			if e.Fatal || e.Message != "bad value" || e.Source != session.SourceServer {
				fail(t, "error = %+v", e)
			}
			r.sv.send(audioTurn("r1", "m1", "ok", pcm(50))...)
			r.waitFinal("")
		}},
	{name: "rejected_text_waits_for_answer", ref: "issue 9 #6; " + js + "openaiRealtimeBase.test.ts::emits error events when server reports errors", rule: "R6.5",
		su: func() setup { return setup{text: true} },
		run: func(t *testing.T, r *run) {
			f := r.sendText("hello", "hello")
			r.sv.expect("response.create", nil)
			// S refuses the item but still answers the response.create already sent.
			r.sv.send(serverError("string_above_max_length", "string too long", f.str("event_id")))
			e := r.waitEvent("the refusal", func(e session.Event) bool {
				er, ok := e.(session.Error)
				return ok && er.Code == "string_above_max_length"
			}).(session.Error)
			if e.Command != "send_user_text" || !e.Unanswered() || e.Fatal {
				fail(t, "refusal %+v: want command send_user_text, unanswered, not fatal", e)
			}
			r.barrier()
			for _, ev := range r.events() {
				if idle, ok := ev.(session.Idle); ok && idle.Turns == 1 {
					fail(t, "idle while the answer to the create already sent is still due: %s", evTypes(r.events()))
				}
			}
			r.sv.send(textTurn("r1", "m1", "How can I help?")...)
			r.waitEvent("idle after the answer", func(e session.Event) bool { idle, ok := e.(session.Idle); return ok && idle.Turns == 1 })
			if len(finals(r.events(), "assistant")) != 1 {
				fail(t, "the answer that arrived was not shown: %s", evTypes(r.events()))
			}
		}},
	{name: "invalid_utf8_text_sent_valid", ref: "issue 9 #7; " + py + "test_openai_realtime.py::TestSendEventAndConfig::test_send_user_input_defers_response_create_without_blocking_caller", rule: "R6.4",
		su: func() setup { return setup{text: true} },
		run: func(t *testing.T, r *run) {
			fa := r.sendText("a", "a")
			r.sv.expect("response.create", nil)
			// A second text while the first create is in flight; its byte 0xE9 is not UTF-8.
			fb := r.sendText("caf\xe9", "caf\uFFFD")
			r.ack(fa, "u_1")
			r.ack(fb, "u_2")
			// The response S creates covers both acknowledged texts (R6.4): no second create.
			r.sv.send(textTurn("r1", "m1", "Hi!")...)
			r.waitEvent("idle after both texts", func(e session.Event) bool { idle, ok := e.(session.Idle); return ok && idle.Turns == 2 })
			r.barrier()
			if n := len(r.sv.count("response.create")); n != 1 {
				fail(t, "%d response.create, want 1: the text sent was not the text acknowledged", n)
			}
		}},
	{name: "cancel_not_active_silent", ref: py + "test_openai_realtime.py::TestSendEventAndConfig::test_response_only_interrupt_skips_cancel_after_response_done", rule: "R6.3",
		run: func(t *testing.T, r *run) {
			r.sv.send(serverError("response_cancel_not_active", "Cancellation failed: no active response found", ""))
			r.barrier()
			if errs := errorsExcept(r.events()); len(errs) != 0 {
				fail(t, "response_cancel_not_active surfaced: %+v", errs)
			}
		}},
	{name: "one_response_at_a_time", ref: py + "test_openai_realtime.py::TestSendEventAndConfig::test_send_user_input_defers_response_create_without_blocking_caller; " + js + "openaiRealtimeWebsocket.test.ts::defers follow-up response.create until response.done after interrupt", rule: "R6.1",
		run: func(t *testing.T, r *run) {
			r.sv.send(respCreated("r1"))
			r.barrier()
			r.ack(r.sendText("next", "next"), "u1")
			r.barrier()
			if n := len(r.sv.count("response.create")); n != 0 {
				fail(t, "%d response.create while r1 is active", n)
			}
			r.sv.send(respDone("r1", "completed", ""))
			r.sv.expect("response.create", nil)
		}},

	// ── Audio, playback tracking, truncation ──────────────────────────────
	{name: "audio_delta_to_sink", ref: py + "test_openai_realtime.py::TestEventHandlingRobustness::test_handle_audio_delta_event_success", rule: "R7.2",
		run: func(t *testing.T, r *run) {
			r.sv.send(audioTurn("r1", "m1", "hi", pcm(200))...)
			r.waitAgentEnd()
			_, n, _ := r.sink.Counts()
			if n != pcm(200) {
				fail(t, "sink got %d bytes, want %d", n, pcm(200))
			}
		}},
	{name: "vad_barge_in_truncates_at_played", ref: py + "test_openai_realtime.py::TestEventHandlingRobustness::test_speech_started_truncates_when_response_ongoing; " + py + "test_playback_tracker.py", rule: "R7.6",
		run: func(t *testing.T, r *run) {
			r.sv.send(respCreated("r1"))
			r.sv.send(msgAdded("r1", "m1", "")...)
			r.sv.send(audioDelta("r1", "m1", pcm(1000)))
			r.barrier()
			r.sink.play("r1", "m1", pcm(400))
			r.sv.send(speechStarted("u1", 1000))
			f := r.sv.expect("conversation.item.truncate", nil)
			if f.str("item_id") != "m1" || f.num("audio_end_ms") != 400 {
				fail(t, "truncate %v, want m1 at 400 ms", f)
			}
			r.barrier()
			if n := len(r.sv.count("response.cancel")); n != 0 {
				fail(t, "%d response.cancel: the server cancels on interrupt_response (R7.7)", n)
			}
			ai := r.waitEvent("audio_interrupted", func(e session.Event) bool { _, ok := e.(session.AudioInterrupted); return ok }).(session.AudioInterrupted)
			if ai.PlayedMS != 400 || ai.Reason != session.ReasonBargeIn {
				fail(t, "audio_interrupted %+v", ai)
			}
		}},
	{name: "barge_in_after_complete_audio_skips", ref: py + "test_openai_realtime.py::TestEventHandlingRobustness::test_speech_started_skips_truncate_when_audio_complete; " + js + "openaiRealtimeWebsocket.test.ts::does not send truncate events once audio playback completed", rule: "R7.5",
		run: func(t *testing.T, r *run) {
			r.sv.send(audioTurn("r1", "m1", "done", pcm(300))...)
			r.waitAgentEnd()
			r.sv.send(speechStarted("u1", 2000))
			r.barrier()
			if n := len(r.sv.count("conversation.item.truncate")); n != 0 {
				fail(t, "%d truncates after the audio was heard in full", n)
			}
			if n := len(eventsOf[session.AudioInterrupted](r.events())); n != 0 {
				fail(t, "audio_interrupted while silent (agents-js#523)")
			}
		}},
	{name: "barge_in_after_underrun_truncates", ref: "issue 9 #2; " + py + "test_openai_realtime.py::TestEventHandlingRobustness::test_speech_started_truncates_when_response_ongoing", rule: "R7.5",
		run: func(t *testing.T, r *run) {
			r.sv.send(respCreated("r1"))
			r.sv.send(msgAdded("r1", "m1", "")...)
			r.sv.send(audioDelta("r1", "m1", pcm(500)))
			r.barrier() // the sink is idle: everything received was played
			r.sv.send(speechStarted("u1", 600))
			f := r.sv.expect("conversation.item.truncate", nil)
			if f.num("audio_end_ms") != 500 {
				fail(t, "truncate at %v, want the received 500 ms", f.num("audio_end_ms"))
			}
			r.waitEvent("audio_interrupted", func(e session.Event) bool { _, ok := e.(session.AudioInterrupted); return ok })
		}},
	{name: "interrupt_at_zero", ref: py + "test_openai_realtime.py::TestSendEventAndConfig::test_interrupt_truncates_at_zero_when_no_time_has_elapsed", rule: "R7.5",
		run: func(t *testing.T, r *run) {
			r.speaking()
			r.sink.play("r1", "m1", 0)
			r.s.Interrupt(session.ReasonManual)
			f := r.sv.expect("conversation.item.truncate", nil)
			if f.num("audio_end_ms") != 0 {
				fail(t, "truncate at %v, want 0", f.num("audio_end_ms"))
			}
		}},
	{name: "manual_interrupt_forces_cancel", ref: py + "test_openai_realtime.py::TestSendEventAndConfig::test_interrupt_force_cancel_overrides_auto_cancellation", rule: "R7.7",
		run: func(t *testing.T, r *run) {
			r.speaking()
			r.sink.play("r1", "m1", pcm(100))
			r.s.Interrupt(session.ReasonManual)
			r.sv.expect("response.cancel", nil)
			fs := r.sv.received()
			ci, ti := -1, -1
			for i, f := range fs {
				switch f.typ() {
				case "response.cancel":
					ci = i
				case "conversation.item.truncate":
					ti = i
				}
			}
			if ti >= 0 && ti < ci {
				fail(t, "truncate before cancel (R7.6 step 4-5): %s", types(fs))
			}
		}},
	{name: "no_server_cancel_client_cancels", ref: py + "test_openai_realtime.py::TestSendEventAndConfig::test_interrupt_honors_falsy_present_session_auto_cancellation", rule: "R7.7",
		su: func() setup { return setup{noBargeIn: true} },
		run: func(t *testing.T, r *run) {
			r.speaking()
			r.sink.play("r1", "m1", pcm(100))
			r.sv.send(speechStarted("u1", 100))
			r.sv.expect("response.cancel", nil)
		}},
	{name: "late_audio_dropped", ref: py + "test_session.py::TestGuardrailFunctionality::test_interrupted_response_audio_delta_is_not_forwarded", rule: "R7.10",
		run: func(t *testing.T, r *run) {
			r.speaking()
			r.sink.play("r1", "m1", pcm(100))
			r.s.Interrupt(session.ReasonManual)
			r.sv.expect("response.cancel", nil)
			r.sv.send(audioDelta("r1", "m1", pcm(300)))
			r.barrier()
			_, got, _ := r.sink.Counts()
			if want := pcm(300); got != want {
				fail(t, "%d audio bytes reached the sink, want only the %d before the interrupt", got, want)
			}
		}},
	{name: "truncate_clamped_to_received", ref: py + "test_playback_tracker.py; " + py + "test_openai_realtime.py::TestSendEventAndConfig::test_interrupt_skips_truncate_when_elapsed_is_negative; " + js + "openaiRealtimeWebsocket.test.ts::_interrupt clamps overshoot elapsedTime", rule: "R7.4",
		run: func(t *testing.T, r *run) {
			r.sv.send(respCreated("r1"))
			r.sv.send(msgAdded("r1", "m1", "")...)
			r.sv.send(audioDelta("r1", "m1", pcm(200)))
			r.barrier()
			r.sink.play("r1", "m1", pcm(900)) // a clock that ran ahead
			r.s.Interrupt(session.ReasonManual)
			if f := r.sv.expect("conversation.item.truncate", nil); f.num("audio_end_ms") != 200 {
				fail(t, "truncate at %v, want clamped to 200", f.num("audio_end_ms"))
			}
		}},
	{name: "truncated_item_retrieved", ref: js + "openaiRealtimeBase.test.ts::requests item retrieval on transcription completion or truncation", rule: "R7.9",
		run: func(t *testing.T, r *run) {
			r.sv.send(audioTurn("r1", "m1", "long answer", pcm(200))...)
			r.sv.send(`{"type":"conversation.item.truncated","item_id":"m1","content_index":0,"audio_end_ms":120}`)
			r.sv.expect("conversation.item.retrieve", func(f frame) bool { return f.str("item_id") == "m1" })
			r.waitEvent("history truncated", func(e session.Event) bool {
				u, ok := e.(session.HistoryUpdated)
				return ok && u.Item != nil && u.Item.ID == "m1" && u.Item.TruncatedAtMS != nil && *u.Item.TruncatedAtMS == 120
			})
		}},
	{name: "non_interruptible_ignores_vad", ref: "PROTOCOL R7.8 (no reference test; agents-py interrupt_response setting)", rule: "R7.8",
		su: func() setup {
			return setup{agents: []*session.Agent{{Name: "Triage", Instructions: "x", Interruptible: ptr(false)}}}
		},
		run: func(t *testing.T, r *run) {
			if r.sv.received()[0].at("session", "audio", "input", "turn_detection", "interrupt_response") != false {
				fail(t, "interrupt_response not false for a non-interruptible agent")
			}
			r.speaking()
			r.sink.play("r1", "m1", pcm(100))
			r.sv.send(speechStarted("u1", 100))
			r.barrier()
			if n := len(r.sv.count("conversation.item.truncate")) + len(r.sv.count("response.cancel")); n != 0 {
				fail(t, "non-interruptible agent interrupted: %s", types(r.sv.received()))
			}
		}},

	// ── Transcripts and history merging ───────────────────────────────────
	{name: "audio_transcript_final_once", ref: py + "test_openai_realtime.py::TestEventHandlingRobustness::test_backward_compat_output_item_added_and_done", rule: "R11.3",
		run: func(t *testing.T, r *run) {
			r.sv.send(audioTurn("r1", "m1", "Hello there", pcm(100))...)
			r.waitAgentEnd()
			r.barrier()
			if fs := finals(r.events(), "assistant"); len(fs) != 1 || fs[0].Text != "Hello there" {
				fail(t, "finals %+v", fs)
			}
		}},
	{name: "text_mode_output_text", ref: py + "test_openai_realtime.py::TestEventHandlingRobustness::test_text_mode_output_item_content; ::test_output_text_delta_emits_normalized_event", rule: "R11.1",
		su: func() setup { return setup{text: true} },
		run: func(t *testing.T, r *run) {
			r.sv.send(textTurn("r1", "m1", "Plain text")...)
			r.waitAgentEnd()
			r.barrier()
			if fs := finals(r.events(), "assistant"); len(fs) != 1 || fs[0].Text != "Plain text" {
				fail(t, "finals %+v", fs)
			}
			if h := r.s.History(); len(h) != 1 || h[0].Text() != "Plain text" {
				fail(t, "history %+v", h)
			}
		}},
	{name: "transcript_only_in_item_done", ref: "issue 9 #1; " + py + "test_openai_realtime.py::TestEventHandlingRobustness::test_output_audio_content_type_normalized", rule: "R11.3",
		run: func(t *testing.T, r *run) {
			r.messageTurn(msgItem("m1", "completed", `{"type":"output_audio","transcript":"Claro, dime"}`))
			r.waitFinal("Claro, dime")
			r.barrier()
			if n := len(finals(r.events(), "assistant")); n != 1 {
				fail(t, "%d finals", n)
			}
		}},
	{name: "legacy_audio_content_type", ref: py + "test_openai_realtime.py::TestEventHandlingRobustness::test_backward_compat_output_item_added_and_done", rule: "R11.1",
		run: func(t *testing.T, r *run) {
			r.messageTurn(msgItem("m1", "completed", `{"type":"audio","transcript":"legacy"}`))
			r.waitFinal("legacy")
		}},
	{name: "null_transcript_falls_back_to_deltas", ref: py + "test_session.py::TestTranscriptPreservation::test_assistant_transcript_can_fallback_to_deltas; " + js + "realtimeSession.test.ts::merges completed audio transcripts into history", rule: "R11.3",
		run: func(t *testing.T, r *run) {
			r.messageTurn(msgItem("m1", "completed", `{"type":"output_audio","transcript":null}`), transcriptDelta("r1", "m1", "Hel"), transcriptDelta("r1", "m1", "lo"))
			r.waitFinal("Hello")
			if h := r.s.History(); len(h) != 1 || h[0].Text() != "Hello" {
				fail(t, "history %+v", h)
			}
		}},
	{name: "done_item_without_status", ref: "issue 9 #1; " + py + "test_item_parsing.py", rule: "R11.3",
		run: func(t *testing.T, r *run) {
			it := `{"id":"m1","type":"message","role":"assistant","content":[{"type":"output_text","text":"no status"}]}`
			r.messageTurn(it)
			r.waitFinal("no status")
		}},
	{name: "transcript_preserved_on_update", ref: py + "test_session.py::TestTranscriptPreservation::test_assistant_transcript_preserved_on_item_update; ::test_existing_transcript_not_overwritten_by_stale_deltas", rule: "R11.3",
		run: func(t *testing.T, r *run) {
			r.sv.send(audioTurn("r1", "m1", "Keep me", pcm(50))...)
			r.sv.send(`{"type":"conversation.item.retrieved","item":` + msgItem("m1", "completed", `{"type":"output_audio","transcript":null,"audio":"AAAA"}`) + `}`)
			r.barrier()
			if h := r.s.History(); len(h) != 1 || h[0].Text() != "Keep me" {
				fail(t, "history %+v", h)
			}
		}},
	{name: "insert_after_previous_item", ref: py + "test_session.py::TestHistoryManagement::test_insert_new_item_after_previous_item", rule: "R11.2",
		run: func(t *testing.T, r *run) {
			r.sv.send(userTextItem("conversation.item.added", "a", "first"), userTextItem("conversation.item.added", "c", "third"))
			r.sv.send(`{"type":"conversation.item.added","previous_item_id":"a","item":{"id":"b","type":"message","role":"user","status":"completed","content":[{"type":"input_text","text":"second"}]}}`)
			r.barrier()
			var ids []string
			for _, h := range r.s.History() {
				ids = append(ids, h.ID)
			}
			if !sameStrings(ids, []string{"a", "b", "c"}) {
				fail(t, "history order %v", ids)
			}
		}},
	{name: "unknown_previous_item_appends", ref: py + "test_session.py::TestHistoryManagement::test_insert_new_item_after_nonexistent_previous_item", rule: "R11.2",
		run: func(t *testing.T, r *run) {
			r.sv.send(userTextItem("conversation.item.added", "a", "first"))
			r.sv.send(`{"type":"conversation.item.added","previous_item_id":"nope","item":{"id":"b","type":"message","role":"user","status":"completed","content":[{"type":"input_text","text":"second"}]}}`)
			r.barrier()
			var ids []string
			for _, h := range r.s.History() {
				ids = append(ids, h.ID)
			}
			if !sameStrings(ids, []string{"a", "b"}) {
				fail(t, "history order %v", ids)
			}
		}},
	{name: "item_deleted", ref: py + "test_session.py::TestEventHandling::test_item_deleted_event_removes_item", rule: "R11.5",
		run: func(t *testing.T, r *run) {
			r.sv.send(userTextItem("conversation.item.added", "a", "first"), userTextItem("conversation.item.added", "b", "second"))
			r.sv.send(`{"type":"conversation.item.deleted","item_id":"a"}`)
			r.barrier()
			if h := r.s.History(); len(h) != 1 || h[0].ID != "b" {
				fail(t, "history %+v", h)
			}
		}},
	{name: "user_transcription_updates_item", ref: py + "test_session.py::TestEventHandling::test_transcription_completed_event_updates_history", rule: "R11.4",
		run: func(t *testing.T, r *run) {
			r.sv.send(userAudioItem("u1"), transcriptionCompleted("u1", "hello there"))
			r.waitEvent("user final", func(e session.Event) bool {
				tr, ok := e.(session.Transcript)
				return ok && tr.Final && tr.Role == "user"
			})
			if h := r.s.History(); len(h) != 1 || h[0].Parts[0].Transcript != "hello there" {
				fail(t, "history %+v", h)
			}
		}},
	{name: "user_transcription_unknown_item_adds", ref: py + "test_session.py::test_transcription_completed_adds_new_user_item", rule: "R11.4",
		run: func(t *testing.T, r *run) {
			r.sv.send(transcriptionCompleted("u9", "late"))
			r.waitEvent("user final", func(e session.Event) bool {
				tr, ok := e.(session.Transcript)
				return ok && tr.Final && tr.Role == "user"
			})
			if h := r.s.History(); len(h) != 1 || h[0].ID != "u9" || h[0].Kind != session.KindUser {
				fail(t, "history %+v", h)
			}
		}},
	{name: "typed_text_shown_as_user", ref: py + "test_session.py::TestEventHandling::test_item_updated_event_adds_new_item", rule: "R11.2",
		run: func(t *testing.T, r *run) {
			r.userTurn("hi there", 1)
			r.waitEvent("user final", func(e session.Event) bool {
				tr, ok := e.(session.Transcript)
				return ok && tr.Final && tr.Role == "user" && tr.Text == "hi there"
			})
		}},

	// ── Tool calls ────────────────────────────────────────────────────────
	{name: "tool_runs_and_answers", ref: py + "test_session.py::TestToolCallExecution::test_function_tool_execution_success; " + js + "realtimeSession.test.ts::runs tool calls end-to-end and emits lifecycle events", rule: "R8.10",
		su: func() setup { return setup{agents: agentsWith(newTool("weather"))} },
		run: func(t *testing.T, r *run) {
			r.sv.send(toolTurn("r1", "fc1", "c1", "weather", `{"city":"Paris"}`)...)
			out := r.ackOutput("c1")
			if out.str("item", "output") != "weather ok" {
				fail(t, "output %v", out)
			}
			r.sv.expect("response.create", nil)
			end := r.waitEvent("tool_end", func(e session.Event) bool { _, ok := e.(session.ToolEnd); return ok }).(session.ToolEnd)
			if end.Arguments != `{"city":"Paris"}` || end.CallID != "c1" {
				fail(t, "tool_end %+v", end)
			}
		}},
	{name: "unknown_tool", ref: py + "test_session.py::TestToolCallExecution::test_unknown_tool_handling", rule: "R8.7",
		run: func(t *testing.T, r *run) {
			r.sv.send(toolTurn("r1", "fc1", "c1", "nope", `{}`)...)
			out := r.ackOutput("c1")
			if !strings.Contains(out.str("item", "output"), "not found") {
				fail(t, "output %v", out)
			}
			r.barrier()
			if n := len(r.sv.count("response.create")); n != 0 {
				fail(t, "unknown tool forced a turn (%d response.create)", n)
			}
		}},
	{name: "duplicate_call_id_once", ref: py + "test_session.py::TestToolCallExecution::test_duplicate_function_tool_call_id_is_ignored", rule: "R8.6",
		su: func() setup { return setup{agents: agentsWith(newTool("weather"))} },
		run: func(t *testing.T, r *run) {
			r.sv.send(toolTurn("r1", "fc1", "c1", "weather", `{}`)...)
			r.ackOutput("c1")
			r.sv.send(toolTurn("r2", "fc1", "c1", "weather", `{}`)...)
			r.barrier()
			if n := len(r.sv.count("conversation.item.create")); n != 1 {
				fail(t, "%d outputs for one call_id", n)
			}
		}},
	{name: "approval_then_run", ref: py + "test_session.py::TestToolCallExecution::test_function_tool_needs_approval_emits_event; ::test_approve_pending_tool_call_runs_tool", rule: "R8.8",
		su: approvalSetup("pay"),
		run: func(t *testing.T, r *run) {
			r.sv.send(toolTurn("r1", "fc1", "c1", "pay", `{}`)...)
			r.waitApproval()
			r.barrier()
			if n := len(r.sv.count("conversation.item.create")); n != 0 {
				fail(t, "output before approval")
			}
			r.s.Approve("c1", false)
			if out := r.ackOutput("c1"); out.str("item", "output") != "pay ok" {
				fail(t, "output %v", out)
			}
		}},
	{name: "rejection_output", ref: py + "test_session.py::TestToolCallExecution::test_reject_pending_tool_call_sends_rejection_output", rule: "R8.8",
		su: approvalSetup("pay"),
		run: func(t *testing.T, r *run) {
			r.sv.send(toolTurn("r1", "fc1", "c1", "pay", `{}`)...)
			r.waitApproval()
			r.s.Reject("c1", false, "")
			if out := r.ackOutput("c1"); out.str("item", "output") != "Tool execution was not approved." {
				fail(t, "output %v", out)
			}
		}},
	{name: "tool_error_becomes_output", ref: py + "test_session.py::TestToolCallExecution::test_function_tool_exception_handling", rule: "R8.5",
		su: func() setup {
			tl := newTool("weather")
			tl.err = errBoom
			return setup{agents: agentsWith(tl)}
		},
		run: func(t *testing.T, r *run) {
			r.sv.send(toolTurn("r1", "fc1", "c1", "weather", `{}`)...)
			out := r.ackOutput("c1")
			if !strings.Contains(out.str("item", "output"), "boom") {
				fail(t, "output %v", out)
			}
			r.sv.expect("response.create", nil)
		}},
	{name: "call_item_without_status_runs", ref: "issue 9 #3; " + py + "test_session.py::TestEventHandling::test_item_updated_event_completes_tool_call", rule: "R8.2",
		su: func() setup { return setup{agents: agentsWith(newTool("weather"))} },
		run: func(t *testing.T, r *run) {
			r.sv.send(respCreated("r1"))
			r.sv.send(`{"type":"response.output_item.done","response_id":"r1","output_index":0,"item":` + fcItem("fc1", "", "c1", "weather", `{}`) + `}`)
			r.sv.send(respDone("r1", "completed", ""))
			r.ackOutput("c1")
			r.sv.expect("response.create", nil)
		}},
	{name: "malformed_arguments_tool_error", ref: "issue 9 #3; " + py + "test_session.py::TestToolCallExecution::test_callable_function_approval_fails_closed_for_invalid_arguments", rule: "R8.4",
		su: func() setup { return setup{agents: agentsWith(newTool("weather"))} },
		run: func(t *testing.T, r *run) {
			r.sv.send(toolTurn("r1", "fc1", "c1", "weather", `{"city":`)...)
			out := r.ackOutput("c1")
			if !strings.HasPrefix(out.str("item", "output"), "Invalid arguments for tool weather") {
				fail(t, "output %v", out)
			}
			r.waitEvent("tool_error", func(e session.Event) bool { _, ok := e.(session.ToolError); return ok })
			if n := len(eventsOf[session.ToolStart](r.events())); n != 0 {
				fail(t, "tool_start for a call that never ran")
			}
		}},
	{name: "cancelled_response_call_not_run", ref: "PROTOCOL R8.2 (converse of " + py + "test_session.py::TestEventHandling::test_function_call_event_triggers_tool_handling)", rule: "R8.2",
		su: func() setup { return setup{agents: agentsWith(newTool("weather"))} },
		run: func(t *testing.T, r *run) {
			r.sv.send(respCreated("r1"))
			r.sv.send(`{"type":"response.function_call_arguments.done","response_id":"r1","item_id":"fc1","output_index":0,"call_id":"c1","name":"weather","arguments":"{}"}`)
			r.sv.send(respDone("r1", "cancelled", ""))
			r.barrier()
			if n := len(r.sv.count("conversation.item.create")); n != 0 {
				fail(t, "a call of a cancelled response ran")
			}
		}},
	{name: "two_calls_one_response_create", ref: py + "test_session.py::TestToolCallExecution::test_function_tool_with_multiple_tools_available; " + js + "responseCreateSequencer.test.ts", rule: "R6.4",
		su: func() setup { return setup{agents: agentsWith(newTool("weather"), newTool("time"))} },
		run: func(t *testing.T, r *run) {
			a, b := fcItem("fc1", "completed", "c1", "weather", `{}`), fcItem("fc2", "completed", "c2", "time", `{}`)
			r.sv.send(respCreated("r1"))
			r.sv.send(`{"type":"response.output_item.done","response_id":"r1","output_index":0,"item":`+a+`}`,
				`{"type":"response.output_item.done","response_id":"r1","output_index":1,"item":`+b+`}`,
				respDone("r1", "completed", "["+a+","+b+"]"))
			r.ackOutput("c1")
			r.ackOutput("c2")
			r.sv.expect("response.create", nil)
			r.barrier()
			if n := len(r.sv.count("response.create")); n != 1 {
				fail(t, "%d response.create for one batch", n)
			}
		}},

	// ── Handoffs ──────────────────────────────────────────────────────────
	{name: "handoff_switches_agent", ref: py + "test_session.py::TestToolCallExecution::test_handoff_tool_handling; " + js + "realtimeAgentHandoffs.test.ts", rule: "R9.2",
		su: handoffSetup,
		run: func(t *testing.T, r *run) {
			r.sv.send(toolTurn("r1", "fc1", "c1", "transfer_to_billing", `{}`)...)
			ho := r.waitEvent("handoff", func(e session.Event) bool { _, ok := e.(session.Handoff); return ok }).(session.Handoff)
			if ho.FromAgent != "Triage" || ho.ToAgent != "Billing" {
				fail(t, "handoff %+v", ho)
			}
			up := r.sv.expectN("session.update", 2, nil)
			if !strings.HasSuffix(up.str("session", "instructions"), "Billing desk.") {
				fail(t, "session.update instructions %q", up.str("session", "instructions"))
			}
			r.ackOutput("c1")
			r.sv.expect("response.create", nil)
			if r.s.ActiveAgent() != "Billing" {
				fail(t, "active agent %q", r.s.ActiveAgent())
			}
		}},
	{name: "handoff_keeps_voice", ref: py + "test_session.py::TestToolCallExecution::test_handoff_session_update_preserves_custom_voice", rule: "R2.4",
		su: handoffSetup,
		run: func(t *testing.T, r *run) {
			r.sv.send(toolTurn("r1", "fc1", "c1", "transfer_to_billing", `{}`)...)
			up := r.sv.expectN("session.update", 2, nil)
			if v := up.str("session", "audio", "output", "voice"); v != "marin" {
				fail(t, "voice after handoff %q", v)
			}
		}},
	{name: "attribution_from_response_start", ref: py + "test_session.py::TestGuardrailFunctionality::test_output_text_guardrail_uses_agent_from_turn_start", rule: "R9.4",
		su: handoffSetup,
		run: func(t *testing.T, r *run) {
			r.sv.send(respCreated("r0"))
			r.barrier()
			if err := r.s.SwitchAgent("Billing"); err != nil {
				t.Fatal(err)
			}
			r.sv.expectN("session.update", 2, nil)
			r.sv.send(msgAdded("r0", "m0", "")...)
			r.sv.send(transcriptDone("r0", "m0", "from triage"), respDone("r0", "completed", ""))
			tr := r.waitFinal("")
			if tr.Agent != "Triage" {
				fail(t, "answer of a response created under Triage attributed to %q", tr.Agent)
			}
		}},

	// ── Guardrails ────────────────────────────────────────────────────────
	{name: "output_guardrail_trip", ref: py + "test_session.py::TestGuardrailFunctionality::test_agent_output_guardrails_triggered; " + js + "realtimeSession.test.ts::triggers guardrail and emits feedback", rule: "R10.4",
		su: guardSetup(guard{"no_discount", "discount"}),
		run: func(t *testing.T, r *run) {
			r.sv.send(respCreated("r1"))
			r.sv.send(msgAdded("r1", "m1", "")...)
			r.sv.send(transcriptDelta("r1", "m1", "a discount"), transcriptDone("r1", "m1", "a discount"))
			r.sv.expect("response.cancel", nil)
			f := r.sv.expect("conversation.item.create", func(f frame) bool { return hasText(f, "guardrail triggered: no_discount") })
			trip := r.waitEvent("trip", func(e session.Event) bool { _, ok := e.(session.GuardrailTripped); return ok }).(session.GuardrailTripped)
			if strings.Contains(trip.Message, "a discount") || trip.Reason != "no_discount: mentions discount" {
				fail(t, "trip %+v", trip)
			}
			r.ack(f, "c1")
			r.sv.send(respDone("r1", "cancelled", ""))
			r.sv.expect("response.create", nil)
			r.barrier()
			for _, h := range r.s.History() {
				if h.ID == "c1" && h.Kind != session.KindSystem {
					fail(t, "corrective message in history as %s", h.Kind)
				}
			}
			for _, tr := range finals(r.events(), "user") {
				fail(t, "corrective message shown as a user turn: %+v", tr)
			}
		}},
	{name: "guardrail_loop_bounded", ref: "issue 9 #4; " + py + "test_session.py::TestGuardrailFunctionality::test_concurrent_guardrail_tasks_interrupt_once_per_response", rule: "R10.4",
		su: guardSetup(guard{"no_discount", "discount"}),
		run: func(t *testing.T, r *run) {
			r.sv.send(textTurnAudio("r1", "m1", "discount one")...)
			r.ack(r.sv.expect("conversation.item.create", func(f frame) bool { return hasText(f, "guardrail triggered: no_discount") }), "c1")
			r.sv.expect("response.create", nil)
			r.sv.send(textTurnAudio("r2", "m2", "discount two")...)
			r.waitEvent("second correction", func(e session.Event) bool { c, ok := e.(session.GuardrailCorrection); return ok && !c.Sent })
			r.barrier()
			n := 0
			for _, f := range r.sv.count("conversation.item.create") {
				if hasText(f, "guardrail triggered: no_discount") {
					n++
				}
			}
			if n != 1 {
				fail(t, "%d corrective messages, want 1 (bound %d)", n, 2)
			}
		}},
	{name: "multiple_guardrails_one_trip", ref: py + "test_session.py::TestGuardrailFunctionality::test_multiple_guardrails_all_triggered", rule: "R10.3",
		su: guardSetup(guard{"g1", "secret"}, guard{"g2", "secret"}),
		run: func(t *testing.T, r *run) {
			r.sv.send(textTurnAudio("r1", "m1", "the secret")...)
			trip := r.waitEvent("trip", func(e session.Event) bool { _, ok := e.(session.GuardrailTripped); return ok }).(session.GuardrailTripped)
			if !sameStrings(trip.Guardrails, []string{"g1", "g2"}) {
				fail(t, "guardrails %v", trip.Guardrails)
			}
			r.barrier()
			if n := len(eventsOf[session.GuardrailTripped](r.events())); n != 1 {
				fail(t, "%d trips for one response", n)
			}
		}},
	{name: "guardrail_debounce_threshold", ref: py + "test_session.py::TestGuardrailFunctionality::test_transcript_delta_triggers_guardrail_at_threshold", rule: "R10.2",
		su: guardSetup(guard{"no_secret", "secret"}),
		run: func(t *testing.T, r *run) {
			r.sv.send(respCreated("r1"))
			r.sv.send(msgAdded("r1", "m1", "")...)
			r.sv.send(transcriptDelta("r1", "m1", "secret "+strings.Repeat("x", 120)))
			r.sv.expect("response.cancel", nil) // checked at 100 chars, before any .done
		}},
	{name: "input_guardrail_typed_text", ref: "PROTOCOL R10.7 (rtagent extension; nearest: " + js + "realtimeSession.test.ts::applies input tool guardrail rejectContent and skips tool execution)", rule: "R10.7",
		su: func() setup {
			return setup{agents: []*session.Agent{{Name: "Triage", Instructions: "x", InputGuardrails: []guardrail.Guardrail{guard{"no_ssn", "ssn"}}}}}
		},
		run: func(t *testing.T, r *run) {
			if err := r.s.SendText("my ssn is 1"); err != nil {
				t.Fatal(err)
			}
			r.waitEvent("trip", func(e session.Event) bool {
				g, ok := e.(session.GuardrailTripped)
				return ok && g.Kind == session.GuardrailInput
			})
			r.barrier()
			if n := len(r.sv.count("conversation.item.create")); n != 0 {
				fail(t, "blocked input sent to the model")
			}
		}},

	// ── Usage ─────────────────────────────────────────────────────────────
	{name: "usage_accumulates", ref: py + "test_session.py::TestEventHandling::test_usage_events_accumulate_in_session_context; " + js + "realtimeSession.test.ts::handles usage and audio interrupted events", rule: "R13.2",
		run: func(t *testing.T, r *run) {
			r.sv.send(audioTurn("r1", "m1", "one", pcm(10))...)
			r.sv.send(audioTurn("r2", "m2", "two", pcm(10))...)
			r.barrier()
			us := eventsOf[session.UsageEvent](r.events())
			if len(us) != 2 || us[1].Total.TotalTokens != 60 || us[1].Total.Requests != 2 {
				fail(t, "usage events %+v", us)
			}
		}},
	{name: "usage_missing_no_event", ref: py + "test_openai_realtime.py::TestEventHandlingRobustness::test_response_done_without_usage_skips_usage_event", rule: "R13.1",
		run: func(t *testing.T, r *run) {
			r.sv.send(respCreated("r1"), `{"type":"response.done","response":{"id":"r1","status":"completed","output":[]}}`)
			r.barrier()
			if n := len(eventsOf[session.UsageEvent](r.events())); n != 0 {
				fail(t, "%d usage events without usage", n)
			}
		}},
	{name: "usage_before_agent_end", ref: py + "test_openai_realtime.py::TestEventHandlingRobustness::test_response_done_emits_typed_usage_before_turn_ended", rule: "R12.2",
		run: func(t *testing.T, r *run) {
			r.sv.send(audioTurn("r1", "m1", "x", pcm(10))...)
			r.waitAgentEnd()
			ui, ei := -1, -1
			for i, e := range r.events() {
				switch e.(type) {
				case session.UsageEvent:
					ui = i
				case session.AgentEnd:
					ei = i
				}
			}
			if ui < 0 || ui > ei {
				fail(t, "usage at %d, agent_end at %d", ui, ei)
			}
		}},
	{name: "failed_response_surfaces_error", ref: py + "test_session.py::TestEventHandling::test_turn_events_transformation", rule: "R4.4",
		run: func(t *testing.T, r *run) {
			r.sv.send(respCreated("r1"), `{"type":"response.done","response":{"id":"r1","status":"failed","status_details":{"type":"failed","error":{"type":"server_error","code":"boom","message":"model failed"}},"output":[]}}`)
			e := r.waitEvent("error", func(e session.Event) bool { er, ok := e.(session.Error); return ok && er.Code == "boom" }).(session.Error)
			if e.Message != "model failed" {
				fail(t, "error %+v", e)
			}
			end := r.waitAgentEnd()
			if end.Status != "failed" {
				fail(t, "agent_end %+v", end)
			}
		}},
}

// textTurnAudio is an audio-modality answer carrying only a transcript.
func textTurnAudio(resp, item, text string) []string {
	out := []string{respCreated(resp)}
	out = append(out, msgAdded(resp, item, "")...)
	return append(out, transcriptDelta(resp, item, text), transcriptDone(resp, item, text), respDone(resp, "completed", ""))
}

func handoffSetup() setup {
	return setup{agents: []*session.Agent{
		{Name: "Triage", Instructions: "Front desk.", Handoffs: []session.HandoffTarget{{Agent: "Billing"}}},
		{Name: "Billing", Instructions: "Billing desk."},
	}}
}

func guardSetup(gs ...guard) func() setup {
	return func() setup {
		var list []guardrail.Guardrail
		for _, g := range gs {
			list = append(list, g)
		}
		return setup{agents: []*session.Agent{{Name: "Triage", Instructions: "x", OutputGuardrails: list}}}
	}
}

var _ tools.Tool = (*tool)(nil)

// TestReferenceCases runs every restated case.
func TestReferenceCases(t *testing.T) {
	if len(cases) < 40 {
		t.Fatalf("%d cases, want at least 40", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] || c.ref == "" || c.rule == "" {
			t.Fatalf("case %q: duplicate name or missing reference/rule", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			su := setup{}
			if c.su != nil {
				su = c.su()
			}
			r := start(t, su)
			c.run(t, r)
		})
	}
}
