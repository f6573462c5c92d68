import type { DeviceRecord } from './registry.js';

/** What an event says about the device or property it concerns (`device_info` in the event's data). */
export interface DeviceInfo {
  identifiers: [string, string, string][];
  name: string;
  via_device: [string, string, string] | null;
  manufacturer: string | null;
  model: string | null;
}

const DOMAIN = 'homelink';
// HomeLINK gives the maker's reference; users know the names as the makers write them.
const MANUFACTURERS: Readonly<Record<string, string>> = { EI: 'Ei', AICO: 'Aico' };

export function manufacturerName(device: DeviceRecord): string | null {
  return device.manufacturer === null ? null : (MANUFACTURERS[device.manufacturer.toUpperCase()] ?? device.manufacturer);
}

/** `<property> <where> <model type>`, e.g. "Flat 3 Kitchen FIRECOALARM": where is the location's nickname, else the room, else the location. */
export function deviceName(device: DeviceRecord): string {
  const property = device.propertyDisplayReference ?? device.property;
  const where = device.locationNickname ?? device.room ?? device.location ?? device.serial;
  return device.modelType ? `${property} ${where} ${device.modelType}` : `${property} ${where}`;
}

/** `<model> (<model type>)`, e.g. "EI3028 (FIRECOALARM)". */
export function deviceModel(device: DeviceRecord): string | null {
  if (device.model && device.modelType) return `${device.model} (${device.modelType})`;
  return device.model ?? device.modelType;
}

export function deviceInfo(device: DeviceRecord): DeviceInfo {
  return {
    identifiers: [[DOMAIN, 'device', device.serial]],
    name: deviceName(device),
    via_device: [DOMAIN, 'property', device.property],
    manufacturer: manufacturerName(device),
    model: deviceModel(device),
  };
}

/** A device not in the registry (its property unknown): what its serial says. */
export function unregisteredDeviceInfo(serial: string): DeviceInfo {
  return { identifiers: [[DOMAIN, 'device', serial]], name: serial, via_device: null, manufacturer: null, model: null };
}

export function propertyInfo(reference: string): DeviceInfo {
  return { identifiers: [[DOMAIN, 'property', reference]], name: reference, via_device: null, manufacturer: 'AICO', model: 'HomeLINK property' };
}
