import assert from 'node:assert/strict';
import type { Packet } from 'mqtt';
import { AckGate } from '../../core/ack-gate.js';

/** The state store as the gate sees it: a change count and how much of it is on disk. */
class FakeDurability {
  seq = 0;
  durableSeq = 0;
  change(): void {
    this.seq++;
  }
  commit(): void {
    this.durableSeq = this.seq;
  }
}

const puback = (messageId: number): Packet => ({ cmd: 'puback', messageId }) as Packet;
const pubrec = (messageId: number): Packet => ({ cmd: 'pubrec', messageId }) as Packet;
const pubcomp = (messageId: number): Packet => ({ cmd: 'pubcomp', messageId }) as Packet;

describe('AckGate', () => {
  let state: FakeDurability;
  let sent: string[];
  let gate: AckGate;

  beforeEach(() => {
    state = new FakeDurability();
    sent = [];
    gate = new AckGate(state, (packet) => sent.push(`${packet.cmd} ${(packet as { messageId: number }).messageId}`), 3);
  });

  it('sends an acknowledgement once its message is handled and nothing it changed is pending', () => {
    const slot = gate.expect(1);
    gate.done(slot);
    assert.equal(gate.capture(puback(1)), true);
    assert.deepEqual(sent, ['puback 1']);
    assert.equal(gate.size, 0);
  });

  it('keeps arrival order when a later message finishes first', () => {
    const first = gate.expect(1);
    const second = gate.expect(2);
    const third = gate.expect(3);
    gate.done(third);
    gate.capture(puback(3));
    gate.done(second);
    gate.capture(puback(2));
    assert.deepEqual(sent, [], 'all wait for the first');
    assert.equal(gate.size, 3);
    gate.capture(puback(1)); // mqtt.js may send before the (asynchronous) handlers finish
    assert.deepEqual(sent, []);
    gate.done(first);
    assert.deepEqual(sent, ['puback 1', 'puback 2', 'puback 3']);
    assert.equal(gate.size, 0);
  });

  it('holds an acknowledgement until the state changes its handlers made are durable', () => {
    state.change(); // an earlier, unrelated change still pending
    const slot = gate.expect(7);
    state.change();
    state.change(); // the handler changed state
    gate.done(slot);
    gate.capture(puback(7));
    assert.deepEqual(sent, []);
    state.durableSeq = 2;
    gate.drain();
    assert.deepEqual(sent, [], 'the handler\'s last change is not on disk yet');
    state.durableSeq = 3;
    gate.drain();
    assert.deepEqual(sent, ['puback 7']);
  });

  it('also waits for changes made before the message arrived (they may be what it depends on)', () => {
    state.change();
    const slot = gate.expect(1);
    gate.done(slot);
    gate.capture(puback(1));
    assert.deepEqual(sent, []);
    state.commit();
    gate.drain();
    assert.deepEqual(sent, ['puback 1']);
  });

  it('lets a PUBREC (captured without expect) wait its turn and for its stored packet to be durable', () => {
    const first = gate.expect(1);
    state.change(); // the incoming QoS 2 packet is stored
    gate.capture(pubrec(9));
    assert.deepEqual(sent, []);
    gate.done(first);
    gate.capture(puback(1));
    assert.deepEqual(sent, [], 'both wait for the stored packet');
    state.commit();
    gate.drain();
    assert.deepEqual(sent, ['puback 1', 'pubrec 9']);
  });

  it('follows the QoS 2 exchange: PUBREC once the packet is stored, PUBCOMP once the message is handled', () => {
    state.change(); // PUBLISH 5 stored in the incoming store
    gate.capture(pubrec(5));
    assert.deepEqual(sent, []);
    state.commit();
    gate.drain();
    assert.deepEqual(sent, ['pubrec 5']);
    // PUBREL 5 arrives: now the message is handed to the handlers.
    const slot = gate.expect(5);
    state.change();
    gate.capture(pubcomp(5));
    assert.deepEqual(sent, ['pubrec 5'], 'handlers still running');
    gate.done(slot);
    assert.deepEqual(sent, ['pubrec 5'], 'their change is not durable yet');
    state.commit();
    gate.drain();
    assert.deepEqual(sent, ['pubrec 5', 'pubcomp 5']);
  });

  it('sends a PUBCOMP for the message it acknowledges, in order', () => {
    const a = gate.expect(1);
    const b = gate.expect(2);
    gate.done(b);
    gate.capture(pubcomp(2));
    gate.done(a);
    gate.capture(puback(1));
    assert.deepEqual(sent, ['puback 1', 'pubcomp 2']);
  });

  it('pauses reading at the limit and resumes once an acknowledgement leaves', () => {
    let resumed = 0;
    const slots = [gate.expect(1), gate.expect(2)];
    gate.whenBelowLimit(() => resumed++);
    assert.equal(resumed, 1, 'below the limit: at once');
    slots.push(gate.expect(3));
    gate.whenBelowLimit(() => resumed++);
    assert.equal(resumed, 1, 'at the limit: paused');
    gate.done(slots[1]!);
    gate.capture(puback(2));
    assert.equal(resumed, 1, 'still three held (the second waits for the first)');
    gate.done(slots[0]!);
    gate.capture(puback(1));
    assert.equal(resumed, 2, 'resumed once');
    assert.equal(gate.size, 1);
    gate.drain();
    assert.equal(resumed, 2, 'resumed only once');
  });

  it('reads on past the limit while the connection must (its publishes wait for acknowledgements on the same stream)', () => {
    let mustRead = false;
    const blocked = new AckGate(state, (packet) => sent.push(`${packet.cmd} ${(packet as { messageId: number }).messageId}`), 1, () => mustRead);
    let resumed = 0;
    blocked.expect(1);
    blocked.whenBelowLimit(() => resumed++);
    assert.equal(resumed, 0, 'at the limit: paused');
    mustRead = true;
    blocked.drain();
    assert.equal(resumed, 1, 'resumed as soon as reading must go on');
    blocked.expect(2);
    blocked.whenBelowLimit(() => resumed++);
    assert.equal(resumed, 2, 'and not paused again while it must');
  });

  it('clear() drops what is held and the paused reader; the next connection starts afresh', () => {
    let resumed = 0;
    const held = [gate.expect(1), gate.expect(2), gate.expect(3)];
    gate.whenBelowLimit(() => resumed++);
    gate.clear();
    assert.equal(gate.size, 0);
    for (const slot of held) gate.done(slot);
    state.commit();
    gate.drain();
    assert.deepEqual(sent, [], 'nothing of the old connection is sent');
    assert.equal(resumed, 0, 'the old reader is not resumed');

    const slot = gate.expect(1);
    gate.done(slot);
    gate.capture(puback(1));
    assert.deepEqual(sent, ['puback 1']);
  });

  it('keeps order over thousands of acknowledgements, partly in order and partly in reverse', () => {
    const big = new AckGate(state, (packet) => sent.push(`${packet.cmd} ${(packet as { messageId: number }).messageId}`), 100000);
    const slots = Array.from({ length: 4000 }, (_, i) => big.expect(i + 1));
    for (let i = 0; i < 2000; i++) {
      big.done(slots[i]!);
      big.capture(puback(i + 1));
    }
    assert.equal(sent.length, 2000);
    assert.equal(big.size, 2000);
    for (let i = slots.length - 1; i > 2000; i--) {
      big.done(slots[i]!);
      big.capture(puback(i + 1));
    }
    assert.equal(sent.length, 2000, 'the rest wait for number 2001');
    big.done(slots[2000]!);
    big.capture(puback(2001));
    assert.equal(big.size, 0);
    assert.deepEqual(sent, Array.from({ length: 4000 }, (_, i) => `puback ${i + 1}`));
  });

  it('waits for a state change made after mqtt.js handed the acknowledgement over, before the message was done', () => {
    const slot = gate.expect(1);
    // mqtt.js writes the PUBACK as soon as the message is handed on: it comes while the handler is still at work.
    gate.capture(puback(1));
    assert.deepEqual(sent, [], 'not before the handler is done');
    state.change();
    gate.done(slot);
    assert.deepEqual(sent, [], 'not before the change the handler made is on disk');
    state.commit();
    gate.drain();
    assert.deepEqual(sent, ['puback 1']);
  });

  it('counts the acknowledgements of handled messages still on hold (what a graceful stop waits for)', () => {
    const first = gate.expect(1);
    gate.expect(2);
    assert.equal(gate.handledOnHold(), 0);
    state.change();
    gate.done(first);
    assert.equal(gate.handledOnHold(), 1, 'handled, waiting for its packet and the disk');
    gate.capture(puback(1));
    assert.equal(gate.handledOnHold(), 1, 'handled, waiting for the disk');
    state.commit();
    gate.drain();
    assert.equal(gate.handledOnHold(), 0);
    assert.deepEqual(sent, ['puback 1']);
  });

  it('says when reading is paused at the limit, and resumes it once an acknowledgement goes out', () => {
    const slots = [1, 2, 3].map((id) => gate.expect(id));
    let resumed = 0;
    assert.equal(gate.paused, false);
    gate.whenBelowLimit(() => resumed++);
    assert.equal(gate.paused, true, 'three on hold, the limit');
    assert.equal(resumed, 0);
    gate.done(slots[0]!);
    gate.capture(puback(1));
    assert.equal(gate.paused, false);
    assert.equal(resumed, 1);
  });

  it('sends an acknowledgement captured without a handled message even when its id was used before on the connection', () => {
    const slot = gate.expect(7);
    gate.done(slot);
    gate.capture(puback(7));
    assert.deepEqual(sent, ['puback 7']);
    // A PUBREL 7 for a QoS 2 message handled before a restart: mqtt.js answers it at once, with nothing handed on.
    gate.capture(pubcomp(7));
    assert.deepEqual(sent, ['puback 7', 'pubcomp 7']);
    assert.equal(gate.size, 0);
  });
});
