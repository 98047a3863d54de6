// Publishes an Outbox over MQTT (the `mqtt` npm client) with QoS 1: records go out in seq order, at most `window`
// unacknowledged at a time, and each leaves the outbox when the broker's PUBACK arrives. While the link is down
// nothing new is handed to the client; mqtt.js keeps the ones already in flight and sends them again on reconnect
// (before anything new), then this continues with the stored backlog. Duplicates happen only where QoS 1 allows
// them: a record whose PUBACK was lost (link or process gone after the broker had it) is sent again.
import { EventEmitter } from 'events';
import * as mqtt from 'mqtt';
import type { Outbox } from './outbox';

export class Publisher extends EventEmitter {
  #outbox: Outbox;
  #client: mqtt.MqttClient;
  /** The highest seq handed to the client. */
  #sent = 0;
  /** seqs handed to the client and not acknowledged. */
  #inFlight = new Set<number>();
  #window: number;
  #closing = false;
  delivered = 0;

  /** @param url e.g. mqtt://127.0.0.1:1883 */
  constructor(outbox: Outbox, url: string,
    options: { clientId: string; window?: number; statusTopic?: string; reconnectMs?: number }) {
    super();
    this.#outbox = outbox;
    this.#window = options.window ?? 32;
    const status = options.statusTopic;
    this.#client = mqtt.connect(url, {
      clientId: options.clientId,
      clean: true,
      reconnectPeriod: options.reconnectMs ?? 500,
      connectTimeout: 5000,
      // The broker announces the service offline if the link dies without a goodbye.
      will: status ? { topic: status, payload: Buffer.from('offline'), qos: 1, retain: true } : undefined,
    });
    this.#client.on('connect', () => {
      // mqtt.js emits 'connect' once it has re-sent what it had in flight: the backlog follows from here.
      if (status) this.#client.publish(status, 'online', { qos: 1, retain: true });
      this.emit('connect', { stored: this.#outbox.stored });
      this.pump();
    });
    this.#client.on('offline', () => this.emit('offline', { stored: this.#outbox.stored }));
    this.#client.on('error', (error) => this.emit('linkError', error));
  }

  get connected(): boolean {
    return this.#client.connected;
  }

  /** Hands stored records to the client while it is connected and the window has room. */
  pump(): void {
    while (!this.#closing && this.#client.connected && this.#inFlight.size < this.#window) {
      const record = this.#outbox.next(this.#sent);
      if (!record) return;
      this.#sent = record.seq;
      this.#inFlight.add(record.seq);
      this.#client.publish(record.topic, record.payload, { qos: 1 }, (error) => {
        this.#inFlight.delete(record.seq);
        if (error) {
          // Not delivered (the client was closed under it): send it again from the store later.
          this.#sent = Math.min(this.#sent, record.seq - 1);
          return;
        }
        this.#outbox.ack(record.seq);
        this.delivered++;
        this.emit('delivered', { seq: record.seq, stored: this.#outbox.stored });
        this.pump();
      });
    }
  }

  /** Resolves when everything stored has been acknowledged. */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.#outbox.stored === 0) {
          this.off('delivered', check);
          resolve(undefined);
        }
      };
      this.on('delivered', check);
      check();
    });
  }

  /** Says goodbye to the broker (status 'offline') and closes the link. */
  async close(): Promise<void> {
    this.#closing = true;
    const status = this.#client.options.will?.topic;
    if (status && this.#client.connected) {
      await new Promise((resolve) => this.#client.publish(status, 'offline', { qos: 1, retain: true }, resolve));
    }
    await this.#client.endAsync();
  }
}
