import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

// A leaky bucket of query cost per API key, as Shopify runs it: a request
// takes its requested cost up front, gets back what it did not use, and the
// bucket refills at `restoreRate` points a second. Kept in Redis when
// configured, so every instance draws on the same bucket.

export type ThrottleStatus = { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
export type TakeResult = { allowed: boolean; status: ThrottleStatus; retryAfterSeconds: number };

export interface CostBucket {
  take(key: string, cost: number): Promise<TakeResult>;
  refund(key: string, amount: number): Promise<ThrottleStatus>;
  close(): Promise<void>;
}

type Limits = { maximumAvailable: number; restoreRate: number };

function retryAfter(limits: Limits, available: number, cost: number) {
  return Math.max(1, Math.ceil((Math.min(cost, limits.maximumAvailable) - available) / limits.restoreRate));
}

export class MemoryCostBucket implements CostBucket {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly limits: Limits,
    private readonly now = () => Date.now(),
  ) {}

  private level(key: string) {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.limits.maximumAvailable, at: now };
    bucket.tokens = Math.min(this.limits.maximumAvailable, bucket.tokens + ((now - bucket.at) / 1000) * this.limits.restoreRate);
    bucket.at = now;
    this.buckets.set(key, bucket);
    return bucket;
  }

  private status(tokens: number): ThrottleStatus {
    return { maximumAvailable: this.limits.maximumAvailable, currentlyAvailable: Math.floor(tokens), restoreRate: this.limits.restoreRate };
  }

  async take(key: string, cost: number): Promise<TakeResult> {
    const bucket = this.level(key);
    if (bucket.tokens < cost) return { allowed: false, status: this.status(bucket.tokens), retryAfterSeconds: retryAfter(this.limits, bucket.tokens, cost) };
    bucket.tokens -= cost;
    return { allowed: true, status: this.status(bucket.tokens), retryAfterSeconds: 0 };
  }

  async refund(key: string, amount: number) {
    const bucket = this.level(key);
    bucket.tokens = Math.min(this.limits.maximumAvailable, bucket.tokens + amount);
    return this.status(bucket.tokens);
  }

  async close() {}
}

const script = `
local max = tonumber(ARGV[1]); local rate = tonumber(ARGV[2]); local now = tonumber(ARGV[3])
local amount = tonumber(ARGV[4]); local mode = ARGV[5]
local data = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(data[1]) or max
local at = tonumber(data[2]) or now
tokens = math.min(max, tokens + math.max(0, now - at) / 1000 * rate)
local allowed = 1
if mode == 'take' then
  if tokens >= amount then tokens = tokens - amount else allowed = 0 end
else
  tokens = math.min(max, tokens + amount)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(max / rate * 1000) + 60000)
return {allowed, tostring(tokens)}`;

export class RedisCostBucket implements CostBucket {
  private readonly redis: Redis;
  constructor(
    url: string,
    private readonly limits: Limits,
    private readonly logger: Logger,
    private readonly fallback = new MemoryCostBucket(limits),
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.redis.on('error', () => {});
  }

  private async run(key: string, amount: number, mode: 'take' | 'refund') {
    const [allowed, tokens] = (await this.redis.eval(
      script,
      1,
      `numbers-api:cost:${key}`,
      this.limits.maximumAvailable,
      this.limits.restoreRate,
      Date.now(),
      amount,
      mode,
    )) as [number, string];
    return { allowed: allowed === 1, tokens: Number(tokens) };
  }

  private status(tokens: number): ThrottleStatus {
    return { maximumAvailable: this.limits.maximumAvailable, currentlyAvailable: Math.floor(tokens), restoreRate: this.limits.restoreRate };
  }

  async take(key: string, cost: number): Promise<TakeResult> {
    try {
      const { allowed, tokens } = await this.run(key, cost, 'take');
      return { allowed, status: this.status(tokens), retryAfterSeconds: allowed ? 0 : retryAfter(this.limits, tokens, cost) };
    } catch (error) {
      // Redis down: limit per instance rather than not at all, and say so.
      this.logger.warn({ err: error }, "rate limit store unavailable; using this instance's own buckets");
      return this.fallback.take(key, cost);
    }
  }

  async refund(key: string, amount: number) {
    try {
      return this.status((await this.run(key, amount, 'refund')).tokens);
    } catch {
      return this.fallback.refund(key, amount);
    }
  }

  async close() {
    this.redis.disconnect();
  }
}
