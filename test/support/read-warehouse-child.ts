// Opens a DuckDB warehouse read-only in a separate process and prints a count (or the error).
import { openWarehouse } from '../../load/index.ts';

const [path, table] = process.argv.slice(2);
try {
  const warehouse = await openWarehouse(path!, { readOnly: true });
  const rows = await warehouse.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
  await new Promise((resolve) => setTimeout(resolve, 300)); // overlap with the other reader
  process.stdout.write(JSON.stringify({ count: rows[0]!.n }));
  await warehouse.close();
} catch (error) {
  process.stdout.write(JSON.stringify({ error: (error as Error).message }));
}
