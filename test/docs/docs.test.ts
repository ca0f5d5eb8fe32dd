/**
 * The user's documentation stays true: the generated blocks match the code, the Info-Link
 * grants are exactly what the extractor's queries read, every configuration key is documented,
 * and every path the README, the docs, the CLI's help and its messages mention exists — and none
 * points at material users do not have.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { defaultQuery } from '../../extract/spectrum/queries.ts';
import { SPECTRUM_TABLES } from '../../extract/spectrum/tables.ts';
import { buildProgram } from '../../scheduler/cli.ts';
import { configKeys, generatedBlocks, withBlock } from '../../scheduler/reference-docs.ts';

const ROOT = resolve('.');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** Every file under `dir` (relative to the root), skipping dependencies and build output. */
function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    if (['node_modules', '.git', 'plumbline-demo', '.tmp', 'coverage'].includes(name)) continue;
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...files(path));
    else out.push(path);
  }
  return out;
}

const PRODUCT_DIRS = ['bin', 'extract', 'load', 'transform', 'reports', 'scheduler', 'lib', 'models', 'sandbox', 'docs'];
const productFiles = [...files('.').filter((f) => !f.includes('/')), ...PRODUCT_DIRS.filter((d) => existsSync(join(ROOT, d))).flatMap(files)];
const markdown = productFiles.filter((f) => f.endsWith('.md'));
const sources = productFiles.filter((f) => f.endsWith('.ts') || f.endsWith('.js'));

/** The help text of every command and subcommand. */
function helpTexts(command: Command): string[] {
  return [command.helpInformation(), ...command.commands.flatMap(helpTexts)];
}

/** The string literals of a source file (one line each): what reaches a user as help or a message. */
function stringLiterals(text: string): string[] {
  return [...text.matchAll(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g)].map((m) => m[0]);
}

// A repository path with a file extension: `docs/connect.md`, `sandbox/servers/README.md`.
const REPO_PATH = /(?<![\w./<>-])((?:docs|extract|load|models|transform|reports|scheduler|sandbox|lib|test|bin|writeback)\/[\w./-]*\.(?:md|ts|sql|json|js))\b/g;
const FORBIDDEN = /\.\.\/shared|contracts\/[\w-]*\.md|DESIGN\.md/;

/** GitHub's anchor of a Markdown heading. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(path: string): Set<string> {
  return new Set(
    read(path)
      .split('\n')
      .filter((line) => /^#{1,6} /.test(line))
      .map((line) => slug(line.replace(/^#+ /, ''))),
  );
}

describe('docs', () => {
  it('every generated block is what the code gives (npm run docs rewrites them)', () => {
    for (const block of generatedBlocks()) {
      const text = read(block.doc);
      expect(withBlock(text, block.name, block.text), `${block.doc} block ${block.name} is stale: run npm run docs`).toBe(text);
    }
  });

  it("the Info-Link grants in docs/sources.md are exactly the columns the extractor's queries read", () => {
    const granted = new Map<string, Set<string>>();
    for (const match of read('docs/sources.md').matchAll(/^GRANT SELECT ON \[dbo\]\.\[(\w+)\] \(([^)]*)\) TO \[\w+\];$/gm)) {
      granted.set(match[1]!, new Set([...match[2]!.matchAll(/\[(\w+)\]/g)].map((m) => m[1]!)));
    }
    // What the queries read, from their SQL text: each alias's table, and every [Column] read through it.
    const read_ = new Map<string, Set<string>>();
    for (const def of SPECTRUM_TABLES.values()) {
      for (const windowed of [false, true]) {
        const sql = defaultQuery(def, 2, windowed);
        const aliases = new Map([...sql.matchAll(/\[dbo\]\.\[(\w+)\] (\w+)/g)].map((m) => [m[2]!, m[1]!]));
        for (const [, alias, column] of sql.matchAll(/\b(\w+)\.\[(\w+)\]/g)) {
          const table = aliases.get(alias!);
          expect(table, `alias ${alias} in the query of ${def.table}`).toBeDefined();
          read_.set(table!, (read_.get(table!) ?? new Set()).add(column!));
        }
      }
    }
    expect([...granted.keys()].sort()).toEqual([...read_.keys()].sort());
    for (const [table, columns] of read_) expect([...granted.get(table)!].sort(), table).toEqual([...columns].sort());
    expect(granted.size).toBe(SPECTRUM_TABLES.size);
  });

  it('docs/configuration.md names every key of the configuration schema', () => {
    const doc = read('docs/configuration.md');
    const keys = configKeys();
    expect(keys.length).toBeGreaterThan(20);
    for (const { key } of keys) expect(doc, key).toContain(`| \`${key}\` |`);
  });

  it('every mart in models/marts/ has its section in docs/marts.md', () => {
    const doc = read('docs/marts.md');
    const marts = readdirSync(join(ROOT, 'models/marts'))
      .filter((f) => f.endsWith('.sql'))
      .map((f) => f.replace(/\.sql$/, ''));
    for (const mart of marts) expect(doc, mart).toMatch(new RegExp(`^## .*\`marts\\.${mart}\``, 'm'));
  });

  it('every path the README, the docs, the CLI help and its messages mention exists, and every link and anchor resolves', () => {
    const mentions: { where: string; path: string }[] = [];
    for (const file of markdown) for (const m of read(file).matchAll(REPO_PATH)) mentions.push({ where: file, path: m[1]! });
    for (const file of sources)
      for (const literal of stringLiterals(read(file))) for (const m of literal.matchAll(REPO_PATH)) mentions.push({ where: file, path: m[1]! });
    for (const help of helpTexts(buildProgram(() => {}))) for (const m of help.matchAll(REPO_PATH)) mentions.push({ where: 'CLI help', path: m[1]! });
    expect(mentions.some((m) => m.where === 'README.md' && m.path.startsWith('docs/'))).toBe(true);
    for (const { where, path } of mentions) expect(existsSync(join(ROOT, path)), `${where} mentions ${path}`).toBe(true);

    // Markdown links between the docs (and to the repository's files), with their anchors.
    let links = 0;
    for (const file of markdown) {
      for (const [, target] of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue;
        const [path, anchor] = target!.split('#');
        const resolved = path ? relative(ROOT, resolve(ROOT, dirname(file), path)) : file;
        expect(existsSync(join(ROOT, resolved)), `${file} links ${target}`).toBe(true);
        if (anchor) expect(anchors(resolved).has(anchor), `${file} links ${target}: no such heading`).toBe(true);
        links++;
      }
    }
    expect(links).toBeGreaterThan(20);
  });

  it('no README, doc, help text or message points at material users do not have (../shared, contracts, DESIGN.md)', () => {
    for (const file of markdown) expect(read(file), file).not.toMatch(FORBIDDEN);
    for (const file of sources) for (const literal of stringLiterals(read(file))) expect(literal, file).not.toMatch(FORBIDDEN);
    for (const help of helpTexts(buildProgram(() => {}))) expect(help).not.toMatch(FORBIDDEN);
  });
});
