// Runs one execution of an ASL state machine locally with aws-local-stepfunctions.
//
//   node --import ./polyfill.mjs run.mjs SPEC.json
//
// SPEC: {
//   "definition": "statemachine/backup.asl.json",
//   "substitutions": {"PlanFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:plan", ...},
//   "functions": {"plan": "http://127.0.0.1:PORT", ...},   // RIE per function name
//   "sns": "http://127.0.0.1:18500",                        // moto, for sns:publish states
//   "input": {...}, "name": "<execution name>", "stateMachineArn": "...",
//   "waitMs": 200, "retryMs": 100, "out": "result.json"
// }
//
// Lambda Task states go to the functions under aws-lambda-rie (one call at a time per
// function: RIE serves one invocation at a time, as one Lambda sandbox does); an error
// answer {"errorType","errorMessage"} is thrown as an Error named errorType, so Retry and
// Catch match it as Step Functions does, with the Cause as the Lambda runtime's JSON.
// sns:publish states call moto's SNS Publish. Every Wait state waits waitMs, every Retry
// pauses retryMs. The result, the event log and counts go to SPEC.out.
import { readFileSync, writeFileSync } from 'node:fs';
import { StateMachine } from 'aws-local-stepfunctions';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let text = readFileSync(spec.definition, 'utf8');
text = text.replace(/\$\{([A-Za-z0-9]+)\}/g, (m, name) => {
  if (!(name in spec.substitutions)) throw new Error(`no substitution for ${m}`);
  return spec.substitutions[name];
});
const definition = JSON.parse(text);

// every Task and Wait state, at any depth
const tasks = {};
const waits = [];
const retries = [];
(function walk(states) {
  for (const [name, st] of Object.entries(states)) {
    if (st.Type === 'Task') tasks[name] = st.Resource;
    if (st.Type === 'Wait') waits.push(name);
    if (st.Retry) retries.push(name);
    if (st.Type === 'Parallel') st.Branches.forEach((b) => walk(b.States));
    if (st.Type === 'Map') walk((st.ItemProcessor ?? st.Iterator).States);
  }
})(definition.States);

const invocations = {};
const calls = [];
const queues = {};
function serial(fn, work) {
  const prev = queues[fn] ?? Promise.resolve();
  const next = prev.then(work, work);
  queues[fn] = next.catch(() => {});
  return next;
}

function lambdaError(type, message, extra = {}) {
  const e = new Error(JSON.stringify({ errorType: type, errorMessage: message, ...extra }));
  e.name = type;
  return e;
}

async function invoke(fn, input) {
  const url = spec.functions[fn];
  if (!url) throw lambdaError('Lambda.ResourceNotFoundException', `no local function ${fn}`);
  return serial(fn, async () => {
    invocations[fn] = (invocations[fn] ?? 0) + 1;
    const t0 = Date.now();
    let res;
    let body;
    try {
      res = await fetch(`${url}/2015-03-31/functions/function/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      body = await res.text();
    } catch (err) {
      throw lambdaError('Lambda.ServiceException', `invoke ${fn}: ${err.message}`);
    }
    let out;
    try {
      out = JSON.parse(body);
    } catch {
      throw lambdaError('Lambda.ServiceException', `invoke ${fn}: HTTP ${res.status}: ${body.slice(0, 500)}`);
    }
    const failed = out && typeof out === 'object' && !Array.isArray(out) && typeof out.errorType === 'string' && 'errorMessage' in out;
    calls.push({ fn, ms: Date.now() - t0, bytesIn: JSON.stringify(input).length, bytesOut: body.length, error: failed ? out.errorType : undefined });
    if (failed) throw lambdaError(out.errorType, out.errorMessage);
    if (res.status !== 200) throw lambdaError('Lambda.ServiceException', `invoke ${fn}: HTTP ${res.status}`);
    return out;
  });
}

const published = [];
async function snsPublish(params) {
  const form = new URLSearchParams({ Action: 'Publish', Version: '2010-03-31', TopicArn: params.TopicArn, Message: params.Message });
  if (params.Subject) form.set('Subject', params.Subject);
  const region = params.TopicArn.split(':')[3];
  const res = await fetch(spec.sns, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/sns/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: form.toString(),
  });
  const body = await res.text();
  if (res.status !== 200) {
    const e = new Error(`SNS Publish: HTTP ${res.status}: ${body.slice(0, 500)}`);
    e.name = 'SNS.SnsException';
    throw e;
  }
  const id = (body.match(/<MessageId>([^<]+)<\/MessageId>/) ?? [])[1];
  published.push({ topicArn: params.TopicArn, subject: params.Subject, messageId: id });
  return { MessageId: id };
}

const taskResourceLocalHandlers = {};
for (const [name, resource] of Object.entries(tasks)) {
  const m = /^arn:aws[a-z-]*:lambda:[^:]+:[0-9]+:function:([^:]+)$/.exec(resource);
  if (m) {
    taskResourceLocalHandlers[name] = (input) => invoke(m[1], input);
  } else if (resource === 'arn:aws:states:::sns:publish') {
    taskResourceLocalHandlers[name] = (input) => snsPublish(input);
  } else {
    throw new Error(`state ${name}: no local handler for resource ${resource}`);
  }
}
const waitTimeOverrides = Object.fromEntries(waits.map((w) => [w, spec.waitMs ?? 200]));
const retryIntervalOverrides = Object.fromEntries(retries.map((r) => [r, spec.retryMs ?? 100]));

const sm = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
const startTime = new Date();
const context = {
  Execution: {
    Id: spec.stateMachineArn.replace(':stateMachine:', ':execution:') + ':' + spec.name,
    Input: spec.input,
    Name: spec.name,
    RoleArn: spec.roleArn ?? 'arn:aws:iam::123456789012:role/atlas-backup-statemachine',
    StartTime: startTime.toISOString(),
  },
  StateMachine: { Id: spec.stateMachineArn, Name: spec.stateMachineArn.split(':').pop() },
};
const execution = sm.run(spec.input, {
  overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
  context,
});

const events = [];
const collect = (async () => {
  for await (const ev of execution.eventLogs) {
    const { input, output, ...rest } = ev;
    events.push(rest);
  }
})();

const result = { name: spec.name, status: 'SUCCEEDED' };
try {
  result.output = await execution.result;
} catch (err) {
  // ExecutionError wraps what ended the execution (a Fail state's Error and Cause, or
  // an uncaught state error)
  const inner = err.name === 'ExecutionError' && err.cause ? err.cause : err;
  result.status = 'FAILED';
  result.error = inner.name;
  result.cause = inner.message;
}
await collect;
result.durationMs = Date.now() - startTime.getTime();
const count = (type) => events.filter((e) => e.type === type).length;
result.metrics = {
  stateTransitions: count('StateEntered'),
  lambdaInvocations: Object.values(invocations).reduce((a, b) => a + b, 0),
  invocationsByFunction: invocations,
  retries: count('StateRetried'),
  caught: count('StateCaught'),
  maxPayloadBytes: calls.reduce((m, c) => Math.max(m, c.bytesIn, c.bytesOut), 0),
};
result.calls = calls;
result.published = published;
result.events = events;
writeFileSync(spec.out, JSON.stringify(result, null, 2));
console.log(`sfn-local: ${spec.name}: ${result.status}${result.error ? ` (${result.error})` : ''}, ` +
  `${result.metrics.stateTransitions} state transitions, ${result.metrics.lambdaInvocations} Lambda invocations, ${result.durationMs} ms`);
