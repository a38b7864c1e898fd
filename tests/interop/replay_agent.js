'use strict';
/*
 * The official LivePerson node-agent-sdk (pinned in package.json) as the client of a replaying
 * emulator (Emulator(replay=..., tls=True)). Used by tests/emulator/test_node_replay.py.
 *
 * On each socket it makes the requests LP_PLAN lists for it, one after the other; when the server
 * drops a socket that is not the last one of the plan, it reconnects with the same token (the
 * SDK's reconnect(true)). It waits for the recorded notifications and, when LP_REFRESH_MS is set,
 * for one session refresh of the SDK's own timer; then it exits 0.
 *
 * Environment:
 *   LP_CSDS_DOMAIN   "127.0.0.1:PORT" (the SDK always uses https:// and wss://)
 *   LP_ACCOUNT, LP_USERNAME, LP_PASSWORD (a replay accepts any credentials)
 *   NODE_EXTRA_CA_CERTS  the emulator's CA PEM (read by node at start-up)
 *   LP_PLAN          JSON: per socket, the SDK methods to call, e.g. [["getClock","setAgentState"]]
 *                    (their bodies are in BODIES)
 *   LP_NOTIFICATIONS how many notifications to wait for (default 0)
 *   LP_REFRESH_MS    optional: the SDK's refreshSessionInterval; the run then waits for one refresh
 *   LP_TIMEOUT_MS    hard timeout of the whole run (default 15000)
 *
 * Lines: {"step":"connected","n":...,"agentId":...} per socket, {"step":"sent","type":...,
 * "id":...} per request, {"step":"answer","request":"getClock","body":...} per answer,
 * {"step":"notification","type":...,"body":...} per notification as the SDK delivers it (after
 * its own transforms), {"step":"closed","code":...} per dropped socket, {"step":"refreshed",
 * "error":...}, then {"step":"done"}. An SDK "error" event, a failed request, a close the plan
 * does not expect or the timeout print {"step":"error",...} and exit 1 (2 for the timeout).
 */

const {Agent} = require('node-agent-sdk');
const external = require('node-agent-sdk/lib/ExternalServices');
const {emit, describe, agentOptions} = require('./steps');

const BODIES = {
    getClock: {},
    subscribeExConversations: {convState: ['OPEN']},
    setAgentState: {availability: 'ONLINE'},
};

const env = process.env;
const timeoutMs = Number(env.LP_TIMEOUT_MS || 15000);
const expectedNotifications = Number(env.LP_NOTIFICATIONS || 0);
const refreshMs = Number(env.LP_REFRESH_MS || 0);

let finished = false;
let agent = null;
let plan = [];
let connections = 0;
let answered = 0;
let notifications = 0;
let refreshed = refreshMs <= 0;

function end(exitCode) {
    clearTimeout(hardTimer);
    try {
        if (agent) agent.dispose();
    } catch (e) {
        // disposing is best effort on the way out
    }
    process.exitCode = exitCode;
    setTimeout(() => process.exit(exitCode), 50);
}

function fail(reason, extra, exitCode) {
    if (finished) return;
    finished = true;
    emit('error', Object.assign({reason: reason}, extra || {}));
    end(exitCode || 1);
}

function finishWhenComplete() {
    if (finished || answered < plan.length || notifications < expectedNotifications || !refreshed) return;
    finished = true;
    emit('done', {connections: connections, notifications: notifications});
    end(0);
}

const hardTimer = setTimeout(() => fail('timeout', {afterMs: timeoutMs, connections: connections,
    answered: answered, notifications: notifications, refreshed: refreshed}, 2), timeoutMs);

for (const name of ['LP_CSDS_DOMAIN', 'LP_ACCOUNT', 'LP_USERNAME', 'LP_PASSWORD', 'LP_PLAN']) {
    if (!env[name]) fail('missing environment variable ' + name, {}, 1);
}
try {
    plan = JSON.parse(env.LP_PLAN || '[]');
} catch (e) {
    fail('LP_PLAN is not JSON', describe(e));
}

if (refreshMs > 0) {
    // the SDK's refresh timer calls this module's refreshSession; wrap it to see the outcome
    const refreshSession = external.refreshSession;
    external.refreshSession = (options, callback) => refreshSession(options, (err, body) => {
        if (!refreshed) {
            refreshed = true;
            emit('refreshed', {error: err ? describe(err) : null});
        }
        callback(err, body);
        finishWhenComplete();
    });
}

// a request of the SDK as a promise; a failure ends the run
function request(name) {
    return new Promise((resolve) => agent[name](BODIES[name], (err, answer) => {
        if (err) return fail(name + ' failed', describe(err));
        emit('answer', {request: name, body: answer === undefined ? null : answer});
        resolve(answer);
    }));
}

async function socketRequests(n) {
    for (const name of plan[n - 1] || []) {
        if (!BODIES[name]) return fail('no body for ' + name);
        await request(name);
    }
    answered += 1;
    finishWhenComplete();
}

if (!finished) {
    try {
        agent = new Agent(agentOptions(env, refreshMs > 0 ? {refreshSessionInterval: refreshMs} : {}));
    } catch (e) {
        fail('Agent constructor threw', describe(e));
    }
}

if (agent) {
    agent.on('error', (err) => fail('sdk error event', describe(err)));
    agent.on('closed', (code) => {
        if (finished) return;
        emit('closed', {code: code === undefined ? null : code});
        if (connections >= plan.length) return fail('socket closed unexpectedly', {code: code});
        // the SDK's recipe for a dropped socket: the same token on a new one
        agent.reconnect(true);
    });
    agent.on('message:sent', (message) => emit('sent', {type: message.type, id: message.id}));
    agent.on('notification', (message) => {
        notifications += 1;
        emit('notification', {type: message.type, body: message.body === undefined ? null : message.body});
        finishWhenComplete();
    });
    agent.on('connected', () => {
        connections += 1;
        emit('connected', {n: connections, agentId: agent.agentId || null});
        socketRequests(connections).catch((e) => fail('requests threw', describe(e)));
    });
}
