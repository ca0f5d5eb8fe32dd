/**
 * The Data Exchange client checks every payload against staging.stg_spectrum__field_limits (the
 * table preflight reads) before it leaves: a payload over a limit is never sent, even when the
 * marts were bypassed, and the push fails the record with what to fix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { DataExchangeClient } from '../../writeback/data-exchange-client.ts';
import { payloadViolations, readFieldLimits } from '../../writeback/field-limits.ts';
import type { FieldLimit } from '../../writeback/field-limits.ts';
import { readOutbox } from '../../writeback/outbox.ts';
import { push } from '../../writeback/push.ts';
import { describeEachWarehouse } from '../support/warehouses.ts';
import type { PushSandbox } from './sandbox-push.ts';
import { pushSandbox } from './sandbox-push.ts';

describeEachWarehouse('write-back field limits in the client', (factory) => {
  let box: PushSandbox;
  let limits: FieldLimit[];
  beforeAll(async () => {
    box = await pushSandbox(1, 'tiny', await factory.newLocation());
    limits = await readFieldLimits(box.warehouse);
  }, 240_000);
  afterAll(async () => {
    await box?.close();
    await factory.cleanup();
  });

  it('reads the limits preflight reads', async () => {
    const remarks = limits.find((l) => l.record_type === 'invoice' && l.field === 'Remarks');
    expect(remarks?.max_length).toBe(65);
    expect(limits.find((l) => l.record_type === 'invoice' && l.field === 'Invoice_Or_Transaction')?.refused_characters).toBe('/*?"\'><#,&~');
    // Every limit the client checks is one the preflight SQL joins on (same table, same rows).
    const [count] = await box.warehouse.query<{ n: number }>(`select count(*) as n from staging.stg_spectrum__field_limits`);
    expect(limits.length).toBe(Number(count!.n));
  });

  it('names every value over a limit or with a refused character, header and lines', () => {
    const violations = payloadViolations(
      {
        service: 'invoice',
        fields: { Invoice_Or_Transaction: 'INV#1', Remarks: 'x'.repeat(66), Customer_Code: 'C1' },
        lines: [{ Detail_Description: 'ok' }, { Detail_Description: 'y'.repeat(31) }],
      },
      limits,
    );
    expect(violations.map((v) => `${v.rule}|${v.field}|${v.limit}`).sort()).toEqual([
      'field_too_long|Detail_Description|30',
      'field_too_long|Remarks|65',
      'invalid_characters|Invoice_Or_Transaction|/ * ? " \' > < # , & ~',
    ]);
    expect(violations.find((v) => v.field === 'Detail_Description')!.message).toBe('line 2: Line description is 31 characters; Spectrum allows 30');
  });

  it('answers a job over a limit itself and sends nothing; without limits it sends nothing at all', async () => {
    // Nothing listens on this port: a request that left would fail with a transient error instead.
    const client = new DataExchangeClient({ url: 'http://127.0.0.1:9', companyCode: box.truth.companyCode, authorizationId: 'x', fieldLimits: limits });
    const answer = await client.soap('AddJob', { Company_Code: box.truth.companyCode, Job_Number: 'J1', Job_Description: 'd'.repeat(26) });
    expect(answer).toEqual({
      accepted: false,
      errorCode: 'L',
      column: 'Job_Description',
      description: 'not sent: Job description is 26 characters; Spectrum allows 25',
    });
    const bare = new DataExchangeClient({ url: 'http://127.0.0.1:9', companyCode: box.truth.companyCode, authorizationId: 'x' });
    await expect(bare.soap('AddJob', { Job_Number: 'J1' })).rejects.toThrow(/no field limits/);
  });

  describe('a payload over a limit that passed the marts', () => {
    it('is failed by the push, never reaches Spectrum, and the others go', async () => {
      const clean = box.truth.writeback_preflight.filter((r) => r.record_type === 'invoice' && r.rules.length === 0).map((r) => r.buildops_id);
      expect(clean.length).toBeGreaterThan(1);
      const tampered = clean[0]!;
      const longRemarks = `BO:${tampered}:${'z'.repeat(70)}`;
      // The marts bypassed: the outbound record carries Remarks over 65 characters and no finding says so.
      await box.warehouse.query(`update marts.writeback_outbound set remarks = $1 where record_type = 'invoice' and buildops_id = $2`, [longRemarks, tampered]);
      await box.warehouse.query(`delete from marts.writeback_preflight where buildops_id = $1`, [tampered]);
      const result = await push({
        warehouse: box.warehouse,
        client: box.client(),
        readBack: box.readBack,
        runId: 'limits-1',
        batchCode: 'BO261115',
        logger: silentLogger,
      });
      const row = (await readOutbox(box.warehouse)).find((r) => r.record_type === 'invoice' && r.buildops_id === tampered)!;
      expect(row.state).toBe('failed');
      expect(Number(row.attempts)).toBe(0);
      expect(row.message).toBe(`Not sent to Spectrum: Remarks is ${longRemarks.length} characters; Spectrum allows 65`);
      expect(row.fix).toMatch(/^Correct Remarks in BuildOps/);
      expect(result.failed).toBe(1);
      const unposted = await box.spectrum(`select trim("Remarks") as remarks from spectrum."CR_UNPOSTED_INVOICE_MC"`);
      const remarks = new Set(unposted.map((r) => String(r.remarks)));
      expect([...remarks].some((r) => r.includes(tampered))).toBe(false);
      for (const id of clean.slice(1)) expect(remarks.has(`BO:${id}`), id).toBe(true);
    });
  });
});
