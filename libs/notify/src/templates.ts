import { DateTime } from 'luxon';
import { DATA_LEVELS, isRestricted, TLP_LABELS, type DataLevel, type Tlp } from '@app/workflows';

/**
 * E-mail templates, per event and language (zh-TW default, en), with an HTML and a plain-text part.
 * Article 27: for anything AMBER or stricter, or at a sensitive/confidential data level, an e-mail
 * says only that something happened and where to look (reference, level, state, deadline, link),
 * never the title, description, evidence or names of systems. The TLP label leads the subject and
 * the body; a drill is labelled as one everywhere.
 */
export type Locale = 'zh-TW' | 'en';

export interface NotificationData {
  reference: string;
  level: number;
  state: string;
  tlp: string;
  dataLevel: string;
  isDrill: boolean;
  /** Absolute link to the incident in the product. */
  link: string;
  /** The next deadline, ISO, if any. */
  deadline?: string | null;
  /** Local time zone for showing times. */
  timezone: string;
  /** Details: included only when the classification allows them to leave the system. */
  title?: string;
  description?: string;
  affectedSystems?: string[];
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

interface TemplateText {
  subject: string;
  lead: string;
}

/** What each event's e-mail says, in both languages. `{ref}` is replaced by the reference. */
export const TEMPLATES: Record<string, Record<Locale, TemplateText>> = {
  'incident.filed': {
    'zh-TW': { subject: '新資安事件通報 {ref}', lead: '有一件新的資安事件已通報，請儘速處理。' },
    en: { subject: 'New security incident {ref}', lead: 'A new security incident has been filed and needs attention.' },
  },
  'incident.paged': {
    'zh-TW': { subject: '【待命呼叫】資安事件 {ref} 請確認', lead: '您正在待命，請立即確認 (ACKNOWLEDGE) 此事件。' },
    en: { subject: '[PAGE] Security incident {ref}: please acknowledge', lead: 'You are on call: acknowledge this incident now.' },
  },
  'incident.acknowledged': {
    'zh-TW': { subject: '資安事件 {ref} 已確認', lead: '此事件已由待命人員確認。' },
    en: { subject: 'Security incident {ref} acknowledged', lead: 'The incident has been acknowledged by the person on call.' },
  },
  'incident.major': {
    'zh-TW': { subject: '【重大】3–4 級資安事件 {ref}', lead: '此為 3 級以上重大資安事件，資通安全長應立即參與。' },
    en: { subject: '[MAJOR] Level 3–4 security incident {ref}', lead: 'This is a major (level 3–4) incident: the CISO is engaged at once.' },
  },
  'incident.triaged': {
    'zh-TW': { subject: '資安事件 {ref} 已完成分級', lead: '事件已完成初步分級，請開始應變處理。' },
    en: { subject: 'Security incident {ref} triaged', lead: 'The incident has been triaged; response can begin.' },
  },
  'incident.reclassified': {
    'zh-TW': { subject: '資安事件 {ref} 等級變更', lead: '事件等級已變更，須重新通報。' },
    en: { subject: 'Security incident {ref} reclassified', lead: 'The incident level changed and must be reported again.' },
  },
  'incident.dismissed': {
    'zh-TW': { subject: '資安事件 {ref} 已撤銷', lead: '此通報經研判非資安事件或為重複通報，已撤銷。' },
    en: { subject: 'Security incident {ref} dismissed', lead: 'The report was dismissed (not an incident, or a duplicate).' },
  },
  'incident.recovered': {
    'zh-TW': { subject: '資安事件 {ref} 已完成復原', lead: '損害控制及復原已完成，請於期限內提出調查、處理及改善報告。' },
    en: { subject: 'Security incident {ref} recovered', lead: 'Damage control and recovery are done; the improvement report is due.' },
  },
  'incident.review_due': {
    'zh-TW': { subject: '資安事件 {ref} 待提改善報告', lead: '請提出調查、處理及改善報告。' },
    en: { subject: 'Security incident {ref}: improvement report due', lead: 'Submit the investigation, handling and improvement report.' },
  },
  'incident.approval_requested': {
    'zh-TW': { subject: '資安事件 {ref} 待資通安全長核定結案', lead: '重大資安事件之改善報告已提出，請資通安全長核定結案。' },
    en: { subject: 'Security incident {ref}: closure awaits CISO approval', lead: 'The improvement report of a major incident awaits the CISO’s approval.' },
  },
  'incident.closed': {
    'zh-TW': { subject: '資安事件 {ref} 已結案', lead: '此事件已結案。' },
    en: { subject: 'Security incident {ref} closed', lead: 'The incident is closed.' },
  },
  'incident.paging_exhausted': {
    'zh-TW': { subject: '【警示】資安事件 {ref} 無人確認', lead: '所有升級呼叫步驟均無人確認，請立即處理。' },
    en: { subject: '[ALERT] Security incident {ref}: nobody acknowledged', lead: 'Every escalation step was paged without an acknowledgement.' },
  },
  'deadline.report_due_soon': {
    'zh-TW': { subject: '資安事件 {ref} 通報期限將至', lead: '距一小時通報期限將至，請儘速向上級機關通報。' },
    en: { subject: 'Security incident {ref}: report due soon', lead: 'The one-hour reporting deadline is close: report to the superior agency now.' },
  },
  'deadline.breached': {
    'zh-TW': { subject: '【逾期】資安事件 {ref} 已逾處理期限', lead: '事件已逾法定期限，已升級通知資通安全長及副首長。' },
    en: { subject: '[OVERDUE] Security incident {ref} missed a deadline', lead: 'A statutory deadline passed; the CISO and the deputy head are informed.' },
  },
  'authority.review_requested': {
    'zh-TW': { subject: '下級機關資安事件 {ref} 待審核', lead: '所屬機關已通報資安事件，請於期限內完成等級審核。' },
    en: { subject: 'Subordinate incident {ref} awaits your review', lead: 'A subordinate agency reported an incident: review its level before the deadline.' },
  },
  'authority.reviewed': {
    'zh-TW': { subject: '資安事件 {ref} 上級機關已審核', lead: '上級機關已完成事件等級審核。' },
    en: { subject: 'Security incident {ref} reviewed by the superior agency', lead: 'The superior agency has reviewed the incident level.' },
  },
  'law_enforcement.requested': {
    'zh-TW': { subject: '資安事件 {ref} 擬請檢警調協助', lead: '此事件疑涉犯罪，擬聯繫檢察、警察或調查機關，請政風單位協助。' },
    en: {
      subject: 'Security incident {ref}: law enforcement requested',
      lead: 'A crime is suspected: contact with prosecutors, police or investigators is requested.',
    },
  },
  'law_enforcement.contacted': {
    'zh-TW': { subject: '資安事件 {ref} 已聯繫檢警調', lead: '已聯繫檢警調單位，請依程序保全證據。' },
    en: { subject: 'Security incident {ref}: law enforcement contacted', lead: 'Law enforcement has been contacted; preserve evidence as required.' },
  },
  'delivery.dead': {
    'zh-TW': { subject: '【系統】通知無法送達 {ref}', lead: '一則通知多次重試後仍無法送達，請檢查郵件伺服器及收件人設定。' },
    en: {
      subject: '[SYSTEM] A notification could not be delivered {ref}',
      lead: 'A notification failed after every retry: check the mail server and the recipient.',
    },
  },
};

const LABELS: Record<Locale, Record<string, string>> = {
  'zh-TW': {
    reference: '事件編號',
    level: '事件等級',
    state: '目前狀態',
    deadline: '下一期限',
    link: '請登入系統查看',
    title: '標題',
    description: '說明',
    systems: '受影響系統',
    restricted: '依資料安全等級（TLP {tlp}／{dataLevel}），本信不含事件內容，請登入系統查看。',
    drill: '【演練】本事件為演練，非真實事件。',
    drillTag: '【演練】',
    footer: '本信由資安事件通報應變系統自動發送，請勿直接回覆。',
  },
  en: {
    reference: 'Reference',
    level: 'Level',
    state: 'State',
    deadline: 'Next deadline',
    link: 'Open in the system',
    title: 'Title',
    description: 'Description',
    systems: 'Affected systems',
    restricted: 'Classified TLP {tlp} / {dataLevel}: this e-mail carries no incident details. Sign in to read them.',
    drill: '[DRILL] This incident is a drill, not a real event.',
    drillTag: '[DRILL] ',
    footer: 'Sent automatically by the incident response system. Do not reply.',
  },
};

const STATE_NAMES: Record<Locale, Record<string, string>> = {
  'zh-TW': { reported: '已通報', responding: '應變處理中', review: '改善審查中', closed: '已結案', dismissed: '已撤銷' },
  en: { reported: 'reported', responding: 'responding', review: 'under review', closed: 'closed', dismissed: 'dismissed' },
};

/**
 * The article-27 rule: the very rule the API's redacted view applies (isRestricted), and an
 * unknown label withholds too (fail safe).
 */
export function mustWithholdDetails(tlp: string, dataLevel: string): boolean {
  if (!(TLP_LABELS as readonly string[]).includes(tlp) || !(DATA_LEVELS as readonly string[]).includes(dataLevel)) return true;
  return isRestricted({ tlp: tlp as Tlp, dataLevel: dataLevel as DataLevel });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function localTime(iso: string, zone: string): string {
  const local = DateTime.fromISO(iso, { zone });
  return `${local.toFormat('yyyy-MM-dd HH:mm')} (${zone}, UTC${local.toFormat('ZZ')})`;
}

export function renderNotification(template: string, locale: Locale, data: NotificationData): RenderedMail {
  const t = TEMPLATES[template]?.[locale];
  if (!t) throw new Error(`no template ${template} for ${locale}`);
  const l = LABELS[locale];
  const withhold = mustWithholdDetails(data.tlp, data.dataLevel);
  const tlpTag = `[TLP:${data.tlp}]`;
  const subject = `${tlpTag} ${data.isDrill ? l.drillTag : ''}${t.subject.replace('{ref}', data.reference)}`;
  const facts: Array<[string, string]> = [
    [l.reference!, data.reference],
    [l.level!, String(data.level)],
    [l.state!, STATE_NAMES[locale][data.state] ?? data.state],
  ];
  if (data.deadline) facts.push([l.deadline!, localTime(data.deadline, data.timezone)]);
  const details: Array<[string, string]> = [];
  if (!withhold) {
    if (data.title) details.push([l.title!, data.title]);
    if (data.description) details.push([l.description!, data.description]);
    if (data.affectedSystems?.length) details.push([l.systems!, data.affectedSystems.join(', ')]);
  }
  const restrictedNote = withhold ? l.restricted!.replace('{tlp}', data.tlp).replace('{dataLevel}', data.dataLevel) : null;
  const text = [
    tlpTag,
    ...(data.isDrill ? [l.drill!] : []),
    '',
    t.lead,
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    ...details.map(([k, v]) => `${k}: ${v}`),
    ...(restrictedNote ? ['', restrictedNote] : []),
    '',
    `${l.link}: ${data.link}`,
    '',
    '-- ',
    l.footer!,
  ].join('\n');
  const row = ([k, v]: [string, string]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`;
  const html = [
    `<!doctype html><html lang="${locale}"><body>`,
    `<p><strong>${escapeHtml(tlpTag)}</strong></p>`,
    ...(data.isDrill ? [`<p><strong>${escapeHtml(l.drill!)}</strong></p>`] : []),
    `<p>${escapeHtml(t.lead)}</p>`,
    `<table>${[...facts, ...details].map(row).join('')}</table>`,
    ...(restrictedNote ? [`<p>${escapeHtml(restrictedNote)}</p>`] : []),
    `<p><a href="${escapeHtml(data.link)}">${escapeHtml(l.link!)}</a></p>`,
    `<p style="color:#666">${escapeHtml(l.footer!)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}
