import { Redis } from 'ioredis';

/**
 * Deletes exactly the keys under one test file's queue prefix (SCAN MATCH '<prefix>*' + DEL): the
 * test Redis is shared by the files running in parallel, so this is the file's own "FLUSHALL", for
 * clean-up and for simulating a Redis that lost its jobs. Returns how many keys it deleted.
 */
export async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  try {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    await redis.quit();
  }
}
