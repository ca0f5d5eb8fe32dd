/**
 * Spectrum's field limits and refused characters, as the Data Exchange client checks them on every
 * payload just before it leaves. They are read from `staging.stg_spectrum__field_limits`, the one
 * table marts.writeback_preflight checks them from too: a payload that would break a limit is never
 * sent, even when it did not come through the marts (a stored payload, a bypassed check).
 */
import type { Warehouse } from '../load/types.ts';
import type { Payload, RecordType } from './payload.ts';

/** One row of staging.stg_spectrum__field_limits. */
export interface FieldLimit {
  record_type: RecordType;
  field: string;
  label: string;
  max_length: number;
  key_field: number;
  rule: string;
  refused_characters: string | null;
}

/** A payload value that Spectrum would refuse or truncate. */
export interface LimitViolation {
  field: string;
  value: string;
  rule: string;
  limit: string;
  message: string;
}

/** Reads the limits from the warehouse (built with the models). */
export async function readFieldLimits(warehouse: Pick<Warehouse, 'query'>): Promise<FieldLimit[]> {
  const rows = await warehouse.query<FieldLimit>(
    `select record_type, field, label, max_length, key_field, rule, refused_characters from staging.stg_spectrum__field_limits`,
  );
  return rows.map((r) => ({ ...r, max_length: Number(r.max_length), key_field: Number(r.key_field) }));
}

const RECORD_OF: Record<Payload['service'], RecordType> = { AddJob: 'job', AddPhase: 'phase', invoice: 'invoice' };

/** Every value of the payload (header and lines) that breaks a limit of its record type. */
export function payloadViolations(payload: Payload, limits: readonly FieldLimit[]): LimitViolation[] {
  const recordType = RECORD_OF[payload.service];
  const out: LimitViolation[] = [];
  const rows = [{ where: '', fields: payload.fields }, ...(payload.lines ?? []).map((fields, i) => ({ where: `line ${i + 1}: `, fields }))];
  for (const limit of limits) {
    if (limit.record_type !== recordType) continue;
    for (const { where, fields } of rows) {
      const value = fields[limit.field];
      if (value === undefined) continue;
      // The phone's limit counts its digits (dashes, spaces and brackets are removed before sending).
      const length = limit.rule === 'phone_format' ? value.replace(/\D/g, '').length : value.length;
      if (length > limit.max_length)
        out.push({
          field: limit.field,
          value,
          rule: limit.rule,
          limit: String(limit.max_length),
          message: `${where}${limit.label} is ${length} characters; Spectrum allows ${limit.max_length}`,
        });
      const refused = [...(limit.refused_characters ?? '')].find((c) => value.includes(c));
      if (refused !== undefined)
        out.push({
          field: limit.field,
          value,
          rule: 'invalid_characters',
          limit: [...limit.refused_characters!].join(' '),
          message: `${where}${limit.label} "${value}" contains "${refused}", which Spectrum refuses there`,
        });
    }
  }
  return out;
}
