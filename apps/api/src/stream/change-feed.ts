import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { AppConfig } from '../config/app-config.js';
import { parseChange, type StreamChange } from './stream-change.js';

export type FeedEvent = { kind: 'change'; change: StreamChange } | { kind: 'resync' };

/**
 * The process's one LISTEN connection to `stream_changes` (its own client, outside the pool). When
 * the connection is lost it reconnects and tells every subscriber to resync: changes committed
 * meanwhile were not heard.
 */
@Injectable()
export class ChangeFeed implements OnModuleInit, OnModuleDestroy {
  private client?: pg.Client;
  private readonly subscribers = new Set<(event: FeedEvent) => void>();
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  subscribe(subscriber: (event: FeedEvent) => void): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  private emit(event: FeedEvent): void {
    for (const subscriber of this.subscribers) subscriber(event);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.config.databaseUrl });
    const lost = () => {
      if (this.client !== client || this.stopped) return;
      this.client = undefined;
      client.end().catch(() => undefined);
      this.retry = setTimeout(() => void this.reconnect(), 1000);
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      const change = parseChange(message.payload);
      if (change) this.emit({ kind: 'change', change });
    });
    this.client = client;
    await client.connect();
    await client.query('LISTEN stream_changes');
  }

  private async reconnect(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.connect();
      this.emit({ kind: 'resync' });
    } catch {
      this.client = undefined;
      this.retry = setTimeout(() => void this.reconnect(), 1000);
    }
  }
}
