// Runs node-agent-sdk's own Transformer on the cases read from stdin and prints the results.
// Used by test_node_parity.py only; the SDK directory comes from the NODE_AGENT_SDK_LIB variable.
'use strict';
const path = require('path');
const Transformer = require(path.resolve(process.env.NODE_AGENT_SDK_LIB, 'Transformer.js'));

const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
console.warn = () => {};
const results = input.cases.map((c) => {
  const warnings = [];
  const emitted = [];
  const agent = Object.assign({}, input.agent, {
    emit: (name, payload) => { if (name === 'warn') warnings.push(payload.message); },
    _handleNotification: (msg) => emitted.push({type: msg.type, body: msg.body}),
  });
  const transform = Transformer[c.type];
  const msg = {kind: c.kind, type: c.type, body: c.body};
  try {
    const out = transform ? transform(msg, agent) : msg;
    return {ok: true, type: out.type, body: out.body === undefined ? null : out.body, warnings, emitted};
  } catch (error) {
    return {ok: false, error: String(error)};
  }
});
process.stdout.write(JSON.stringify(results));
