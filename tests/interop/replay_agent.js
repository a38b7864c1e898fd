'use strict';
/*
 * The official LivePerson node-agent-sdk (pinned in package.json) as the client of a replaying
 * emulator (Emulator(replay=..., tls=True)). Used by tests/emulator/test_node_replay.py.
 *
 * It connects, makes the recorded agent's requests in the recorded order (getClock,
 * subscribeExConversations, setAgentState), waits for the recorded notifications and, when
 * LP_REFRESH_MS is set, for one session refresh of the SDK's own timer; it prints one JSON line
 * per step on stdout, then exits 0.
 *
 * Environment:
 *   LP_CSDS_DOMAIN   "127.0.0.1:PORT" (the SDK always uses https:// and wss://)
 *   LP_ACCOUNT, LP_USERNAME, LP_PASSWORD (a replay accepts any credentials)
 *   NODE_EXTRA_CA_CERTS  the emulator's CA PEM (read by node at start-up)
 *   LP_NOTIFICATIONS how many notifications to wait for (default 0)
 *   LP_REFRESH_MS    optional: the SDK's refreshSessionInterval; the run then waits for one refresh
 *   LP_TIMEOUT_MS    hard timeout of the whole run (default 15000)
 *
 * Lines: {"step":"connected","agentId":...}, {"step":"sent","type":...,"id":...} per request,
 * {"step":"answer","request":"getClock","body":...} per answer, {"step":"notification",
 * "type":...,"body":...} per notification as the SDK delivers it (after its own transforms),
 * {"step":"refreshed","error":...}, then {"step":"done"}. An SDK "error" event, a failed request,
 * an unexpected close or the timeout print {"step":"error",...} and exit 1 (2 for the timeout).
 */

const {Agent} = require('node-agent-sdk');
const external = require('node-agent-sdk/lib/ExternalServices');
const {emit, describe, agentOptions} = require('./steps');

const env = process.env;
const timeoutMs = Number(env.LP_TIMEOUT_MS || 15000);
const expectedNotifications = Number(env.LP_NOTIFICATIONS || 0);
const refreshMs = Number(env.LP_REFRESH_MS || 0);

let finished = false;
let agent = null;
let answered = false;
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
    if (finished || !answered || notifications < expectedNotifications || !refreshed) return;
    finished = true;
    emit('done', {notifications: notifications});
    end(0);
}

for (const name of ['LP_CSDS_DOMAIN', 'LP_ACCOUNT', 'LP_USERNAME', 'LP_PASSWORD']) {
    if (!env[name]) fail('missing environment variable ' + name, {}, 1);
}

const hardTimer = setTimeout(() => fail('timeout', {afterMs: timeoutMs, answered: answered,
    notifications: notifications, refreshed: refreshed}, 2), timeoutMs);

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
function request(name, body) {
    return new Promise((resolve) => agent[name](body, (err, answer) => {
        if (err) return fail(name + ' failed', describe(err));
        emit('answer', {request: name, body: answer === undefined ? null : answer});
        resolve(answer);
    }));
}

async function recordedRequests() {
    await request('getClock', {});
    await request('subscribeExConversations', {convState: ['OPEN']});
    await request('setAgentState', {availability: 'ONLINE'});
    answered = true;
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
    agent.on('closed', (code) => fail('socket closed unexpectedly', {code: code === undefined ? null : code}));
    agent.on('message:sent', (message) => emit('sent', {type: message.type, id: message.id}));
    agent.on('notification', (message) => {
        notifications += 1;
        emit('notification', {type: message.type, body: message.body === undefined ? null : message.body});
        finishWhenComplete();
    });
    agent.on('connected', () => {
        emit('connected', {agentId: agent.agentId || null});
        recordedRequests().catch((e) => fail('requests threw', describe(e)));
    });
}
