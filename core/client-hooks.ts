import type { MqttClient, Packet } from 'mqtt';
import type { PacketStorage } from './mqtt-store.js';

/** The parts of mqtt.js's client hooked here, for what it has no option for. */
interface ClientInternals {
  _sendPacket(packet: Packet, cb?: () => void, cbStorePut?: StorePutCallback, noStore?: boolean): void;
  _writePacket(packet: Packet, cb?: () => void): void;
}

/** A publish's `cbStorePut`, which mqtt.js passes along with its packet until the packet is stored. */
type StorePutCallback = ((err?: Error) => void) & { storage?: PacketStorage };

/** `cbStorePut` for a publish, carrying how its packet is to be stored (see hookSend). */
export function storedAs(storage: PacketStorage, cbStorePut: (err?: Error) => void): StorePutCallback {
  return Object.assign(cbStorePut, { storage });
}

/**
 * Hooks what the client sends: a publish's packet takes the storage its `cbStorePut` carries (storedAs), so the
 * store reads it from the packet; an acknowledgement `holdAck` takes is not sent now, but later through the
 * function returned (see AckGate).
 */
export function hookSend(client: MqttClient, holdAck: (packet: Packet) => boolean): (packet: Packet) => void {
  const internals = client as unknown as ClientInternals;
  const send = internals._sendPacket.bind(client);
  internals._sendPacket = (packet, cb, cbStorePut, noStore) => {
    if ((packet.cmd === 'puback' || packet.cmd === 'pubrec' || packet.cmd === 'pubcomp') && holdAck(packet)) {
      cb?.();
      return;
    }
    if (packet.cmd === 'publish' && cbStorePut?.storage) (packet as Packet & { storage?: PacketStorage }).storage = cbStorePut.storage;
    send(packet, cb, cbStorePut, noStore);
  };
  return (packet) => send(packet);
}

/**
 * The bridge bit (protocol level | 0x80, as mosquitto's try_private): mosquitto and aedes then treat the client as a
 * bridge, with No Local and Retain As Published on everything it subscribes. mqtt-packet writes it for a CONNECT
 * packet marked `bridgeMode`, which mqtt.js has no option for.
 */
export function installBridgeBit(client: MqttClient): void {
  const internals = client as unknown as ClientInternals;
  const write = internals._writePacket.bind(client);
  internals._writePacket = (packet, cb) => write(packet.cmd === 'connect' ? ({ ...packet, bridgeMode: true } as Packet) : packet, cb);
}
