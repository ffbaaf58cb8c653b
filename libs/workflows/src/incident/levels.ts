/** Impact ratings 1–4 for confidentiality, integrity and availability. */
export interface Impact {
  confidentiality: 1 | 2 | 3 | 4;
  integrity: 1 | 2 | 3 | 4;
  availability: 1 | 2 | 3 | 4;
}

export type Level = 1 | 2 | 3 | 4;

/** The incident's level is the highest of its three impact ratings. */
export function levelOf(impact: Impact): Level {
  return Math.max(impact.confidentiality, impact.integrity, impact.availability) as Level;
}

/** Levels 3–4 are "major": shorter clocks, the CISO engaged at once and approving closure. */
/** Whether two impact ratings are the same (a reclassification to the same impact changes nothing). */
export function sameImpact(a: Impact, b: Impact): boolean {
  return a.confidentiality === b.confidentiality && a.integrity === b.integrity && a.availability === b.availability;
}

/**
 * The level an impact gives, never below `floor`: the level the superior agency's review set
 * (an agency may raise a reviewed level, and reports it again, but not lower it on its own).
 */
export function levelWithin(impact: Impact, floor: Level | null): Level {
  return Math.max(levelOf(impact), floor ?? 1) as Level;
}

export function isMajor(level: Level): boolean {
  return level >= 3;
}

export const CATEGORIES = {
  web_attack: ['defacement', 'phishing_page', 'malicious_link', 'other'],
  intrusion: ['malware_planted', 'abnormal_login', 'data_leak', 'ransomware', 'apt', 'other'],
  denial_of_service: ['service_outage', 'performance_degradation', 'other'],
  equipment_problem: ['hardware_failure', 'power_failure', 'network_failure', 'other'],
  other: ['other'],
} as const;
export type Category = keyof typeof CATEGORIES;
