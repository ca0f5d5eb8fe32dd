// Another process holding a warehouse's run lock: opens the warehouse, takes the lock, prints
// "held", and lets both go when its stdin closes. Run with: node --import tsx <this> <location>
import { openWarehouse } from '../../load/index.ts';
import { acquireRunLock } from '../../load/run-lock.ts';

const location = process.argv[2]!;
const warehouse = await openWarehouse(location);
const lock = await acquireRunLock(warehouse, location, { waitSeconds: 60, runId: 'holder-run' });
process.stdout.write('held\n');
process.stdin.resume();
process.stdin.on('end', () => {
  void (async () => {
    await lock.release();
    await warehouse.close();
    process.exit(0);
  })();
});
