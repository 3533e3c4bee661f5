import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config/config.ts';
import { backgroundServices } from './background.ts';
import type { AppDeps } from './deps.ts';

/** Only the config is read when picking services; the feature store is only handed on. */
const depsWith = (env: Record<string, string>) => ({ config: loadConfig(env), featureStore: {} }) as unknown as AppDeps;

describe('BACKGROUND_SERVICES', () => {
  it('runs every service when unset', () => {
    expect(backgroundServices(depsWith({})).map((s) => s.name)).toEqual([
      'transcode',
      'transcode-sweeper',
      'engagement-views',
      'engagement-features',
      'engagement-counter-flush',
      'log-retention',
      'cdn-prewarm',
    ]);
  });

  it('runs only the named ones', () => {
    const names = backgroundServices(depsWith({ BACKGROUND_SERVICES: ' transcode, engagement-features ' })).map(
      (s) => s.name,
    );
    expect(names).toEqual(['transcode', 'engagement-features']);
  });

  it('refuses an unknown name, listing the known ones', () => {
    expect(() => backgroundServices(depsWith({ BACKGROUND_SERVICES: 'transcode,transcoder' }))).toThrow(ConfigError);
    expect(() => backgroundServices(depsWith({ BACKGROUND_SERVICES: 'transcoder' }))).toThrow(
      /transcoder.*known: transcode/,
    );
  });
});
