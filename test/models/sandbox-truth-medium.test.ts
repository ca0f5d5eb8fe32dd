/**
 * Every mart against the sandbox's ground truth, on both warehouses, for the medium (and any
 * larger) sandbox: a file of its own, so it runs beside the tiny and small ones.
 */
import { describe, expect, it } from 'vitest';
import { describeTruthSuite, selectedSandboxes } from './sandbox-truth-suite.ts';

const sandboxes = selectedSandboxes().filter((s) => s.scale !== 'tiny' && s.scale !== 'small');
if (sandboxes.length > 0) describeTruthSuite(sandboxes);
else
  describe('marts against the medium sandbox ground truth', () => {
    it('has nothing to load: PLUMBLINE_TEST_SANDBOXES chose only tiny and small sandboxes', () => {
      expect(process.env.PLUMBLINE_TEST_SANDBOXES).toBeTruthy();
    });
  });
