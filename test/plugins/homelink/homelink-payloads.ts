/**
 * Payloads in HomeLINK's own shapes (as its MQTT messages and webhooks carry them), built for the
 * webhook and REST tests: one property with a gateway and a smoke/CO alarm behind it.
 */
export const LANDLORD = 'BRIGHT_HOMES';
export const PROPERTY = 'BRIGHT_HOMES_Flat_3';
export const GATEWAY = 'A7E2C410';
export const ALARM = 'A7E2C410-5B1D0E22';
export const FIRE_EVENT_ID = '7c1e0d52-0000-4000-8000-00000000a001';

const propertyFields = {
  landlordReference: LANDLORD,
  propertyReference: PROPERTY,
  propertyDisplayReference: 'Flat 3',
  propertyId: '1d0c5e3a-0b7e-4a43-9d53-6a1f0f6a7b21',
  address1: 'Flat 3, 14 Mill Lane',
  address2: null,
  addressConfidence: 'FULL',
  city: 'Leeds',
  country: 'GB',
  postcode: 'LS1 4AB',
};

export function propertyAdd(actionTimestamp = '2026-01-15T08:00:00.000Z'): Record<string, unknown> {
  return { ...propertyFields, action: 'ADD', actionTimestamp, deviceCount: 2, installedBy: 'Installer', __IDENTITY: propertyFields.propertyId };
}

const alarmFields = {
  deviceId: '0a1f5c2e-1111-4c1e-9a3b-000000000002',
  deviceSerialNumber: ALARM,
  devicePhySerialNumber: ALARM,
  sourceModel: 'EI3028',
  sourceModelType: 'FIRECOALARM',
  manufacturerReference: 'EI',
  room: 'Kitchen',
  location: 'KITCHEN',
  locationNickname: null,
};

export function alarmDeviceAdd(actionTimestamp = '2026-01-15T08:02:00.000Z'): Record<string, unknown> {
  return {
    ...alarmFields,
    ...propertyFields,
    installationDate: '2024-02-01T00:00:00.000Z',
    installedBy: 'Installer',
    replaceByDate: '2034-02-01T00:00:00.000Z',
    uninstallationDate: null,
    action: 'ADD',
    actionTimestamp,
    __IDENTITY: alarmFields.deviceId,
  };
}

export function fireAlert(eventId = FIRE_EVENT_ID, actionTimestamp = '2026-01-15T08:10:02.000Z'): Record<string, unknown> {
  return {
    ...alarmFields,
    landlordReference: LANDLORD,
    propertyReference: PROPERTY,
    propertyDisplayReference: 'Flat 3',
    propertyId: propertyFields.propertyId,
    sourceId: 'EI',
    insightId: null,
    insightDefinitionId: null,
    category: 'DEVICE',
    eventId,
    __IDENTITY: eventId,
    statusId: 'ACTIVE',
    eventTypeId: 'FIRE_ALARM',
    eventTypeName: 'Fire alarm activated',
    title: 'Fire alarm activated',
    severity: 'HIGH',
    raisedDate: '2026-01-15T08:10:00Z',
    description: '5B1D0E22 in location Kitchen: Fire alarm activated',
    action: 'ADD',
    actionTimestamp,
    resolvedDate: null,
    resolvingEventId: null,
    resolvingEventTypeId: null,
    resolvingEventTypeName: null,
    resolvingEventTypeDescription: null,
  };
}

/** The MQTT topic HomeLINK publishes an alert on, under `root`. */
export function alertTopic(root: string): string {
  return `${root}/alert/active/${PROPERTY.toLowerCase()}/${ALARM.toLowerCase()}/fire-alarm`;
}
