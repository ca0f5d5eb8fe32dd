// Placeholder replaced by the foundation work: starts shared test services.
export default async function setup(): Promise<void> {}
