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
