import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_NODE_FLAGS } from './process-env.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('API_NODE_FLAGS', () => {
  it('are the flags the Dockerfile and scripts/start.sh start the API process with', () => {
    const docker = read('Dockerfile')
      .split('\n')
      .find((l) => l.startsWith('CMD ') && l.includes('platform/api/server.ts'));
    expect(docker).toBe(
      `CMD ${JSON.stringify(['node', ...API_NODE_FLAGS, 'platform/api/server.ts'])}`.replace(/","/g, '", "'),
    );
    const start = read('scripts/start.sh')
      .split('\n')
      .find((l) => l.startsWith('exec node') && l.includes('platform/api/server.ts'));
    expect(start).toBe(`exec node ${API_NODE_FLAGS.join(' ')} platform/api/server.ts`);
  });
});
