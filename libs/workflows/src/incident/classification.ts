/**
 * Classification (article 42 and TLP 2.0). Every incident carries a TLP label and a data security
 * level; the strictest of the two decides what may leave the system and who sees the details.
 */
export const TLP_LABELS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'] as const;
export type Tlp = (typeof TLP_LABELS)[number];

/** Article 42 data security levels (as in articles 26–27: public, general, sensitive, confidential). */
export const DATA_LEVELS = ['public', 'general', 'sensitive', 'confidential'] as const;
export type DataLevel = (typeof DATA_LEVELS)[number];

export interface Classification {
  tlp: Tlp;
  dataLevel: DataLevel;
}

/**
 * Whether the details (title, description, systems, evidence, names) must stay inside the system:
 * AMBER or stricter, or a sensitive/confidential data level (article 27: no confidential content
 * by e-mail). E-mails and the redacted API view apply the same rule.
 */
export function isRestricted(c: Classification): boolean {
  return TLP_LABELS.indexOf(c.tlp) >= TLP_LABELS.indexOf('AMBER') || DATA_LEVELS.indexOf(c.dataLevel) >= DATA_LEVELS.indexOf('sensitive');
}

/**
 * The TLP a data level implies at least ("the strictest applies"): public data may be CLEAR,
 * general (一般) data stays inside the community (GREEN), sensitive (敏感) data goes to those who
 * need it (AMBER), and confidential (機密) data to the named recipients only (RED).
 */
export const DATA_LEVEL_TLP_FLOOR: Readonly<Record<DataLevel, Tlp>> = {
  public: 'CLEAR',
  general: 'GREEN',
  sensitive: 'AMBER',
  confidential: 'RED',
};

/**
 * The label a classification is shown with: the stricter of its TLP and its data level's floor
 * (DATA_LEVEL_TLP_FLOOR). `{ tlp: 'CLEAR', dataLevel: 'confidential' }` is shown as RED.
 */
export function effectiveTlp(c: Classification): Tlp {
  const floor = DATA_LEVEL_TLP_FLOOR[c.dataLevel];
  return TLP_LABELS.indexOf(floor) > TLP_LABELS.indexOf(c.tlp) ? floor : c.tlp;
}

/** A classification as the API shows it: as stored, with the label it is shown under (the strictest, effectiveTlp). */
export function labelledClassification(c: { tlp: string; dataLevel: string }): { tlp: string; dataLevel: string; label: Tlp } {
  const known = (TLP_LABELS as readonly string[]).includes(c.tlp) && (DATA_LEVELS as readonly string[]).includes(c.dataLevel);
  return { tlp: c.tlp, dataLevel: c.dataLevel, label: known ? effectiveTlp(c as Classification) : 'RED' };
}

/** Roles cleared to read restricted incident details (besides the person who filed it). */
export const CLEARED_ROLES = ['responder', 'on_call_manager', 'ciso', 'ethics_officer', 'auditor'] as const;
