/** Test servers started once per `npm test` run; each entry sets env vars such as TEST_S3_URL. */
export const testServers: { name: string; start: () => Promise<{ env: Record<string, string>; stop: () => Promise<void> }> }[] =
  [];
