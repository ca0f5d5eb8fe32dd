/**
 * Every mart against the sandbox's ground truth, on both warehouses, for the tiny and small
 * sandboxes (the medium one is in sandbox-truth-medium.test.ts, so the two run side by side).
 */
import { describeTruthSuite, selectedSandboxes } from './sandbox-truth-suite.ts';

describeTruthSuite(selectedSandboxes().filter((s) => s.scale === 'tiny' || s.scale === 'small'));
