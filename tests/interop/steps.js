'use strict';
/*
 * What the scripts of this folder share: one JSON line per step on stdout, errors described for
 * such a line, and the SDK's Agent options from the environment (LP_ACCOUNT, LP_USERNAME,
 * LP_PASSWORD, LP_CSDS_DOMAIN).
 */

const t0 = Date.now();

function emit(step, fields) {
    process.stdout.write(JSON.stringify(Object.assign({step: step, t: Date.now() - t0}, fields || {})) + '\n');
}

function describe(err) {
    if (!err) return {};
    if (err instanceof Error) return {message: err.message, code: err.code === undefined ? null : err.code};
    // a failed request: the SDK hands over the whole response frame
    return {message: JSON.stringify(err), code: err.code === undefined ? null : err.code};
}

function agentOptions(env, more) {
    return Object.assign({
        accountId: env.LP_ACCOUNT,
        username: env.LP_USERNAME,
        password: env.LP_PASSWORD,
        csdsDomain: env.LP_CSDS_DOMAIN,
    }, more || {});
}

module.exports = {emit, describe, agentOptions};
