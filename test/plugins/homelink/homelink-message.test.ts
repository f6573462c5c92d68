import assert from 'node:assert/strict';
import { InboundMessage, MessageRejected } from '../../../core/message.js';
import { eventIdOf, parseHomelink, parseMessage, typeOfPayload } from '../../../plugins/homelink/homelink-message.js';

function inbound(topic: string, payload: unknown): InboundMessage {
  const body = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return new InboundMessage('local', { topic, payload: body, qos: 1, retain: false, dup: false }, 262144);
}

function rejection(topic: string, payload: unknown, depth = 1): { code: string; reason: string } {
  try {
    parseMessage(inbound(topic, payload), depth);
  } catch (err) {
    assert.ok(err instanceof MessageRejected, `expected a rejection, got ${String(err)}`);
    return { code: err.code, reason: err.message };
  }
  assert.fail('the message was accepted');
}

const ALERT = { eventId: 'e1', actionTimestamp: '2026-11-20T10:00:00.000Z', eventTypeId: 'FIRE_ALARM', deviceSerialNumber: 'D6FCD4F0', propertyReference: 'JOE_BLOGGS_Home' };

describe('homelink: reading a message', () => {
  it('takes the type and classifier from the topic and every id and the action from the payload', () => {
    const m = parseMessage(inbound('joe_bloggs/alert/active/joe_bloggs_home/c3cec7fb-xxxx/co-alarm', { ...ALERT, deviceSerialNumber: 'C3CEC7FB-D6FCD4F1', deviceId: 'u-1', action: 'add' }), 1);
    assert.equal(m.type, 'alert');
    assert.equal(m.classifier, 'active');
    assert.equal(m.action, 'ADD');
    assert.equal(m.deviceId, 'u-1');
    assert.equal(m.eventType, 'FIRE_ALARM');
    assert.equal(m.device, 'C3CEC7FB-D6FCD4F1');
    assert.equal(m.property, 'JOE_BLOGGS_Home');
    assert.equal(m.eventId, 'e1');
    assert.equal(m.at, Date.parse('2026-11-20T10:00:00Z'));
    assert.equal(m.time, '2026-11-20T10:00:00.000Z');
  });

  it('has a classifier only for alerts (active, resolved): property and device topics end with the action, which is read from the payload', () => {
    const m = parseMessage(inbound('joe_bloggs/reading/joe_bloggs_home/env01234/environment-temperature-indoor', { deviceSerialNumber: 'ENV01234', propertyReference: 'JOE_BLOGGS_Home', readingTypeId: 'environment.temperature.indoor', value: 21.4 }), 1);
    assert.equal(m.type, 'reading');
    assert.equal(m.classifier, undefined);
    const device = parseMessage(inbound('joe_bloggs/device/joe_bloggs_home/remove', { deviceSerialNumber: 'D', propertyReference: 'P', action: 'REMOVE' }), 1);
    assert.equal(device.classifier, undefined);
    assert.equal(device.action, 'REMOVE');
    assert.equal(parseMessage(inbound('joe_bloggs/alert/resolved/p/d/fire-alarm', ALERT), 1).classifier, 'resolved');
  });

  it('reads a payload without a topic the same way (webhook, REST)', () => {
    const m = parseHomelink('alert', ALERT);
    assert.equal(m.topic, undefined);
    assert.equal(m.type, 'alert');
    assert.equal(m.classifier, undefined);
    assert.equal(m.eventId, 'e1');
    assert.equal(eventIdOf(m), eventIdOf(parseMessage(inbound('joe_bloggs/alert/active/P/D', ALERT), 1)));
    assert.equal(parseHomelink('nonsense', {}).type, 'unknown');
    assert.throws(() => parseHomelink('alert', [1]), (err: unknown) => err instanceof MessageRejected && err.code === 'not_an_object');
  });

  it('recognises a topic-less payload\'s type by the field only that type has', () => {
    assert.equal(typeOfPayload({ notificationId: 'n', alerts: [{ statusId: 'ACTIVE' }] }), 'notification');
    assert.equal(typeOfPayload({ readingTypeId: 'environment.co2.indoor', deviceSerialNumber: 'D' }), 'reading');
    assert.equal(typeOfPayload({ statusId: 'ACTIVE', eventId: 'e' }), 'alert');
    assert.equal(typeOfPayload({ replaceByDate: null, deviceSerialNumber: 'D' }), 'device');
    assert.equal(typeOfPayload({ deviceCount: 3, propertyReference: 'P' }), 'property');
    assert.equal(typeOfPayload({ foo: 1 }), 'unknown');
  });

  it('attributes a notification to the property its alerts name', () => {
    const m = parseHomelink('notification', { notificationId: 'n-1', alerts: [{ eventId: 'a' }, { eventId: 'b', propertyReference: 'BRIGHT_HOMES_Flat_3' }] });
    assert.equal(m.property, 'BRIGHT_HOMES_Flat_3');
  });

  it('reads under a root of several levels (bridged)', () => {
    assert.equal(parseMessage(inbound('homelink/joe_bloggs/alert/active/JOE_BLOGGS_Home/D6FCD4F0', ALERT), 2).type, 'alert');
  });

  it('calls any other type unknown, without rejecting it', () => {
    assert.equal(parseMessage(inbound('joe_bloggs/gibberish/JOE_BLOGGS_Home', { foo: 'bar' }), 1).type, 'unknown');
    assert.equal(parseMessage(inbound('joe_bloggs', { foo: 'bar' }), 1).type, 'unknown');
  });

  it('reads a time without a zone as UTC', () => {
    assert.equal(parseMessage(inbound('joe_bloggs/alert/active/P/D', { ...ALERT, actionTimestamp: '2026-11-20T10:00:00' }), 1).time, '2026-11-20T10:00:00.000Z');
  });

  it('rejects, each with its code and reason', () => {
    assert.deepEqual(rejection('joe_bloggs/alert/active/P/D', '[1,2,3]'), { code: 'not_an_object', reason: 'payload is JSON but not an object (an array)' });
    assert.deepEqual(rejection('joe_bloggs/alert/active/P/D', { eventTypeId: 'FIRE_ALARM' }), { code: 'missing_field', reason: 'alert message without eventId and actionTimestamp' });
    assert.deepEqual(rejection('joe_bloggs/alert/active/P/D', { ...ALERT, actionTimestamp: 'yesterday' }), { code: 'invalid_timestamp', reason: 'actionTimestamp "yesterday" is not an ISO 8601 date' });
    assert.equal(rejection('joe_bloggs/alert/active/P/D', { ...ALERT, actionTimestamp: 1795168800000 }).code, 'invalid_timestamp');
    assert.deepEqual(rejection('joe_bloggs/alert/active/P/D', { ...ALERT, deviceSerialNumber: { a: 1 } }), { code: 'invalid_field', reason: 'deviceSerialNumber must be a string of 1 to 200 characters (got object)' });
    assert.equal(rejection('joe_bloggs/alert/active/P/D', { ...ALERT, eventId: '' }).code, 'invalid_field');
    assert.equal(rejection('joe_bloggs/alert/active/P/D', { ...ALERT, propertyReference: 'x'.repeat(201) }).code, 'invalid_field');
    assert.deepEqual(rejection('joe_bloggs/event/P/D', { eventTypeId: 'HUSH', actionTimestamp: '2026-11-20T10:00:00Z' }), { code: 'missing_field', reason: 'event HUSH without deviceSerialNumber' });
    assert.deepEqual(rejection('joe_bloggs/event/P/D', { eventTypeId: 'FIRE_ALARM', deviceSerialNumber: 'D' }), { code: 'missing_field', reason: 'event FIRE_ALARM without actionTimestamp' });
    assert.deepEqual(rejection('joe_bloggs/device/p/remove', { deviceSerialNumber: 'D', propertyReference: 'P', action: 'DELETE' }), { code: 'invalid_field', reason: 'action "DELETE" is not one of ADD, UPDATE, REMOVE for device messages' });
    assert.deepEqual(rejection('joe_bloggs/alert/active/P/D', { ...ALERT, action: 'REMOVE' }), { code: 'invalid_field', reason: 'action "REMOVE" is not one of ADD, RESOLVE for alert messages' });
    assert.deepEqual(rejection('joe_bloggs/reading/P/D', { deviceSerialNumber: 'D', readingTypeId: 'TEMPERATURE', value: 'warm' }), { code: 'missing_field', reason: 'reading message without a numeric value' });
    assert.deepEqual(rejection('joe_bloggs/device/add/P/D', { deviceSerialNumber: 'D' }), { code: 'missing_field', reason: 'device message without propertyReference' });
    assert.deepEqual(rejection('joe_bloggs/property/add/P', { address: 'x' }), { code: 'missing_field', reason: 'property message without propertyReference' });
  });

  it('accepts other events without an id or a time', () => {
    assert.equal(parseMessage(inbound('joe_bloggs/event/P/D', { eventTypeId: 'GATEWAY_CHECK_IN' }), 1).type, 'event');
  });
});

describe('homelink: event ids', () => {
  it('is <eventId>@<actionTimestamp> for an alert', () => {
    assert.equal(eventIdOf(parseMessage(inbound('joe_bloggs/alert/active/P/D', ALERT), 1)), 'e1@2026-11-20T10:00:00.000Z');
  });

  it('carries the type for other messages, whose ids may repeat an alert\'s', () => {
    const event = parseMessage(inbound('joe_bloggs/event/P/D', { ...ALERT, eventTypeId: 'HUSH' }), 1);
    assert.equal(eventIdOf(event), 'event:e1@2026-11-20T10:00:00.000Z');
    const notification = parseMessage(inbound('joe_bloggs/notification/P', { notificationId: 'n-1', actionTimestamp: '2026-11-20T10:06:00.000Z' }), 1);
    assert.equal(eventIdOf(notification), 'notification:n-1@2026-11-20T10:06:00.000Z');
  });

  it('is a digest of the message when the payload has no id: the same for the same message, different for another', () => {
    const id = (payload: unknown): string => eventIdOf(parseMessage(inbound('joe_bloggs/gibberish/P', payload), 1));
    assert.equal(id({ foo: 'bar' }), id({ foo: 'bar' }));
    assert.notEqual(id({ foo: 'bar' }), id({ foo: 'baz' }));
    assert.match(id({ foo: 'bar' }), /^unknown:[A-Za-z0-9_-]{16}$/);
  });
});
