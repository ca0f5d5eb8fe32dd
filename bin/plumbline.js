#!/usr/bin/env node
// plumbline is written in TypeScript and run through tsx, so a clone works without a build step.
//
// Loaded on use: every command starts by loading the command line's modules, so the packages that
// are slow to load (the DuckDB and Postgres drivers with Kysely, mssql with tedious, exceljs,
// nodemailer, the charts, the sandbox) are imported with `await import()` where they are used, each
// place marked "Loaded on use". `plumbline --help` then loads a quarter of the files it used to;
// test/scheduler/startup.test.ts fails if one of them comes back into the start.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../scheduler/cli.ts');
process.exitCode = await main(process.argv);
