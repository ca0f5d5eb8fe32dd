/**
 * Which marts need a raw table: read from the models themselves (each model's references), so a
 * check that finds a table unreadable can say what it is for without a list kept by hand.
 */
import { discoverModels, modelsReading } from '../../transform/index.ts';
import type { Model } from '../../transform/index.ts';
import type { PlumblineConfig } from '../config.ts';
import { configPath } from '../config.ts';
import { PACKAGE_MODELS_DIR } from '../paths.ts';

/** Given raw tables (`raw.spectrum__cr_open_item_mc`), the marts built from any of them, directly or not, by name (`ar_aging`). */
export type MartsNeeding = (rawTables: readonly string[]) => string[];

/** The lookup over a set of models. */
export function martsNeedingIn(models: readonly Model[]): MartsNeeding {
  return (rawTables) =>
    [...modelsReading(models, rawTables)]
      .filter((name) => name.startsWith('marts.'))
      .map((name) => name.slice('marts.'.length))
      .sort();
}

/** The lookup over the product's models and the config's extra model folders. */
export function martsNeeding(config: PlumblineConfig): MartsNeeding {
  return martsNeedingIn(discoverModels([PACKAGE_MODELS_DIR, ...config.models.extra_dirs.map((d) => configPath(config, d))]));
}

/** "for ar_aging, ar_bridge and 3 more" — the marts a table feeds, short enough for one row. */
export function forMarts(marts: readonly string[], shown = 4): string {
  return marts.length === 0 ? 'no mart reads it yet' : `for ${martList(marts, shown)}`;
}

/** "The marts that need it: ar_aging, … and 3 more." — said after the fix of a failed read ('' when none does). */
export function martsThatNeedIt(marts: readonly string[], shown = 8): string {
  return marts.length === 0 ? '' : `The marts that need it: ${martList(marts, shown)}.`;
}

function martList(marts: readonly string[], shown: number): string {
  if (marts.length > shown) return `${marts.slice(0, shown).join(', ')} and ${marts.length - shown} more`;
  return marts.length === 1 ? marts[0]! : `${marts.slice(0, -1).join(', ')} and ${marts.at(-1)!}`;
}
