/** A run's results as text, stage by stage, without knowing what any stage does. */
import { messageWithFix } from '../lib/stage.ts';
import type { StageResult, StepResult } from '../lib/stage.ts';
import { formatTable } from './output.ts';

/** Each stage's summary line, its steps as a table, and the files it wrote. */
export function formatStageResults(stages: readonly StageResult[]): string {
  const parts: string[] = [];
  for (const stage of stages) {
    parts.push(formatStageLine(stage));
    const withNotes = stage.steps.some((s) => s.note);
    if (stage.steps.length > 0) parts.push(formatTable(stage.steps.map((s) => stepRow(s, withNotes))));
    if (stage.steps.length === 0 && stage.errors[0]) parts.push(`  ${messageWithFix(stage.errors[0])}`);
    if (stage.files && stage.files.paths.length > 0) parts.push(`${stage.files.heading}:\n${stage.files.paths.map((p) => `  ${p}`).join('\n')}`);
    parts.push('');
  }
  return parts.join('\n');
}

function stepRow(step: StepResult, withNote: boolean): Record<string, unknown> {
  return {
    step: step.name,
    rows: step.rows ?? '',
    ...(withNote ? { 'child rows': step.note ?? '' } : {}),
    quarantined: step.quarantined,
    seconds: step.seconds.toFixed(1),
    status: step.status,
    message: step.error ? messageWithFix(step.error) : (step.reason ?? ''),
  };
}

/** A stage's result in one line: `load: ok (38 ok, 5123 rows; 2.1s)`, with its reason when it has one. */
export function formatStageLine(stage: StageResult): string {
  const counts = Object.entries(stage.counts)
    .map(([name, n]) => `${n} ${name}`)
    .join(', ');
  const reason = stage.reason ? ` — ${stage.reason}` : '';
  return `${stage.stage}: ${stage.status}${reason}${counts ? ` (${counts}; ${stage.seconds.toFixed(1)}s)` : ''}`;
}
