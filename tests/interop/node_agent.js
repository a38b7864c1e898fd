'use strict';
/*
 * Drives the official LivePerson node-agent-sdk (pinned in package.json) against rx_lpagent's
 * emulator and prints one JSON line per milestone on stdout. Used by
 * tests/emulator/test_node_interop.py; it can also be run by hand against a running emulator.
 *
 * Environment:
 *   LP_CSDS_DOMAIN   "127.0.0.1:PORT" (the SDK always uses https:// and wss://)
 *   LP_ACCOUNT, LP_USERNAME, LP_PASSWORD
 *   NODE_EXTRA_CA_CERTS  the emulator's CA PEM (read by node at start-up)
 *   LP_CONTROL_URL   optional "https://127.0.0.1:PORT": when set, this script drives the consumer
 *                    itself through the emulator's /_emulator HTTP control endpoints; when unset,
 *                    the caller drives the consumer after seeing the "subscribed" and "joined" lines
 *                    and closes the agent's sockets with 4401 after "awaiting_server_close".
 *   LP_CONSUMER_ID   consumer id used with LP_CONTROL_URL (default "node-interop-consumer")
 *   LP_REFRESH_MS    the SDK's refreshSessionInterval (default 1000, so refreshes happen in a test)
 *   LP_LINGER_MS     wait this long before "done" so refresh calls can happen (default 1500)
 *   LP_TIMEOUT_MS    hard timeout of the whole scenario (default 30000)
 *   LP_PING_MS       optional: the SDK's WebSocket ping interval (it hard-codes 60000) so an idle
 *                    period longer than it fits in a test
 *   LP_IDLE_MS       optional: stay idle this long before "done" and check the socket survived
 *
 * Milestones, in order:
 *   connected(n=1) subscribed [conversation_opened] ring_accepted profile joined [consumer_sent]
 *   message published own_echo reconnecting(skipToken=true) connected(n=2) reconnected(skipToken=true)
 *   reconnecting(skipToken=false) connected(n=3) reconnected(skipToken=false) resubscribed
 *   published(phase=after_reconnect) awaiting_server_close server_closed(code=4401) connected(n=4)
 *   reconnected(skipToken=false, cause=server_close) private_published chat_state_published
 *   participant_added participant_removed private_history [idle_survived] done
 * private_echo and chat_state_echo (our own events delivered back) come in between.
 * "closed" lines are informational (the SDK reports its own old socket as closed on reconnect).
 * Any SDK "error" event, request failure, unexpected close or the timeout prints
 * {"step":"error",...} and exits 1 (2 for the timeout).
 */

const {Agent} = require('node-agent-sdk');
const Transport = require('node-agent-sdk/lib/Transport');
const {emit, describe, agentOptions} = require('./steps');

const env = process.env;
const REPLY_PREFIX = 'echo from node: ';
const AFTER_RECONNECT_TEXT = 'node agent is back after reconnect(false)';
const timeoutMs = Number(env.LP_TIMEOUT_MS || 30000);
const lingerMs = Number(env.LP_LINGER_MS || 1500);
const controlUrl = env.LP_CONTROL_URL || '';
const consumerId = env.LP_CONSUMER_ID || 'node-interop-consumer';
const pingMs = Number(env.LP_PING_MS || 0);
const idleMs = Number(env.LP_IDLE_MS || 0);
const PRIVATE_TEXT = 'private note from node';
const METADATA = [{type: 'ExternalId', id: 'node-interop-card'}];

let finished = false;
let agent = null;

function fail(reason, extra, exitCode) {
    if (finished) return;
    finished = true;
    emit('error', Object.assign({reason: reason}, extra || {}));
    try {
        if (agent) agent.dispose();
    } catch (e) {
        // disposing is best effort on the error path
    }
    process.exitCode = exitCode || 1;
    setTimeout(() => process.exit(exitCode || 1), 50);
}

for (const name of ['LP_CSDS_DOMAIN', 'LP_ACCOUNT', 'LP_USERNAME', 'LP_PASSWORD']) {
    if (!env[name]) {
        fail('missing environment variable ' + name, {}, 1);
    }
}

if (pingMs > 0) {
    // the constructor assigns pingInterval = 60000; an accessor on the prototype takes that
    // assignment, so every socket of the SDK pings every pingMs instead
    Object.defineProperty(Transport.prototype, 'pingInterval', {
        configurable: true,
        get: () => pingMs,
        set: () => {},
    });
}

const hardTimer = setTimeout(() => fail('timeout', {afterMs: timeoutMs, state: stateName()}, 2), timeoutMs);

// ---- scenario state -------------------------------------------------------------------------
let phase = 'connect';          // connect -> await_message -> reconnect_same -> reconnect_new -> done
let connectCount = 0;
let conversationId = null;      // the conversation we serve
let joined = false;
let replySequence = null;
let ownEchoSeen = false;
const ownEchoes = new Map();    // sequence -> our own event as delivered back to us
let expectedCloses = 0;        // reconnect() makes the SDK report its own old socket as closed
let replyRequested = false;     // we answer the first consumer message only
const acceptedConversations = new Set();
const extras = {privateSequence: null, privateEcho: null, chatEcho: null, history: null, awaitingHistory: false};

function stateName() {
    return {phase: phase, connectCount: connectCount, conversationId: conversationId, joined: joined};
}

// a node-style callback wrapper that turns request failures into a fatal error line
function ok(what, next) {
    return (err, body) => {
        if (finished) return;
        if (err) return fail(what + ' failed', describe(err));
        next(body);
    };
}

async function control(method, path, body) {
    const resp = await fetch(controlUrl + path, {
        method: method,
        headers: {'Content-Type': 'application/json'},
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await resp.text();
    if (!resp.ok) throw new Error(`${method} ${path} -> ${resp.status} ${text}`);
    return text ? JSON.parse(text) : null;
}

// ---- the agent ------------------------------------------------------------------------------
try {
    agent = new Agent(agentOptions(env, {refreshSessionInterval: Number(env.LP_REFRESH_MS || 1000)}));
} catch (e) {
    fail('Agent constructor threw', describe(e));
}

if (agent) {
    agent.on('error', (err) => fail('sdk error event', describe(err)));

    agent.on('closed', (code) => {
        emit('closed', {code: code === undefined ? null : code, phase: phase});
        // the SDK reports the socket it terminated itself during reconnect(); anything else is fatal
        if (phase === 'await_server_close' && code === 4401) return onServerClose(code);
        if (expectedCloses > 0) expectedCloses -= 1;
        else if (!finished) fail('socket closed unexpectedly', {code: code === undefined ? null : code});
    });

    agent.on('connected', (data) => {
        connectCount += 1;
        emit('connected', {n: connectCount, agentId: agent.agentId || null, payload: data});
        // the SDK's old socket may report "closed" around now; let it settle before using the socket
        setTimeout(() => onConnected(connectCount), 100);
    });

    agent.on('routing.RoutingTaskNotification', (body) => {
        for (const change of body.changes || []) {
            if (change.type !== 'UPSERT' || !change.result) continue;
            for (const ring of change.result.ringsDetails || []) {
                if (ring.ringState !== 'WAITING') continue;
                const convId = change.result.conversationId || null;
                if (convId) acceptedConversations.add(convId);
                agent.updateRingState({ringId: ring.ringId, ringState: 'ACCEPTED'},
                    ok('updateRingState', (resp) => emit('ring_accepted', {
                        conversationId: convId, ringId: ring.ringId, response: resp === undefined ? null : resp,
                    })));
            }
        }
    });

    agent.on('cqm.ExConversationChangeNotification', (body) => {
        for (const change of body.changes || []) {
            if (change.type !== 'UPSERT' || !change.result) continue;
            const convId = change.result.convId;
            const details = change.result.conversationDetails || {};
            const participants = details.participants || [];
            const me = participants.find((p) => p.id === agent.agentId && p.role === 'ASSIGNED_AGENT');
            if (phase === 'resubscribe') {
                if (convId === conversationId && details.state === 'OPEN') resubscribed(participants);
                continue;
            }
            // only the conversation routed to us in this run: never one left over in the snapshot
            if (joined || !me || !acceptedConversations.has(convId)) continue;
            joined = true;
            conversationId = convId;
            const consumer = participants.find((p) => p.role === 'CONSUMER');
            if (consumer) {
                // the SDK turns the profile into a list of SDEs (GetUserProfile$Response transform)
                agent.getUserProfile(consumer.id, ok('getUserProfile', (sdes) => emit('profile', {
                    consumerId: consumer.id, sdeTypes: Array.isArray(sdes) ? sdes.map((d) => d.type) : null,
                })));
            }
            agent.subscribeMessagingEvents({dialogId: convId, fromSeq: 0}, ok('subscribeMessagingEvents', () => {
                emit('joined', {conversationId: convId, role: me.role, myRole: details.__myRole || null,
                    participants: participants});
                if (controlUrl) {
                    control('POST', `/_emulator/conversations/${convId}/messages`, {text: 'hello from the consumer'})
                        .then((r) => emit('consumer_sent', {sequence: r && r.sequence}))
                        .catch((e) => fail('control: send consumer message', describe(e)));
                }
            }));
        }
    });

    agent.on('ms.MessagingEventNotification', (body) => {
        for (const change of body.changes || []) {
            const event = change.event || {};
            if (phase === 'extras') {
                if (change.dialogId === conversationId) onExtrasEvent(change, event);
                continue;
            }
            if (change.dialogId !== conversationId || event.type !== 'ContentEvent') continue;
            const isMe = typeof change.isMe === 'function' ? change.isMe() : null;
            if (isMe) {
                // the echo of our own event may arrive before or after the PublishEvent response
                ownEchoes.set(change.sequence, change);
                checkOwnEcho();
                continue;
            }
            if (phase !== 'await_message' || replyRequested) continue;
            replyRequested = true;
            emit('message', {conversationId: change.dialogId, text: event.message, sequence: change.sequence,
                originatorId: change.originatorId, role: (change.originatorMetadata || {}).role || null});
            agent.publishEvent({
                dialogId: conversationId,
                event: {type: 'ContentEvent', contentType: 'text/plain', message: REPLY_PREFIX + event.message},
            }, ok('publishEvent', (resp) => {
                replySequence = resp && resp.sequence;
                emit('published', {sequence: replySequence, phase: 'first_reply', text: REPLY_PREFIX + event.message});
                // give the emulator a moment to echo our own event back (real LP does); go on anyway
                setTimeout(() => maybeStartReconnects(true), 2000);
                checkOwnEcho();
            }));
        }
    });
}

function checkOwnEcho() {
    if (ownEchoSeen || replySequence === null || !ownEchoes.has(replySequence)) return;
    ownEchoSeen = true;
    const change = ownEchoes.get(replySequence);
    emit('own_echo', {sequence: change.sequence, originatorId: change.originatorId, text: (change.event || {}).message});
    maybeStartReconnects();
}

function maybeStartReconnects(force) {
    if (phase !== 'await_message' || replySequence === null) return;
    if (!ownEchoSeen && !force) return;
    if (!ownEchoSeen) emit('own_echo_missing', {sequence: replySequence});
    phase = 'reconnect_same';
    expectedCloses += 1;
    emit('reconnecting', {skipToken: true});
    agent.reconnect(true);
}

function onConnected(n) {
    if (finished) return;
    if (!agent.connected) {
        // node-agent-sdk 1.2.0 bug: the old socket's close arrived after the new socket opened
        return fail('SDK reports not connected after its connected event', {n: n});
    }
    if (n === 1) {
        let pending = 3;
        const done = () => {
            pending -= 1;
            if (pending > 0) return;
            emit('subscribed', {});
            phase = 'await_message';
            if (controlUrl) {
                control('POST', `/_emulator/consumers/${encodeURIComponent(consumerId)}/conversations`, {})
                    .then((r) => emit('conversation_opened', {conversationId: r && r.conversationId}))
                    .catch((e) => fail('control: open conversation', describe(e)));
            }
        };
        agent.setAgentState({availability: 'ONLINE'}, ok('setAgentState', done));
        agent.subscribeRoutingTasks({}, ok('subscribeRoutingTasks', done));
        // the SDK turns its own PID in agentIds into the account's user id form
        agent.subscribeExConversations({convState: ['OPEN'], agentIds: [agent.agentId]},
            ok('subscribeExConversations', done));
        return;
    }
    agent.getClock({}, ok('getClock', (clock) => {
        if (phase === 'reconnect_same') {
            emit('reconnected', {skipToken: true, currentTime: clock && clock.currentTime});
            phase = 'reconnect_new';
            expectedCloses += 1;
            emit('reconnecting', {skipToken: false});
            agent.reconnect(false);
        } else if (phase === 'reconnect_new') {
            emit('reconnected', {skipToken: false, currentTime: clock && clock.currentTime});
            phase = 'resubscribe';
            agent.subscribeExConversations({convState: ['OPEN']}, ok('subscribeExConversations (new socket)', () => {}));
        } else if (phase === 'reconnect_after_close') {
            emit('reconnected', {skipToken: false, cause: 'server_close', currentTime: clock && clock.currentTime});
            phase = 'extras';
            runExtras().catch((e) => fail('extras threw', describe(e)));
        } else {
            fail('unexpected connected event', {n: n});
        }
    }));
}

function resubscribed(participants) {
    phase = 'after_reconnect';
    emit('resubscribed', {conversationId: conversationId, participants: participants});
    agent.publishEvent({
        dialogId: conversationId,
        event: {type: 'ContentEvent', contentType: 'text/plain', message: AFTER_RECONNECT_TEXT},
    }, ok('publishEvent (new socket)', (resp) => {
        emit('published', {sequence: resp && resp.sequence, phase: 'after_reconnect', text: AFTER_RECONNECT_TEXT});
        // the server now closes the socket with 4401 (token needed), as LivePerson does
        phase = 'await_server_close';
        emit('awaiting_server_close', {code: 4401});
        if (controlUrl) {
            control('POST', '/_emulator/sockets/close', {code: 4401})
                .catch((e) => fail('control: close sockets', describe(e)));
        }
    }));
}

function onServerClose(code) {
    emit('server_closed', {code: code});
    // the SDK's documented recipe: 4401 -> reconnect with a new token
    phase = 'reconnect_after_close';
    agent.reconnect(false);
}

// ---- what node-agent-sdk 1.2.0 can show of the service's finer answers ---------------------
function isMe(change) {
    return typeof change.isMe === 'function' ? change.isMe() : null;
}

function onExtrasEvent(change, event) {
    if (!isMe(change)) return;
    const kept = {sequence: change.sequence === undefined ? null : change.sequence,
        metadata: change.metadata || null, messageAudience: change.messageAudience || null};
    if (event.type === 'ChatStateEvent' && !extras.chatEcho) {
        extras.chatEcho = true;
        emit('chat_state_echo', {chatState: event.chatState, hasServerTimestamp: 'serverTimestamp' in change,
            hasSequence: 'sequence' in change});
    } else if (event.type === 'ContentEvent' && event.message === PRIVATE_TEXT) {
        if (extras.awaitingHistory && !extras.history) {
            extras.history = true;
            emit('private_history', kept);
        } else if (!extras.privateEcho) {
            extras.privateEcho = true;
            emit('private_echo', kept);
        }
    }
}

// call next() once ready() holds, or after 3 s with a "<what>_missing" line
function when(ready, what, next) {
    const until = Date.now() + 3000;
    const check = () => {
        if (finished) return;
        if (ready()) return next();
        if (Date.now() > until) {
            emit(what + '_missing', {});
            return next();
        }
        setTimeout(check, 20);
    };
    check();
}

// an SDK request method as a promise (a failure ends the run through ok())
function request(what, method, ...args) {
    return new Promise((resolve) => agent[method](...args, ok(what, (body) => resolve(body === undefined ? null : body))));
}

function until(ready, what) {
    return new Promise((resolve) => when(ready, what, resolve));
}

async function runExtras() {
    const participant = (type) => ({conversationId: conversationId,
        conversationField: [{field: 'ParticipantsChange', type: type, role: 'MANAGER'}]});
    const privateMessage = {
        dialogId: conversationId,
        event: {type: 'ContentEvent', contentType: 'text/plain', message: PRIVATE_TEXT},
        messageAudience: 'AGENTS_AND_MANAGERS',
    };
    const published = await request('publishEvent (private, with metadata)', 'publishEvent',
        privateMessage, null, METADATA);
    extras.privateSequence = published && published.sequence;
    emit('private_published', {sequence: extras.privateSequence});
    await until(() => extras.privateEcho, 'private_echo');

    const typing = {dialogId: conversationId, event: {type: 'ChatStateEvent', chatState: 'COMPOSING'}};
    emit('chat_state_published', {response: await request('publishEvent (chat state)', 'publishEvent', typing)});
    await until(() => extras.chatEcho, 'chat_state_echo');

    emit('participant_added', {response: await request('updateConversationField (ADD)',
        'updateConversationField', participant('ADD'))});
    emit('participant_removed', {response: await request('updateConversationField (REMOVE)',
        'updateConversationField', participant('REMOVE'))});

    extras.awaitingHistory = true;
    await request('subscribeMessagingEvents (history)', 'subscribeMessagingEvents',
        {dialogId: conversationId, fromSeq: 0});
    await until(() => extras.history, 'private_history');
    stayIdle();
}

function stayIdle() {
    if (idleMs <= 0) return finish();
    emit('idle_start', {idleMs: idleMs, pingMs: pingMs});
    // any close while idle fails the run (the "closed" handler expects none now)
    setTimeout(() => agent.getClock({}, ok('getClock after idle', () => {
        emit('idle_survived', {idleMs: idleMs, pingMs: pingMs, connected: agent.connected});
        finish();
    })), idleMs);
}

function finish() {
    setTimeout(() => {
        if (finished) return;
        finished = true;
        clearTimeout(hardTimer);
        emit('done', {connects: connectCount});
        agent.dispose();
        process.exitCode = 0;
        setTimeout(() => process.exit(0), 50);
    }, lingerMs);
}
