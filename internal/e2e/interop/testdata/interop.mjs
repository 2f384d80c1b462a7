// The official @openai/agents-realtime client against rtagent's simulator, driven by
// interop_test.go. Usage: node interop.mjs ws://127.0.0.1:PORT/v1/realtime
// Prints one JSON line per step; exits non-zero with "FAIL: ..." on the first failure.
import { RealtimeAgent, RealtimeSession, tool } from '@openai/agents-realtime';

const url = process.argv[2];
const step = (name, data) => console.log(JSON.stringify({ step: name, ...data }));
const fail = (msg) => {
  console.error('FAIL: ' + msg);
  process.exit(1);
};
const deadline = setTimeout(() => fail('timed out'), 30000);

const weather = tool({
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: true,
  execute: async ({ city }) => `sunny in ${city}`,
});
const billing = new RealtimeAgent({ name: 'Billing', instructions: 'Billing desk.' });
const triage = new RealtimeAgent({
  name: 'Triage',
  instructions: 'Front desk.',
  tools: [weather],
  handoffs: [billing],
});
const session = new RealtimeSession(triage, { transport: 'websocket', model: 'gpt-realtime' });

const errors = [];
session.on('error', (e) => errors.push(JSON.stringify(e?.error ?? e)));
let audioBytes = 0;
session.on('audio', (e) => {
  audioBytes += e.data.byteLength;
});
const seen = { tool_end: [], handoff: [], interrupted: 0 };
session.on('agent_tool_end', (_ctx, _agent, t, result) => seen.tool_end.push({ name: t.name, result }));
session.on('agent_handoff', (_ctx, from, to) => seen.handoff.push({ from: from.name, to: to.name }));
session.on('audio_interrupted', () => {
  seen.interrupted++;
});

function text(item) {
  return (item.content ?? []).map((c) => c.transcript ?? c.text ?? '').join('');
}

// until resolves when pred(history) holds.
function until(what, pred) {
  return new Promise((resolve) => {
    const check = () => {
      if (errors.length) fail(`${what}: SDK error: ${errors.join('; ')}`);
      const v = pred(session.history);
      if (v) {
        session.off('history_updated', check);
        resolve(v);
      }
    };
    session.on('history_updated', check);
    check();
  });
}

function assistantSaid(want) {
  return (h) => h.find((i) => i.type === 'message' && i.role === 'assistant' && i.status === 'completed' && text(i).includes(want));
}

await session.connect({ apiKey: 'sk-interop', url });
step('connected', {});

session.sendMessage('hello');
await until('text turn', assistantSaid('You said: hello'));
step('text_turn', {});

session.sendMessage('what does get_weather say for city=Paris');
await until('tool turn', assistantSaid('sunny in Paris'));
if (seen.tool_end.length !== 1 || seen.tool_end[0].name !== 'get_weather') fail('tool_end ' + JSON.stringify(seen.tool_end));
step('tool', { tool_end: seen.tool_end });

session.sendMessage('please transfer me to billing');
await until('handoff', () => seen.handoff.length === 1 && session.currentAgent.name === 'Billing');
await until('billing greeting', assistantSaid('Billing'));
step('handoff', { handoff: seen.handoff });
if (audioBytes === 0) fail('no audio output');
step('audio', { bytes: audioBytes });

const before = audioBytes;
const gotAudio = new Promise((resolve) => session.on('audio', () => audioBytes > before && resolve()));
session.sendMessage('please read this fairly long sentence back to me slowly, word by word, all of it');
await gotAudio;
session.interrupt();
await until('interrupt', (h) =>
  seen.interrupted > 0 && h.some((i) => i.type === 'message' && i.role === 'assistant' && i.status === 'incomplete'),
);
step('interrupt', { interrupted: seen.interrupted });

// Audio input with server VAD: 1 s of a 440 Hz tone, then 1.5 s of silence, in 100 ms
// chunks of 24 kHz PCM16.
const chunk = (ms, amp) => {
  const n = 24 * ms;
  const pcm = new Int16Array(n);
  for (let i = 0; i < n; i++) pcm[i] = Math.round(amp * 32767 * Math.sin((2 * Math.PI * 440 * i) / 24000));
  return pcm.buffer;
};
const usersBefore = session.history.filter((i) => i.type === 'message' && i.role === 'user').length;
for (let i = 0; i < 10; i++) session.sendAudio(chunk(100, 0.3));
for (let i = 0; i < 15; i++) session.sendAudio(chunk(100, 0));
await until('voice turn', (h) => {
  const users = h.filter((i) => i.type === 'message' && i.role === 'user');
  if (users.length <= usersBefore) return false;
  const idx = h.indexOf(users[users.length - 1]);
  return h.slice(idx + 1).some((i) => i.type === 'message' && i.role === 'assistant' && i.status === 'completed');
});
step('voice', {});

session.sendMessage('hello again');
await until('after interrupt', assistantSaid('You said: hello again'));
const kinds = session.history.map((i) => (i.type === 'message' ? i.role + ':' + i.status + ':' + text(i).slice(0, 30) : i.type));
step('history', { kinds });
const want = [
  'user:completed:hello',
  'assistant:completed:You said: hello',
  'user:completed:what does get_weather say for ',
  'function_call',
  'assistant:completed:get_weather returned: sunny in',
  'user:completed:please transfer me to billing',
  'function_call',
  'assistant:completed:Hi, this is Billing.',
  'user:completed:please read this fairly long s',
  'assistant:incomplete:',
  'user:',
  'assistant:completed:You said: ',
  'user:completed:hello again',
  'assistant:completed:You said: hello again',
];
if (kinds.length !== want.length || kinds.some((k, i) => !k.startsWith(want[i]))) {
  fail('history ' + JSON.stringify(kinds) + ', want ' + JSON.stringify(want));
}
if (errors.length) fail('SDK errors: ' + errors.join('; '));
session.close();
clearTimeout(deadline);
step('done', {});
