/** Which marts exist and their columns, read by the reports in one catalog query. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Warehouse } from '../../load/index.ts';
import { readMartColumns } from '../../reports/mart-columns.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';

describeEachWarehouse('readMartColumns', (factory) => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await factory.open();
    await warehouse.ensureReady();
    await warehouse.query('create table marts.b_table (z integer, a varchar)');
    await warehouse.query('create view marts.a_view as select a from marts.b_table');
    await warehouse.query('create table staging.not_a_mart (x integer)');
  });
  afterAll(async () => {
    await warehouse.close();
    await factory.cleanup();
  });

  it('lists every mart, table or view, with its columns in order, and what describe says', async () => {
    const marts = await readMartColumns(warehouse);
    expect([...marts.keys()]).toEqual(['a_view', 'b_table']);
    expect([...marts.get('b_table')!]).toEqual(['z', 'a']);
    for (const [name, columns] of marts) expect([...columns]).toEqual((await warehouse.describe('marts', name)).map((c) => c.name));
  });
});
