import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ISqsServerOptions } from 'local-aws-sqs';
import { loadPatchedModule } from './patched-module';

/** A queue to create when the server starts: the attributes of `CreateQueue`. */
export interface LocalQueue {
  name: string;
  attributes?: Record<string, string>;
}

/** A running loopback SQS server. */
export interface LocalSqs {
  /** `http://127.0.0.1:<port>`: what `AWS_ENDPOINT_URL_SQS` should be. */
  endpoint: string;
  /** Queue URL of a queue created at start. */
  queueUrl(name: string): string;
  /**
   * Watches every request and its answer without changing either (the local console's event
   * feed reads the messages queues accept this way, without receiving them).
   */
  observe(observer: (exchange: SqsExchange) => void): void;
  close(): Promise<void>;
}

/** One request to the local SQS server and its answer, as bytes on the wire. */
export interface SqsExchange {
  /** `X-Amz-Target` of the AWS JSON protocol (e.g. `AmazonSQS.SendMessage`); absent for the Query protocol. */
  target?: string | undefined;
  requestBody: string;
  status: number;
  responseBody: string;
}

/** Copies a request's body and its answer as they pass, for `observe`. */
function watchExchange(req: IncomingMessage, res: ServerResponse, observer: (exchange: SqsExchange) => void) {
  const requestChunks: Buffer[] = [];
  const responseChunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => requestChunks.push(chunk));
  const keep = (chunk: unknown) => {
    if (typeof chunk === 'string') responseChunks.push(Buffer.from(chunk));
    else if (chunk instanceof Uint8Array) responseChunks.push(Buffer.from(chunk));
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    keep(chunk);
    return write(chunk, ...rest);
  }) as ServerResponse['write'];
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== 'function') keep(chunk);
    return end(chunk, ...rest);
  }) as ServerResponse['end'];
  res.on('finish', () => {
    const target = req.headers['x-amz-target'];
    observer({
      target: Array.isArray(target) ? target[0] : target,
      requestBody: Buffer.concat(requestChunks).toString('utf8'),
      status: res.statusCode,
      responseBody: Buffer.concat(responseChunks).toString('utf8'),
    });
  });
}

const ACCOUNT_ID = '123456789012';

/**
 * Starts the `local-aws-sqs` server (AWS JSON and Query protocols, FIFO, dedupe, visibility,
 * DLQ redrive) on loopback, with the given queues already created.
 *
 * @example
 * const sqs = await startLocalSqs({ queues: [{ name: 'events.fifo', attributes: { FifoQueue: 'true' } }] });
 * process.env.AWS_ENDPOINT_URL_SQS = sqs.endpoint;
 */
export async function startLocalSqs(options: {
  queues?: LocalQueue[];
  port?: number;
  region?: string;
}): Promise<LocalSqs> {
  const queues = options.queues ?? [];
  // Dead-letter queues must exist before the queues that redrive to them.
  const ordered = [...queues].sort(
    (a, b) => Number(Boolean(a.attributes?.RedrivePolicy)) - Number(Boolean(b.attributes?.RedrivePolicy)),
  );
  const server = await loadLocalAwsSqs().createSqsServer({
    port: options.port ?? 0,
    hostname: '127.0.0.1',
    region: options.region ?? 'us-east-1',
    accountId: ACCOUNT_ID,
    emulateQueueCreationLifecycle: false,
    queues: ordered.map((q) => ({ QueueName: q.name, Attributes: q.attributes as never })),
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    queueUrl: (name) => `${endpoint}/${ACCOUNT_ID}/${name}`,
    observe: (observer) => {
      server.on('request', (req: IncomingMessage, res: ServerResponse) => watchExchange(req, res, observer));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Builds the `RedrivePolicy` attribute for a queue on the local server. */
export function redrivePolicy(dlqName: string, maxReceiveCount: number, region = 'us-east-1'): string {
  return JSON.stringify({
    deadLetterTargetArn: `arn:aws:sqs:${region}:${ACCOUNT_ID}:${dlqName}`,
    maxReceiveCount,
  });
}

/**
 * Fix (4): remembers the deduplication key of every FIFO message that leaves the queue, for the
 * 5 minutes SQS keeps it, and answers a new send with that key as a duplicate of it. Expired keys
 * are swept when the memory grows past twice what the last sweep left (at least 10,000), not on
 * every remember past 10,000, which was a scan of the whole memory per delete in a long run
 * (`__bridgeRecall` checks the age of what it finds, so what a sweep leaves is never answered).
 */
const DEDUPE_MEMORY = `
function __bridgeDedupeKey(q,a){return q.DeduplicationScope=="queue"?a.MessageDeduplicationId:a.MessageGroupId+"\\u0000"+a.MessageDeduplicationId}
function __bridgeRemember(q,rec){if(!q.FifoQueue||!rec||!rec.record.attributes.MessageDeduplicationId)return;const m=(q.__bridgeDedupe??=new Map);if(m.size>(q.__bridgeSweepAbove??=1e4)){const now=Date.now();for(const [k,v] of m)if(now-v.at>=3e5)m.delete(k);q.__bridgeSweepAbove=Math.max(1e4,2*m.size)}m.set(__bridgeDedupeKey(q,rec.record.attributes),{MessageId:rec.record.MessageId,SequenceNumber:rec.record.attributes.SequenceNumber,at:Number(rec.record.attributes.SentTimestamp)})}
function __bridgeRecall(q,g,d){const m=q.__bridgeDedupe;if(!m)return;const k=__bridgeDedupeKey(q,{MessageGroupId:g,MessageDeduplicationId:d});const v=m.get(k);if(!v)return;if(Date.now()-v.at>=3e5){m.delete(k);return}return{record:{MessageId:v.MessageId,attributes:{SequenceNumber:v.SequenceNumber}}}}
`;

/**
 * Fixes (5) and (6): sizes in UTF-8 bytes, and the characters SQS refuses in a body
 * (`InvalidMessageContents`; allowed: #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF).
 */
const STRICT_CONTENTS = `
function __bridgeBytes(v){return typeof v=="string"?Buffer.byteLength(v,"utf8"):0}
function __bridgeBadChar(v){if(typeof v!="string")return;const m=/[^\\u0009\\u000A\\u000D\\u0020-\\uD7FF\\uE000-\\uFFFD\\u{10000}-\\u{10FFFF}]/u.exec(v);if(!m)return;const c=m[0].codePointAt(0).toString(16).toUpperCase();return "Invalid binary character '#x"+c+"' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"}
function __bridgeCheckChars(v){const bad=__bridgeBadChar(v);if(bad)throw new T({Type:"com.amazonaws.sqs#InvalidMessageContents",Code:"InvalidMessageContents",Message:bad,SenderFault:!0,statusCode:400})}
`;

/**
 * Cost fixes (9) and (10), with the same answers as the bundle's scans:
 * (9) the bundle finds a FIFO send's duplicate by scanning every message of the queue, per send:
 * quadratic when a thousand commands are enqueued at once. Here each FIFO queue indexes its
 * messages by deduplication id, in queue order (a message joins at its one push, leaves at its one
 * splice or when the queue is purged), and the lookup takes the first of the id's messages, in the
 * same group unless `DeduplicationScope` is `queue`, as the scan did.
 * (10) the FIFO group lock of fix (2) asked, per candidate message, whether any message of the
 * whole queue locks its group. Here each pass of a receive first collects the groups that are
 * locked (those with a message in flight that is not part of this same answer): the set does not
 * change during a pass, because a pass only takes visible messages, and a taken message is in the
 * answer, so it locks nothing for it.
 */
const FIFO_INDEXES = `
function __bridgeIndex(q,rec){if(!q.FifoQueue)return;const m=(q.__bridgeByDedupe??=new Map),k=String(rec.record.attributes.MessageDeduplicationId),l=m.get(k);if(l)l.push(rec);else m.set(k,[rec])}
function __bridgeUnindex(q,rec){const m=q.__bridgeByDedupe;if(!m||!rec)return;const k=String(rec.record.attributes.MessageDeduplicationId),l=m.get(k);if(!l)return;const i=l.indexOf(rec);if(i!=-1)l.splice(i,1);if(l.length==0)m.delete(k)}
function __bridgeDuplicateOf(q,g,d){const l=q.__bridgeByDedupe?.get(String(d));if(!l)return;return q.DeduplicationScope=="queue"?l[0]:l.find(i=>i.record.attributes.MessageGroupId==g)}
function __bridgeLockedGroups(all,answer){const g=new Set;for(const z of all)if(!z.visible&&!answer.has(z.record.MessageId))g.add(z.record.attributes.MessageGroupId);return g}
`;

type LocalAwsSqsModule = { createSqsServer(options: ISqsServerOptions): Promise<Server> };
let corrected: LocalAwsSqsModule | undefined;

/**
 * Why this loader exists: `local-aws-sqs` 2.0.2 differs from SQS in eight ways our tests and the
 * local bridge depend on:
 * (1) `ChangeMessageVisibility` increments `ApproximateReceiveCount` (real SQS counts receives
 * only), which would exhaust `MAX_ATTEMPTS` and the redrive early;
 * (2) a FIFO receive returns messages of a message group while another message of that group is
 * still in flight (real SQS locks the group until it is deleted or visible again);
 * (3) a long poll that outlasts a short visibility timeout could return the same message twice
 * in one answer;
 * (4) a FIFO deduplication id is forgotten once its message is deleted or dead-lettered, where
 * SQS remembers it for 5 minutes from the send (a Sinch retry after the consumer deleted the
 * first copy would be delivered again);
 * (5) message sizes are counted in UTF-16 units where SQS counts UTF-8 bytes (a body of 400
 * "€" passed a 1 KiB limit);
 * (6) bodies with characters SQS refuses (U+FFFE, U+FFFF, control characters, lone surrogates)
 * were accepted, where SQS answers `InvalidMessageContents`;
 * (7) a FIFO `SequenceNumber` is a random prefix cut to a length that shrinks as the count grows,
 * so it does not increase within a group as SQS's does (the archive orders replays by it): here
 * 20 digits, a per-group prefix then the zero-padded count;
 * (8) `ApproximateNumberOfMessages` counted the messages in flight too, where SQS counts only
 * those available for retrieval (in flight is `ApproximateNumberOfMessagesNotVisible`): a test
 * waiting for a returned message saw it "back" while it was still invisible;
 * (11) a receive answered only once it held `MaxNumberOfMessages` messages or its wait ran out,
 * and looked first after 10 ms: with fewer messages available than asked for, every long poll
 * waited its whole `WaitTimeSeconds` (a consumer of a trickle got each message up to that late),
 * and even a full queue answered 10 ms late. SQS answers as soon as it has at least one message
 * ("Amazon SQS sends a response after it collects at least one available message, up to the
 * maximum number of messages specified in the request"): here the first pass runs at once, and
 * a pass that found any message answers.
 * Two more changes, (9) and (10) (see `FIFO_INDEXES`), keep every answer and only replace scans
 * of the whole queue that made a deep FIFO queue cost quadratic CPU.
 * Each is a small change to its single-file bundle, applied here at load time; a changed bundle
 * fails loudly instead of silently testing against the wrong semantics.
 */
function loadLocalAwsSqs(): LocalAwsSqsModule {
  if (corrected) return corrected;
  const patches: Array<[string, string]> = [
    ['"use strict";', `"use strict";${DEDUPE_MEMORY}${STRICT_CONTENTS}${FIFO_INDEXES}`],
    // (5), (6): SendMessage.
    [
      'let r=e.MessageBody.length;if(i){',
      '__bridgeCheckChars(e.MessageBody);let r=__bridgeBytes(e.MessageBody);if(i){',
    ],
    [
      'typeof f=="string"&&(r+=f.length),typeof c=="string"&&(r+=c.length),typeof y=="string"&&(r+=y.length)}H(i)',
      'typeof f=="string"&&(r+=__bridgeBytes(f)),typeof c=="string"&&(r+=__bridgeBytes(c)),typeof y=="string"&&(r+=y.length)}H(i)',
    ],
    // (5), (6): the FIFO send path.
    [
      'let r=i.MessageBody.length,n=i.MessageAttributes;',
      '__bridgeCheckChars(i.MessageBody);let r=__bridgeBytes(i.MessageBody),n=i.MessageAttributes;',
    ],
    // (5), (6): each SendMessageBatch entry, answered per entry as SQS does.
    [
      'let i=s.MessageBody.length,r=s.MessageAttributes;',
      'let __bad=__bridgeBadChar(s.MessageBody);if(__bad)return{Code:"InvalidMessageContents",Id:s.Id,Message:__bad,SenderFault:"true"};let i=__bridgeBytes(s.MessageBody),r=s.MessageAttributes;',
    ],
    // (5): the whole batch's size.
    [
      'typeof e.MessageBody=="string"&&(t+=e.MessageBody.length)',
      'typeof e.MessageBody=="string"&&(t+=__bridgeBytes(e.MessageBody))',
    ],
    [
      'let n=Number(t.record.attributes.ApproximateReceiveCount)+1;',
      'let n=Number(t.record.attributes.ApproximateReceiveCount)+(i?0:1);',
    ],
    // (2), (3), (10): one pass of a receive (every 10 ms of a long poll) skips messages already in
    // this answer and messages of locked groups.
    [
      'c=setInterval(()=>{d++;for(let y of S(this,E))if(!y.delayed){if(y.visible){l(this,D,Wt).call(this,y,i);let f=ke({},y);f.record=ke({},f.record),f.record.attributes=ke({},f.record.attributes),r.push(f)}',
      'c=setInterval(()=>{d++;const __answer=new Set(r.map(q=>q.record.MessageId)),__locked=this.FifoQueue?__bridgeLockedGroups(S(this,E),__answer):void 0;' +
        'for(let y of S(this,E))if(!y.delayed){if(y.visible&&!__answer.has(y.record.MessageId)&&' +
        '!(__locked&&__locked.has(y.record.attributes.MessageGroupId))){' +
        'l(this,D,Wt).call(this,y,i);let f=ke({},y);f.record=ke({},f.record),f.record.attributes=ke({},f.record.attributes),r.push(f),__answer.add(f.record.MessageId)}',
    ],
    // (11): a receive answers after the first pass that found a message, and the first pass runs
    // at once instead of after the interval's 10 ms.
    [
      'a=new Promise(y=>{o=y}),d=0,c;return n=setTimeout',
      'a=new Promise(y=>{o=y}),d=0,c,__pass;return n=setTimeout',
    ],
    ['c=setInterval(()=>{d++;const __answer', 'c=setInterval(__pass=()=>{d++;const __answer'],
    [
      'if(r.length==e){clearInterval(c),clearTimeout(n),o();break}}},10),c.unref(),yield a',
      'if(r.length==e){clearInterval(c),clearTimeout(n),o();break}}r.length>0&&(clearInterval(c),clearTimeout(n),o())},10),c.unref(),__pass(),yield a',
    ],
    // (4), (9): a message leaves the queue (deleted, dead-lettered, expired).
    [
      'zt=function(t){clearTimeout(S(this,E)[t].tmRetention)',
      'zt=function(t){__bridgeRemember(this,S(this,E)[t]),__bridgeUnindex(this,S(this,E)[t]);clearTimeout(S(this,E)[t].tmRetention)',
    ],
    [
      'm(this,Oe,t=>{let e=S(this,E).findIndex(i=>i.record.MessageId==t);if(e!=-1)return clearT',
      'm(this,Oe,t=>{let e=S(this,E).findIndex(i=>i.record.MessageId==t);if(e!=-1)return __bridgeRemember(this,S(this,E)[e]),__bridgeUnindex(this,S(this,E)[e]),clearT',
    ],
    // (9): a message joins the queue; a purge empties it.
    [
      'return S(this,E).push(i),ie(this,ge)._++',
      'return S(this,E).push(i),__bridgeIndex(this,i),ie(this,ge)._++',
    ],
    ['clearTimeout(t.tm);C(this,E,[])}', 'clearTimeout(t.tm);C(this,E,[]),this.__bridgeByDedupe=void 0}'],
    // (4), (9): a FIFO send's duplicate, in the queue or remembered.
    [
      'm(this,Ye,(t,e)=>this.DeduplicationScope=="queue"?S(this,E).find(i=>i.record.attributes.MessageDeduplicationId==e):S(this,E).find(i=>i.record.attributes.MessageGroupId==t&&i.record.attributes.MessageDeduplicationId==e));',
      'm(this,Ye,(t,e)=>__bridgeDuplicateOf(this,t,e)??__bridgeRecall(this,t,e));',
    ],
    // (8)
    [
      'ApproximateNumberOfMessages:String(S(this,E).filter(o=>!o.delayed).length)',
      'ApproximateNumberOfMessages:String(S(this,E).filter(o=>!o.delayed&&o.visible).length)',
    ],
    [
      'return i.padStart(lr+1-i.length,e).slice(0,20)}',
      'return (e+"00000000").slice(0,8)+i.padStart(12,"0")}',
    ],
  ];
  corrected = loadPatchedModule<LocalAwsSqsModule>(
    'local-aws-sqs',
    patches,
    'local-aws-sqs changed: cannot apply the SQS-semantics fix for',
  );
  return corrected;
}
