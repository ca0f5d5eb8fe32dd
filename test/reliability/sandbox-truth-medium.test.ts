/**
 * Every mart against the sandbox's ground truth, on both warehouses, for the medium (and any
 * larger) sandbox. It is the slowest file of the oracle (about 45 s of test time), so it runs
 * with the larger trials of the reliability suite, which CI also runs; `npm test` keeps the
 * tiny and small sandboxes (test/models/sandbox-truth.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { describeTruthSuite, selectedSandboxes } from '../models/sandbox-truth-suite.ts';

const sandboxes = selectedSandboxes().filter((s) => s.scale !== 'tiny' && s.scale !== 'small');
if (sandboxes.length > 0) describeTruthSuite(sandboxes);
else
  describe('marts against the medium sandbox ground truth', () => {
    it('has nothing to load: PLUMBLINE_TEST_SANDBOXES chose only tiny and small sandboxes', () => {
      expect(process.env.PLUMBLINE_TEST_SANDBOXES).toBeTruthy();
    });
  });
