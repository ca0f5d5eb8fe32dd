#!/usr/bin/env node
// plumbline is written in TypeScript and run through tsx, so a clone works without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../scheduler/cli.ts');
process.exitCode = await main(process.argv);
