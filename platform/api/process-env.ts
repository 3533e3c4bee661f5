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
