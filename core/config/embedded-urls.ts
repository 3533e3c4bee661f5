/**
 * The embedded backends of one data directory, as the environment the config reads: SQLite files for
 * metadata, events, queue and features, a folder for objects, and the in-process cache. For the processes
 * tests, benchmarks and the simulator start on a directory of their own (the defaults in config.ts are the
 * same layout under ./data).
 */
export function embeddedUrls(dir: string) {
  return {
    DATA_DIR: dir,
    METADATA_URL: `sqlite://${dir}/foryou.db`,
    OBJECTS_URL: `file://${dir}/objects`,
    EVENTS_URL: `sqlite://${dir}/events.db`,
    QUEUE_URL: `sqlite://${dir}/queue.db`,
    FEATURES_URL: `sqlite://${dir}/features.db`,
    CACHE_URL: 'memory://',
  };
}
