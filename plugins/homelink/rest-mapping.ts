/**
 * HomeLINK's REST API names things differently from its MQTT and webhook messages: a property is
 * `{reference, address, postcode, createdAt, updatedAt, ...}`, a device `{serialNumber (bare), model,
 * modelType, manufacturer, replaceDate, createdAt, updatedAt, ...}`, an alert `{id, serialNumber,
 * eventType, status, category (the event category), type (DEVICE | INSIGHT), raisedDate, ...}`. These
 * turn them into the messages MQTT would carry, so that one parser, one dedupe and one state machine
 * handle every way in. An alert's `id` is the eventId of the event that raised it, its identity over MQTT.
 */

type Payload = Record<string, unknown>;

/** The REST resource's string field, or null. */
function str(rest: Payload, field: string): string | null {
  const value = rest[field];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** When a REST resource last changed: updatedAt, else createdAt (ISO strings), as ms; undefined when it has neither. */
export function changedAt(rest: Payload): number | undefined {
  const ms = Date.parse(str(rest, 'updatedAt') ?? str(rest, 'createdAt') ?? '');
  return Number.isFinite(ms) ? ms : undefined;
}

/** A `property` message (ADD, or UPDATE once it has changed since it was created) for a REST property. */
export function propertyMessage(rest: Payload, landlord: string | null): Payload {
  const created = str(rest, 'createdAt');
  const updated = str(rest, 'updatedAt') ?? created;
  return {
    propertyReference: rest.reference,
    landlordReference: landlord,
    address1: str(rest, 'address'),
    postcode: str(rest, 'postcode'),
    latitude: rest.latitude ?? null,
    longitude: rest.longitude ?? null,
    tags: Array.isArray(rest.tags) ? rest.tags : [],
    action: updated !== null && updated !== created ? 'UPDATE' : 'ADD',
    actionTimestamp: updated,
  };
}

/**
 * The serial a device has over MQTT: `<gateway>-<serial>`, or the bare serial for the gateway itself
 * (REST gives every device its bare serial). A device the plugin already knows under a serial ending in
 * `-<serial>` keeps it; otherwise the property's one gateway is the prefix, and without exactly one the
 * bare serial is used.
 */
export function mqttSerial(serial: string, modelType: string | null, gateways: readonly string[], known: Iterable<string>): string {
  if (modelType === 'GATEWAY') return serial;
  for (const candidate of known) if (candidate === serial || candidate.endsWith(`-${serial}`)) return candidate;
  return gateways.length === 1 ? `${gateways[0]}-${serial}` : serial;
}

/** A `device` message (ADD or UPDATE) for a REST device of `property`, under its MQTT serial. */
export function deviceMessage(rest: Payload, property: string, serial: string): Payload {
  const created = str(rest, 'createdAt');
  const updated = str(rest, 'updatedAt') ?? created;
  const status = rest.status !== null && typeof rest.status === 'object' ? (rest.status as Payload) : {};
  return {
    deviceSerialNumber: serial,
    devicePhySerialNumber: serial,
    propertyReference: property,
    sourceModel: str(rest, 'model'),
    sourceModelType: str(rest, 'modelType'),
    manufacturerReference: str(rest, 'manufacturer'),
    location: str(rest, 'location'),
    locationNickname: str(rest, 'locationNickname'),
    installationDate: str(rest, 'installationDate'),
    installedBy: str(rest, 'installedBy'),
    replaceByDate: str(rest, 'replaceDate'),
    lastTestedDate: str(status, 'lastTestedDate'),
    action: updated !== null && updated !== created ? 'UPDATE' : 'ADD',
    actionTimestamp: updated,
  };
}

/**
 * An `alert` ADD for a REST alert that is active, dated when it was raised (so that the same alert
 * arriving later over MQTT or webhook is recognised as a copy, and anything newer about it still counts).
 * `serial` is the device's MQTT serial, null for an alert about the property (an insight).
 */
export function alertMessage(rest: Payload, property: string, serial: string | null): Payload {
  const raised = str(rest, 'raisedDate') ?? str(rest, 'createdAt');
  return {
    eventId: rest.id,
    statusId: 'ACTIVE',
    action: 'ADD',
    actionTimestamp: raised,
    raisedDate: raised,
    eventTypeId: str(rest, 'eventType'),
    category: str(rest, 'type'),
    eventCategory: str(rest, 'category'),
    severity: str(rest, 'severity'),
    description: str(rest, 'description'),
    propertyReference: property,
    deviceSerialNumber: serial,
    devicePhySerialNumber: serial,
    sourceModel: str(rest, 'model'),
    sourceModelType: str(rest, 'modelType'),
    location: str(rest, 'location'),
    locationNickname: str(rest, 'locationNickname'),
    insightId: str(rest, 'insightId'),
  };
}

/** An `alert` RESOLVE for a listed alert that REST no longer lists, at `at` (ms). */
export function resolveMessage(alert: { eventId: string; device: string; property: string; eventType: string | null }, at: number): Payload {
  const time = new Date(at).toISOString();
  return {
    eventId: alert.eventId,
    statusId: 'RESOLVED',
    action: 'RESOLVE',
    actionTimestamp: time,
    resolvedDate: time,
    eventTypeId: alert.eventType,
    propertyReference: alert.property,
    deviceSerialNumber: alert.device,
    devicePhySerialNumber: alert.device,
  };
}

/** Whether a REST alert is still active. */
export function isActive(rest: Payload): boolean {
  const status = str(rest, 'status');
  return status === null || status.toUpperCase() === 'ACTIVE';
}
