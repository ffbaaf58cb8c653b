import { DateTime } from 'luxon';
import { DATA_LEVELS, effectiveTlp, isRestricted, TLP_LABELS, type DataLevel, type Tlp } from '@app/workflows';

/**
 * E-mail templates, per event and language (zh-TW default, en), with an HTML and a plain-text part,
 * for every kind of subject: incidents (article 41), business continuity (article 40: drills,
 * plans, corrective actions) and accounts (articles 29–32: a lock told to its holder, a privileged
 * role grant told to the agency's other admins). Article 27: for anything AMBER or stricter, or at a
 * sensitive/confidential data level, an e-mail says only that something happened and where to look
 * (reference, level where there is one, state, deadline, link), never the title, description,
 * evidence or names of systems. The TLP label leads the subject and the body, as the strictest of
 * the TLP and the data level (shownTlp); a drill (an incident filed as a drill, and every
 * business-continuity drill) is labelled as one everywhere.
 */
export type Locale = 'zh-TW' | 'en';

/** What a notification is about (the outbox row's aggregate type); `other` for anything unknown. */
export type NotificationSubject = 'incident' | 'drill' | 'plan' | 'corrective_action' | 'account' | 'other';
export const NOTIFICATION_SUBJECTS: readonly NotificationSubject[] = ['incident', 'drill', 'plan', 'corrective_action', 'account', 'other'];

export interface NotificationData {
  /** What the reference names (default `incident`): labels the facts, and a `drill` is always labelled a drill. */
  subject?: NotificationSubject;
  reference: string;
  /** The incident level (1–4); absent or null for subjects without one (no level row). */
  level?: number | null;
  state: string;
  tlp: string;
  dataLevel: string;
  isDrill: boolean;
  /** Absolute link to the subject in the product. */
  link: string;
  /** The deadline that concerns the reader (a plan's review, a corrective action's due date), ISO, if any. */
  deadline?: string | null;
  /** Which of an incident's clocks `deadline` is (report, superior_review, …): the fact is labelled by it. */
  deadlineKind?: string | null;
  /** Local time zone for showing times. */
  timezone: string;
  /** Details: included only when the classification allows them to leave the system. For a drill, its plan's title. */
  title?: string;
  description?: string;
  affectedSystems?: string[];
  /** Roles granted (an account's privileged grant), shown by their names in the recipient's language. */
  roles?: string[];
  /** Who did it (an account's privileged grant: the granting admin's e-mail). */
  actor?: string;
  /** The webhook a notice is about (a disabled webhook: its scheme, host and port, never its path). */
  webhook?: string;
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
  'incident.reopened': {
    'zh-TW': { subject: '資安事件 {ref} 已重新開啟', lead: '此事件已重新開啟，須再次應變處理及通報；先前結案或撤銷之內容保留於系統紀錄。' },
    en: {
      subject: 'Security incident {ref} reopened',
      lead: 'The incident was reopened and is handled and reported again; how it was closed or dismissed stays on record.',
    },
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
  'authority.level_changed': {
    'zh-TW': { subject: '資安事件 {ref} 上級機關審核變更等級', lead: '上級機關審核後變更事件等級，處理期限已依新等級重新計算。' },
    en: {
      subject: 'Security incident {ref}: the superior agency changed its level',
      lead: 'The superior agency reviewed the incident and changed its level; the deadlines now follow the new level.',
    },
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
  // Business continuity (article 40). A drill's e-mails say "drill" in the subject line of their own.
  'drill.scheduled': {
    'zh-TW': { subject: '營運持續演練 {ref} 已排定', lead: '營運持續演練已排定，請預留時間並依計畫準備。' },
    en: {
      subject: 'Business continuity drill {ref} scheduled',
      lead: 'A business continuity drill has been scheduled: set the time aside and prepare as the plan says.',
    },
  },
  'drill.reminder': {
    'zh-TW': { subject: '營運持續演練 {ref} 即將舉行', lead: '營運持續演練即將舉行，請確認參與人員及準備事項。' },
    en: {
      subject: 'Reminder: business continuity drill {ref} is coming up',
      lead: 'A business continuity drill is coming up: confirm who takes part and what to prepare.',
    },
  },
  'drill.rescheduled': {
    'zh-TW': { subject: '營運持續演練 {ref} 已改期', lead: '營運持續演練已改期，請留意新的演練日期。' },
    en: { subject: 'Business continuity drill {ref} rescheduled', lead: 'A business continuity drill has been moved to a new date.' },
  },
  'drill.cancelled': {
    'zh-TW': { subject: '營運持續演練 {ref} 已取消', lead: '營運持續演練已取消，原定時間不再舉行。' },
    en: { subject: 'Business continuity drill {ref} cancelled', lead: 'A business continuity drill has been cancelled: it will not take place as planned.' },
  },
  'drill.overdue': {
    'zh-TW': { subject: '【逾期】營運持續演練 {ref} 未如期開始', lead: '營運持續演練未於排定日期開始，已升級通知主管，請儘速舉行或改期。' },
    en: {
      subject: '[OVERDUE] Business continuity drill {ref} did not start',
      lead: 'A business continuity drill did not start by its date and has been escalated: run it or reschedule it now.',
    },
  },
  'drill.after_action_due': {
    'zh-TW': { subject: '營運持續演練 {ref} 待提檢討報告', lead: '演練已結束，請於期限內提出演練檢討報告（改善事項及矯正措施）。' },
    en: {
      subject: 'Business continuity drill {ref}: after-action report due',
      lead: 'The drill is over: submit the after-action report (areas for improvement, corrective actions) within the window.',
    },
  },
  'drill.after_action_overdue': {
    'zh-TW': { subject: '【逾期】營運持續演練 {ref} 檢討報告逾期', lead: '演練檢討報告未於期限內提出，已升級通知主管，請儘速提出。' },
    en: {
      subject: '[OVERDUE] Business continuity drill {ref}: after-action report overdue',
      lead: 'The after-action report was not submitted in time and has been escalated: submit it now.',
    },
  },
  'drill.after_action_submitted': {
    'zh-TW': { subject: '營運持續演練 {ref} 檢討報告已提出', lead: '演練檢討報告已提出，請檢視改善事項及矯正措施。' },
    en: {
      subject: 'Business continuity drill {ref}: after-action report submitted',
      lead: 'The after-action report has been submitted: review the areas for improvement and the corrective actions.',
    },
  },
  'drill.closed': {
    'zh-TW': { subject: '營運持續演練 {ref} 已結案', lead: '演練及其後續改善均已完成，演練已結案。' },
    en: { subject: 'Business continuity drill {ref} closed', lead: 'The drill and its follow-up are complete: the drill is closed.' },
  },
  'plan.review_overdue': {
    'zh-TW': { subject: '【逾期】營運持續計畫 {ref} 逾一年未審查', lead: '營運持續計畫逾一年未審查，已升級通知主管，請儘速審查並更新。' },
    en: {
      subject: '[OVERDUE] Business continuity plan {ref} not reviewed for a year',
      lead: 'The business continuity plan has not been reviewed within a year and has been escalated: review and update it now.',
    },
  },
  'plan.version_created': {
    'zh-TW': { subject: '營運持續計畫 {ref} 已發布新版本', lead: '營運持續計畫已發布新版本，請登入系統閱讀變更內容。' },
    en: {
      subject: 'Business continuity plan {ref}: new version',
      lead: 'A new version of the business continuity plan has been published: read what changed.',
    },
  },
  'corrective_action.assigned': {
    'zh-TW': { subject: '矯正措施 {ref} 已指派給您', lead: '您或您的單位已被指派一項矯正措施，請於期限內完成。' },
    en: { subject: 'Corrective action {ref} assigned to you', lead: 'A corrective action has been assigned to you or your unit: complete it by its due date.' },
  },
  'corrective_action.due_soon': {
    'zh-TW': { subject: '矯正措施 {ref} 即將到期', lead: '矯正措施即將到期，請儘速完成並於系統回報。' },
    en: { subject: 'Corrective action {ref} due soon', lead: 'A corrective action is due soon: complete it and record it as done.' },
  },
  'corrective_action.overdue': {
    'zh-TW': { subject: '【逾期】矯正措施 {ref} 已逾期', lead: '矯正措施未於期限內完成，已升級通知主管。' },
    en: { subject: '[OVERDUE] Corrective action {ref} is overdue', lead: 'A corrective action was not completed by its due date and has been escalated.' },
  },
  'corrective_action.done': {
    'zh-TW': { subject: '矯正措施 {ref} 已完成，待驗證', lead: '矯正措施已回報完成，請驗證其成效。' },
    en: { subject: 'Corrective action {ref} done: awaits verification', lead: 'A corrective action has been reported done and awaits verification.' },
  },
  // Accounts (articles 29–32): notices about an account, to its holder or to the agency's admins.
  'account.locked': {
    'zh-TW': {
      subject: '您的帳號 {ref} 已暫時鎖定',
      lead: '您的帳號因多次登入失敗已暫時鎖定，鎖定期間屆滿後即可再次登入。如非本人操作，請聯絡貴機關的系統管理者。',
    },
    en: {
      subject: 'Your account {ref} is temporarily locked',
      lead: 'Your account was locked after repeated failed sign-ins; you can sign in again once the lock ends. If this was not you, contact your agency’s administrator.',
    },
  },
  'account.privileged_role_granted': {
    'zh-TW': {
      subject: '【帳號】帳號 {ref} 已獲授予特權角色',
      lead: '貴機關一個帳號已獲授予特權角色（資通安全長、稽核人員或系統管理者）。如未經同意，請立即檢視並處理。',
    },
    en: {
      subject: '[ACCOUNT] Privileged role granted to {ref}',
      lead: 'An account of your agency was granted a privileged role (CISO, auditor or administrator). If this was not agreed, review it now.',
    },
  },
  'delivery.dead': {
    'zh-TW': { subject: '【系統】通知無法送達 {ref}', lead: '一則通知多次重試後仍無法送達，請檢查郵件伺服器及收件人設定。' },
    en: {
      subject: '[SYSTEM] A notification could not be delivered {ref}',
      lead: 'A notification failed after every retry: check the mail server and the recipient.',
    },
  },
  'delivery.no_recipients': {
    'zh-TW': {
      subject: '【系統】通知無人可收 {ref}',
      lead: '一則通知找不到任何收件人（例如上級機關未設資通安全長或待命主管），未能送出，請檢查角色及單位設定。',
    },
    en: {
      subject: '[SYSTEM] A notification reached nobody {ref}',
      lead: 'A notification resolved to no recipient (e.g. no CISO or on-call manager in the superior agency) and was not sent: check the roles and units.',
    },
  },
  'webhook.disabled': {
    'zh-TW': {
      subject: '【系統】Webhook 已停用 {ref}',
      lead: '一個 Webhook 的網址不是 https，或解析到非公開位址，投遞遭拒（重試亦同），系統已將其停用。請檢查其網址，修正後重新啟用，或將其刪除。',
    },
    en: {
      subject: '[SYSTEM] A webhook was disabled {ref}',
      lead: 'A webhook’s URL is not https or resolves to a non-public address, so its delivery was refused (and every retry would be), and it has been disabled. Check its URL, then re-enable or delete it.',
    },
  },
};

const LABELS: Record<Locale, Record<string, string>> = {
  'zh-TW': {
    level: '事件等級',
    state: '目前狀態',
    link: '請登入系統查看',
    description: '說明',
    systems: '受影響系統',
    roles: '授予角色',
    actor: '授予者',
    webhook: 'Webhook 目標',
    restricted: '依資料安全等級（TLP {tlp}／{dataLevel}），本信不含{noun}內容，請登入系統查看。',
    drillTag: '【演練】',
    footer: '本信由資安事件通報應變系統自動發送，請勿直接回覆。',
  },
  en: {
    level: 'Level',
    state: 'State',
    link: 'Open in the system',
    description: 'Description',
    systems: 'Affected systems',
    roles: 'Roles granted',
    actor: 'Granted by',
    webhook: 'Webhook target',
    restricted: 'Classified TLP {tlp} / {dataLevel}: this e-mail carries no {noun} details. Sign in to read them.',
    drillTag: '[DRILL] ',
    footer: 'Sent automatically by the incident response system. Do not reply.',
  },
};

/** Article 42 data levels as each language names them. */
const DATA_LEVEL_NAMES: Record<Locale, Record<DataLevel, string>> = {
  'zh-TW': { public: '公開', general: '一般', sensitive: '敏感', confidential: '機密' },
  en: { public: 'public', general: 'general', sensitive: 'sensitive', confidential: 'confidential' },
};

/** An incident's clocks, named in the facts table when the mail shows one of them. */
const INCIDENT_DEADLINE_LABELS: Record<Locale, Record<string, string>> = {
  'zh-TW': {
    report: '通報期限',
    superior_review: '上級審核期限',
    recovery: '復原期限',
    improvement_report: '改善報告期限',
    acknowledgement: '確認期限',
  },
  en: {
    report: 'Report due',
    superior_review: 'Review due',
    recovery: 'Recovery due',
    improvement_report: 'Improvement report due',
    acknowledgement: 'Acknowledge by',
  },
};

/** What the facts table calls things, per subject. */
interface SubjectLabels {
  reference: string;
  title: string;
  deadline: string;
  /** The subject in the withholding note ("no {noun} details"). */
  noun: string;
  /** The drill line at the top of the body. */
  drill: string;
}

const SUBJECT_LABELS: Record<Locale, Record<NotificationSubject, SubjectLabels>> = {
  'zh-TW': {
    incident: { reference: '事件編號', title: '標題', deadline: '下一期限', noun: '事件', drill: '【演練】本事件為演練，非真實事件。' },
    drill: { reference: '演練編號', title: '營運持續計畫', deadline: '下一期限', noun: '演練', drill: '【演練】本通知為營運持續演練，非真實事件。' },
    plan: { reference: '計畫編號', title: '計畫名稱', deadline: '審查期限', noun: '計畫', drill: '【演練】本通知與演練有關，非真實事件。' },
    corrective_action: { reference: '矯正措施', title: '措施內容', deadline: '完成期限', noun: '矯正措施', drill: '【演練】本措施源自演練。' },
    account: { reference: '帳號', title: '姓名', deadline: '鎖定至', noun: '帳號', drill: '【演練】本通知與演練有關，非真實事件。' },
    other: { reference: '編號', title: '標題', deadline: '期限', noun: '機密', drill: '【演練】本通知與演練有關，非真實事件。' },
  },
  en: {
    incident: {
      reference: 'Reference',
      title: 'Title',
      deadline: 'Next deadline',
      noun: 'incident',
      drill: '[DRILL] This incident is a drill, not a real event.',
    },
    drill: {
      reference: 'Drill reference',
      title: 'Continuity plan',
      deadline: 'Next deadline',
      noun: 'drill',
      drill: '[DRILL] This is a business continuity drill, not a real event.',
    },
    plan: { reference: 'Plan reference', title: 'Plan', deadline: 'Review due', noun: 'plan', drill: '[DRILL] This concerns a drill, not a real event.' },
    corrective_action: {
      reference: 'Corrective action',
      title: 'Action',
      deadline: 'Due',
      noun: 'corrective action',
      drill: '[DRILL] This action comes from a drill.',
    },
    account: { reference: 'Account', title: 'Name', deadline: 'Locked until', noun: 'account', drill: '[DRILL] This concerns a drill, not a real event.' },
    other: { reference: 'Reference', title: 'Title', deadline: 'Deadline', noun: 'confidential', drill: '[DRILL] This concerns a drill, not a real event.' },
  },
};

/** State names: the incident's, then per subject where a name means something else. */
const STATE_NAMES: Record<Locale, Record<string, string>> = {
  'zh-TW': { reported: '已通報', responding: '應變處理中', review: '改善審查中', closed: '已結案', dismissed: '已撤銷' },
  en: { reported: 'reported', responding: 'responding', review: 'under review', closed: 'closed', dismissed: 'dismissed' },
};
const SUBJECT_STATE_NAMES: Record<Locale, Partial<Record<NotificationSubject, Record<string, string>>>> = {
  'zh-TW': {
    drill: {
      scheduled: '已排定',
      overdue: '逾期未開始',
      in_progress: '演練進行中',
      debrief: '待提檢討報告',
      improvement: '改善中',
      closed: '已結案',
      cancelled: '已取消',
    },
    plan: { review_overdue: '逾期未審查', active: '有效' },
    corrective_action: { open: '待處理', in_progress: '處理中', done: '已完成（待驗證）', verified: '已驗證', cancelled: '已取消', overdue: '已逾期' },
    account: { locked: '已鎖定', privileged_role_granted: '已授予特權角色' },
  },
  en: {
    drill: {
      scheduled: 'scheduled',
      overdue: 'overdue (not started)',
      in_progress: 'in progress',
      debrief: 'debrief (after-action report due)',
      improvement: 'improvement',
      closed: 'closed',
      cancelled: 'cancelled',
    },
    plan: { review_overdue: 'review overdue', active: 'active' },
    corrective_action: {
      open: 'open',
      in_progress: 'in progress',
      done: 'done (awaits verification)',
      verified: 'verified',
      cancelled: 'cancelled',
      overdue: 'overdue',
    },
    account: { locked: 'locked', privileged_role_granted: 'privileged role granted' },
  },
};

/** Role names as people read them; the role's own name follows in parentheses. */
const ROLE_NAMES: Record<Locale, Record<string, string>> = {
  'zh-TW': {
    reporter: '通報人員',
    responder: '應變處理人員',
    on_call_manager: '待命主管',
    ethics_officer: '政風人員',
    ciso: '資通安全長',
    continuity_coordinator: '營運持續協調人',
    auditor: '稽核人員',
    admin: '系統管理者',
    vendor: '委外廠商',
  },
  en: {
    reporter: 'reporter',
    responder: 'responder',
    on_call_manager: 'on-call manager',
    ethics_officer: 'ethics officer',
    ciso: 'CISO',
    continuity_coordinator: 'continuity coordinator',
    auditor: 'auditor',
    admin: 'administrator',
    vendor: 'vendor',
  },
};

function roleNames(locale: Locale, roles: string[]): string {
  return roles.map((r) => (ROLE_NAMES[locale][r] ? `${ROLE_NAMES[locale][r]} (${r})` : r)).join(locale === 'zh-TW' ? '、' : ', ');
}

function stateName(locale: Locale, subject: NotificationSubject, state: string): string {
  const named = SUBJECT_STATE_NAMES[locale][subject]?.[state] ?? (subject === 'incident' ? STATE_NAMES[locale][state] : undefined);
  if (named) return named;
  // A plan's state is its version ("v3").
  const version = subject === 'plan' ? /^v(\d+)$/.exec(state) : null;
  if (version) return locale === 'zh-TW' ? `第 ${version[1]} 版` : `version ${version[1]}`;
  return state;
}

/**
 * The article-27 rule: the very rule the API's redacted view applies (isRestricted), and an
 * unknown label withholds too (fail safe).
 */
export function mustWithholdDetails(tlp: string, dataLevel: string): boolean {
  if (!(TLP_LABELS as readonly string[]).includes(tlp) || !(DATA_LEVELS as readonly string[]).includes(dataLevel)) return true;
  return isRestricted({ tlp: tlp as Tlp, dataLevel: dataLevel as DataLevel });
}

/**
 * The TLP label a mail shows: the strictest of the TLP and the data level's floor (effectiveTlp:
 * CLEAR with confidential data shows RED). An unknown TLP is shown as given, an unknown data level
 * counts as confidential; either withholds (mustWithholdDetails).
 */
export function shownTlp(tlp: string, dataLevel: string): string {
  if (!(TLP_LABELS as readonly string[]).includes(tlp)) return tlp;
  const level = (DATA_LEVELS as readonly string[]).includes(dataLevel) ? (dataLevel as DataLevel) : 'confidential';
  return effectiveTlp({ tlp: tlp as Tlp, dataLevel: level });
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
  const subject: NotificationSubject = data.subject && NOTIFICATION_SUBJECTS.includes(data.subject) ? data.subject : data.subject ? 'other' : 'incident';
  const sl = SUBJECT_LABELS[locale][subject];
  // A business continuity drill is an exercise by nature: labelled as a drill like an incident drill.
  const isDrill = data.isDrill || subject === 'drill';
  const withhold = mustWithholdDetails(data.tlp, data.dataLevel);
  const tlp = shownTlp(data.tlp, data.dataLevel);
  const tlpTag = `[TLP:${tlp}]`;
  const mailSubject = `${tlpTag} ${isDrill ? l.drillTag : ''}${t.subject.replace('{ref}', data.reference)}`;
  const facts: Array<[string, string]> = [[sl.reference, data.reference]];
  if (data.level !== undefined && data.level !== null) facts.push([l.level!, String(data.level)]);
  facts.push([l.state!, stateName(locale, subject, data.state)]);
  const deadlineLabel = (subject === 'incident' && data.deadlineKind && INCIDENT_DEADLINE_LABELS[locale][data.deadlineKind]) || sl.deadline;
  if (data.deadline) facts.push([deadlineLabel, localTime(data.deadline, data.timezone)]);
  if (data.roles?.length) facts.push([l.roles!, roleNames(locale, data.roles)]);
  if (data.actor) facts.push([l.actor!, data.actor]);
  if (data.webhook) facts.push([l.webhook!, data.webhook]);
  const details: Array<[string, string]> = [];
  if (!withhold) {
    if (data.title) details.push([sl.title, data.title]);
    if (data.description) details.push([l.description!, data.description]);
    if (data.affectedSystems?.length) details.push([l.systems!, data.affectedSystems.join(', ')]);
  }
  const dataLevelName = DATA_LEVEL_NAMES[locale][data.dataLevel as DataLevel] ?? data.dataLevel;
  const restrictedNote = withhold ? l.restricted!.replace('{tlp}', tlp).replace('{dataLevel}', dataLevelName).replace('{noun}', sl.noun) : null;
  const text = [
    tlpTag,
    ...(isDrill ? [sl.drill] : []),
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
    ...(isDrill ? [`<p><strong>${escapeHtml(sl.drill)}</strong></p>`] : []),
    `<p>${escapeHtml(t.lead)}</p>`,
    `<table>${[...facts, ...details].map(row).join('')}</table>`,
    ...(restrictedNote ? [`<p>${escapeHtml(restrictedNote)}</p>`] : []),
    `<p><a href="${escapeHtml(data.link)}">${escapeHtml(l.link!)}</a></p>`,
    `<p style="color:#666">${escapeHtml(l.footer!)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject: mailSubject, text, html };
}
