// The ioredis connection options of a redis:// URL, as the test and bench scripts use them.
export function connectionFromUrl(url) {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    db: Number((parsed.pathname || "/0").slice(1) || 0),
    maxRetriesPerRequest: null,
  };
}
