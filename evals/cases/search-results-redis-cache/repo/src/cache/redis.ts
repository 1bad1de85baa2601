import Redis from 'ioredis';

// One shared connection per process. Redis is a single primary (ElastiCache,
// cache.r6g.large) shared by sessions, rate limiting and the cart service.
export const redis = new Redis(process.env.REDIS_URL ?? 'redis://localhost:6379', {
  maxRetriesPerRequest: 2,
  enableAutoPipelining: true,
});

export async function getJson<T>(key: string): Promise<T | null> {
  const raw = await redis.get(key);
  return raw === null ? null : (JSON.parse(raw) as T);
}

export async function setJson(key: string, value: unknown, ttlSeconds: number): Promise<void> {
  await redis.set(key, JSON.stringify(value), 'EX', ttlSeconds);
}
