/**
 * Every mart against the sandbox's ground truth, on both warehouses, for the tiny and small
 * sandboxes (the medium one is in test/reliability/sandbox-truth-medium.test.ts, with the larger trials).
 */
import { describeTruthSuite, selectedSandboxes } from './sandbox-truth-suite.ts';

describeTruthSuite(selectedSandboxes().filter((s) => s.scale === 'tiny' || s.scale === 'small'));
