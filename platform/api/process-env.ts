/**
 * Environment the platform's processes run with, set where they are launched (the Dockerfile,
 * `scripts/start.sh`, and `spawnCaptured` for the processes tests and benchmarks start), since glibc
 * reads it only at process start.
 *
 * `MALLOC_MMAP_THRESHOLD_`: allocations of 1 MB or more are mapped and returned to the system when
 * freed. Each password hash (scrypt, N=16384 r=8) allocates 16 MB on a libuv pool thread; with glibc's
 * default, adaptive threshold that memory stays in the thread's arena once freed, small allocations
 * carve it up, and the next hash extends the arena: in a soak with sign-ups every second the API's RSS
 * rose in 16 MB steps (4 threads x 16-32 MB after 5 minutes, growing), against ~7 MB with the fixed
 * threshold for the same hashes.
 */
export const PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '1048576' };

/**
 * V8 flags the API process starts with (the Dockerfile's and scripts/start.sh's command lines carry
 * them; `process-env.test.ts` checks they agree; a node cluster's API processes inherit them).
 *
 * `--max-semi-space-size=16`: a young generation of 2 x 16 MB. On a machine with memory V8 otherwise
 * sizes it at 2 x 64 MB, which an API process under load fills and keeps resident: 128 MB of its RSS.
 * One API process with 100k videos (bench:feed `embedded-cluster1`, API_HEAP_GROWING_PERCENT 50):
 * peak RSS 566 MB with V8's young generation, 498 MB at 2 x 32, 471 MB at 2 x 16; CPU per request
 * moved less than the loaded machine's run-to-run noise.
 */
export const API_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16'];
