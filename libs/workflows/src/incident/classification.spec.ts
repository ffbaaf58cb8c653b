import { describe, expect, it } from '@jest/globals';
import { DATA_LEVEL_TLP_FLOOR, DATA_LEVELS, effectiveTlp, isRestricted, TLP_LABELS } from './classification.js';

describe('effectiveTlp: the strictest of the TLP and the data level applies', () => {
  it('maps each data level to its TLP floor', () => {
    expect(DATA_LEVEL_TLP_FLOOR).toEqual({ public: 'CLEAR', general: 'GREEN', sensitive: 'AMBER', confidential: 'RED' });
  });

  it('raises a laxer TLP to the data level’s floor and keeps a stricter one', () => {
    expect(effectiveTlp({ tlp: 'CLEAR', dataLevel: 'confidential' })).toBe('RED');
    expect(effectiveTlp({ tlp: 'CLEAR', dataLevel: 'sensitive' })).toBe('AMBER');
    expect(effectiveTlp({ tlp: 'GREEN', dataLevel: 'general' })).toBe('GREEN');
    expect(effectiveTlp({ tlp: 'CLEAR', dataLevel: 'public' })).toBe('CLEAR');
    expect(effectiveTlp({ tlp: 'AMBER+STRICT', dataLevel: 'sensitive' })).toBe('AMBER+STRICT');
    expect(effectiveTlp({ tlp: 'RED', dataLevel: 'public' })).toBe('RED');
  });

  it('is never laxer than either label, and restricts exactly what isRestricted restricts', () => {
    for (const tlp of TLP_LABELS)
      for (const dataLevel of DATA_LEVELS) {
        const shown = effectiveTlp({ tlp, dataLevel });
        expect(TLP_LABELS.indexOf(shown)).toBe(Math.max(TLP_LABELS.indexOf(tlp), TLP_LABELS.indexOf(DATA_LEVEL_TLP_FLOOR[dataLevel])));
        expect(isRestricted({ tlp: shown, dataLevel: 'public' })).toBe(isRestricted({ tlp, dataLevel }));
      }
  });
});
