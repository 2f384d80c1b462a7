// Package sim is rtagent's built-in offline Realtime simulator: a real WebSocket
// server (coder/websocket) that speaks the OpenAI Realtime GA protocol
// (docs/protocol.md Appendix A) with a deterministic policy, paced synthetic audio and
// fault injection. It backs --sim, `rtagent sim` and the tests.
//
// It owns its own server-side wire structs and must never import the client model
// (internal/realtime/openai): the two are independent implementations of the same
// kit, and each checks the other. Every stream it sends validates with
// validate_server.py --sequence-strict.
//
// # Connection
//
// Path /v1/realtime. Checked in this order after the upgrade, each answered by an
// error event then a close frame whose reason is "<error.type>.<error.code>":
// no non-empty "Authorization: Bearer" or "api-key" header → invalid_api_key, 3000;
// an OpenAI-Beta header → beta_api_shape_disabled, 4000; no model query parameter →
// missing_model, 4000. Otherwise session.created is sent at once with the server
// defaults (server_vad 0.5/300/200, create and interrupt on, voice alloy, PCM 24 kHz
// in and out, transcription null, expires_at = Clock() + MaxDuration). The server
// pings every PingInterval (20 s) and closes with 1001 "Your session hit the maximum
// duration of 60 minutes." at MaxDuration.
//
// Ids come from per-connection counters: event_0001, item_sim_0001,
// resp_sim_0001, call_sim_0001 (from the second connection on, with its number:
// item_sim_2_0001 …), sess_sim_000N / conv_sim_000N (N = connection
// number on this Server). No randomness; Options.Clock feeds expires_at.
//
// # Client events
//
//   - session.update: session.type is required ("realtime"); any key the GA schema
//     does not define, at any depth, gives unknown_parameter with param set to its
//     path (e.g. "session.audio.input.foo") and the whole update is discarded. A
//     voice change after any assistant audio was sent gives cannot_update_voice; a
//     model change gives invalid_value (param session.model). Otherwise present
//     fields replace the effective ones (audio.input.* and audio.output.* one by
//     one; turn_detection is replaced whole and filled with server defaults) and
//     session.updated carries the full effective session. Tools come only from
//     session.update (or a response.create override).
//   - conversation.item.create: message (user: input_text/input_audio/input_image;
//     system: input_text; assistant: output_text), function_call and
//     function_call_output items → conversation.item.added then .done.
//     previous_item_id: absent = append, "root" = first, unknown → invalid_value.
//   - conversation.item.truncate: assistant audio items only. audio_end_ms beyond
//     the audio generated so far → invalid_value "Audio content of Xms is already
//     shorter than Yms". Otherwise the audio is cut and, with
//     Options.TruncateTranscript, the transcript keeps the words whose audio began
//     before audio_end_ms (every word lasts WordDuration, so this is the heard
//     proportion rounded up to a whole word); then conversation.item.truncated.
//   - conversation.item.retrieve → conversation.item.retrieved with base64 audio;
//     conversation.item.delete → conversation.item.deleted. Unknown ids →
//     invalid_value (param item_id) "Item with item_id '<id>' does not exist."
//   - response.create while a response is active →
//     conversation_already_has_active_response, error.event_id echoing the
//     client's event_id. response.cancel while none is active →
//     response_cancel_not_active.
//   - Binary frame → invalid_event; bad JSON → invalid_json; unknown type →
//     invalid_value (param "type"); unknown top-level key → unknown_parameter.
//     None closes the socket.
//
// # Responses
//
// Order (README "Observed GA order"): response.created →
// response.output_item.added → conversation.item.added → response.content_part.added
// (part.type "audio" or "text") → per word: one transcript (or output_text) delta,
// then that word's audio deltas (DeltaDuration each) → response.output_audio.done →
// response.output_audio_transcript.done (or output_text.done) →
// response.content_part.done → conversation.item.done → response.output_item.done →
// response.done (usage; status_details null) → rate_limits.updated. Transcript and
// text deltas carry the undocumented "obfuscation" field. A function call is
// output_item.added (in_progress) → conversation.item.added →
// function_call_arguments.delta (16-rune chunks) → .done (with name) →
// conversation.item.done → output_item.done (completed) → response.done; it is
// emitted atomically, so a cancel never splits it.
//
// Pacing: word i starts at i×WordDuration/Pace after the response starts, and
// audio delta j of a word j×DeltaDuration/Pace after the word; output_audio.done
// comes no earlier than the whole audio's duration/Pace. Text mode uses the same
// word timeline. Pace 0 sends everything as fast as possible.
//
// Cancel (client_cancelled, or turn_detected on VAD barge-in): generation stops
// at the next word or audio delta; the open part's .done events carry the text
// sent so far, the item ends "incomplete", and response.done has status
// "cancelled" with status_details {type:"cancelled", reason}. The cancel handler
// waits for that, so response.done precedes the answer to the next client event.
//
// Usage is deterministic: input text tokens = words of instructions and
// conversation text, input audio tokens = 1 per 100 ms of conversation audio;
// output text tokens = words said (or a quarter of the arguments' length for a
// call), output audio tokens = 1 per 50 ms.
//
// # Policy (what a response says)
//
// Evaluated when the response is created:
//
//  1. A per-response instructions override (response.create {"response":
//     {"instructions": ...}}) wins: the response says the first "double-quoted"
//     text in it, or GreetingText "Hello, how can I help?".
//  2. Otherwise the trigger is the latest user message plus every
//     function_call_output after it (in conversation order). A new response.create
//     with no new input answers the same trigger again.
//  3. Tool outputs present → one sentence per output, joined by a space: an output
//     whose JSON has an "assistant" string (a transfer_to_* call, or an unknown
//     call) → "Hi, this is <assistant>."; otherwise "<tool name> returned: <output>"
//     (white space collapsed).
//  4. Else the user message (text parts and audio transcripts, or
//     "[N ms of audio]" for audio without transcript; an idle-timeout item →
//     IdleText "Are you still there?"). With tool_choice other than "none", the
//     message is matched against the declared tools (message and names
//     lower-cased, every non-alphanumeric run made one space, whole-word match):
//     (a) handoffs first: a tool transfer_to_<x> whose <x> (underscores as spaces)
//     appears, which covers "transfer to <x>"; (b) then any other tool whose name
//     appears, with "_" or spaces. A handoff is called alone (ties: the earliest
//     mention, then the longer name, then declaration order). Otherwise every other
//     tool the message names is called, all in one response in order of mention
//     (parallel tool calls, each with its own output_index; a tool named twice is
//     called once; where two names overlap in the message the longer one counts).
//     tool_choice "required" falls back to the first tool;
//     {"type":"function","name":N} forces N alone. Each call's
//     arguments list the schema's properties in schema order: from key=value pairs
//     in the message (value in double or single quotes, or up to white space, "," or ";",
//     trailing ".!?)" dropped; typed by the property's type), else the property's
//     default, examples[0], example, first enum value, else, for required
//     properties only, an empty value of its type ("" 0 false [] {} null). Keys not
//     in the schema are ignored unless the tool declares no properties, in which
//     case every pair is passed as a string.
//  5. "what did I say first" (or "ask") → "You first said: <the first user message
//     of the conversation>" — replayed and seeded items count, so a reconnection or
//     --resume can be seen to carry the context over.
//  6. A user message with input_image parts (and no tool named) → one
//     "You sent an image of <N> bytes." per image (N: the decoded size of its
//     data: URL), then "You said: <message>" when it also has text.
//  7. No match → "You said: <message>"; an empty message → NothingText
//     "You said nothing."; no user message at all → GreetingText.
//
// Handoff round trip: "please transfer me to billing" with transfer_to_billing
// declared → call transfer_to_billing {}; the client sends function_call_output
// {"assistant":"Billing"} and response.create → "Hi, this is Billing."
//
// # Audio
//
// Output: SynthesizeSpeech — one tone burst per word (WordTone at WordFrequency,
// 10 ms attack and decay, then WordGap of silence), PCM16 LE mono 24 kHz,
// deterministic. Input: input_audio_buffer.append is never acknowledged; commit
// with less than 100 ms → input_audio_buffer_commit_empty; clear → cleared. With
// server_vad or semantic_vad, an energy detector runs over 10 ms frames of the
// input timeline (ms of audio appended since the session began): a frame is
// speech when its RMS (full scale 1) ≥ threshold × 0.04 (0.02 at 0.5).
// semantic_vad uses threshold 0.5, prefix 300 ms and silence 300/500/800 ms for
// eagerness high/auto|medium/low. The first speech frame → speech_started
// {audio_start_ms = max(buffer start, frame − prefix_padding_ms)} (and, with
// interrupt_response, the active response is cancelled with reason
// turn_detected); silence_duration_ms of silence → speech_stopped {audio_end_ms =
// end of the last speech frame} → committed → conversation.item.added/.done (user,
// input_audio, transcript null) → with transcription on,
// input_audio_transcription.delta and .completed with "[N ms of audio]", N = first
// to last speech frame → with create_response and no active response, a response
// whose message is that same text. A manual commit uses N = the committed length.
// idle_timeout_ms (server_vad) counts silent input audio since the last speech,
// commit or response.done; when reached: timeout_triggered, a committed user item
// and a response saying IdleText.
//
// # Faults
//
// Options.Faults (or a fault spec, ApplyFaultSpec, as `rtagent sim --faults` and
// the --sim-faults flag of chat and run take it) rehearse network trouble: close
// with a code, or drop TCP with no close frame, after the N-th server event or at a
// seeded random event; stall (send nothing more, pings included, while reading);
// stop reading (pongs go unanswered); inject an error or a malformed frame; delay
// every event; a short session lifetime (expires_at and the 1001 close). Faults can
// be limited to the first N connections so a reconnecting client meets a healthy
// server. Random points are drawn from the seed and the connection number only.
//
// # Known gaps
//
// Output audio is always PCM16 24 kHz (G.711 output formats are echoed, not
// produced); response.create's conversation "none" and input are ignored;
// max_output_tokens never makes a response incomplete; the idle timeout is
// measured on the input timeline, not the wall clock.
package sim
