export async function fastCatalogueMain(..._a: unknown[]): Promise<void> {
  throw new Error('todo');
}
