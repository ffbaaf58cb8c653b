import { describe, expect, it } from '@jest/globals';
import { DATA_LEVELS, TLP_LABELS, effectiveTlp, isRestricted, type DataLevel } from '@app/workflows';
import { renderNotification, shownTlp, TEMPLATES, type Locale, type NotificationData } from './templates.js';

const SECRET_TITLE = '機密標題 Secret title XYZ';
const SECRET_DESCRIPTION = 'Attacker used account chen.admin on db-core-01';
const SECRET_SYSTEM = 'db-core-01.internal';

type Subject = NonNullable<NotificationData['subject']>;

/** Each subject's reference, link and state, as the delivery worker fills them in. */
const SUBJECTS: Record<Exclude<Subject, 'other'>, { reference: string; link: string; state: string; level: number | null }> = {
  incident: { reference: 'MOJ-2026-0042', link: 'https://ir.example.gov.tw/incidents/5b0c', state: 'responding', level: 3 },
  drill: { reference: 'MOJ-DR-2026-0007', link: 'https://ir.example.gov.tw/drills/7d1e', state: 'scheduled', level: null },
  plan: { reference: 'MOJ-BCP-0003', link: 'https://ir.example.gov.tw/continuity/plans/9a2f', state: 'v4', level: null },
  corrective_action: { reference: 'CA-1f2e3d4c', link: 'https://ir.example.gov.tw/corrective-actions/1f2e', state: 'open', level: null },
  account: { reference: 'chen@moj.gov.tw', link: 'https://ir.example.gov.tw', state: 'locked', level: null },
};

/** What the facts table must call things, per subject and language. */
const EXPECTED: Record<Exclude<Subject, 'other'>, Record<Locale, { reference: string; state: string; deadline: string; noun: string }>> = {
  incident: {
    'zh-TW': { reference: '事件編號', state: '應變處理中', deadline: '下一期限', noun: '事件' },
    en: { reference: 'Reference', state: 'responding', deadline: 'Next deadline', noun: 'incident' },
  },
  drill: {
    'zh-TW': { reference: '演練編號', state: '已排定', deadline: '下一期限', noun: '演練' },
    en: { reference: 'Drill reference', state: 'scheduled', deadline: 'Next deadline', noun: 'drill' },
  },
  plan: {
    'zh-TW': { reference: '計畫編號', state: '第 4 版', deadline: '審查期限', noun: '計畫' },
    en: { reference: 'Plan reference', state: 'version 4', deadline: 'Review due', noun: 'plan' },
  },
  corrective_action: {
    'zh-TW': { reference: '矯正措施', state: '待處理', deadline: '完成期限', noun: '矯正措施' },
    en: { reference: 'Corrective action', state: 'open', deadline: 'Due', noun: 'corrective action' },
  },
  account: {
    'zh-TW': { reference: '帳號', state: '已鎖定', deadline: '鎖定至', noun: '帳號' },
    en: { reference: 'Account', state: 'locked', deadline: 'Locked until', noun: 'account' },
  },
};

const DATA_LEVEL_ZH: Record<DataLevel, string> = { public: '公開', general: '一般', sensitive: '敏感', confidential: '機密' };

function data(tlp: string, dataLevel: string, isDrill = false, subject: Exclude<Subject, 'other'> = 'incident'): NotificationData {
  const s = SUBJECTS[subject];
  return {
    subject,
    reference: s.reference,
    level: s.level,
    state: s.state,
    tlp,
    dataLevel,
    isDrill,
    link: s.link,
    deadline: '2026-03-02T02:00:00.000Z',
    timezone: 'Asia/Taipei',
    title: SECRET_TITLE,
    description: SECRET_DESCRIPTION,
    affectedSystems: [SECRET_SYSTEM],
  };
}

/** The subject a template is written for (by its prefix); the delivery alerts go out for every subject. */
function subjectsOf(template: string): Array<Exclude<Subject, 'other'>> {
  const prefix = template.split('.')[0]!;
  if (prefix === 'drill' || prefix === 'plan' || prefix === 'corrective_action' || prefix === 'account') return [prefix];
  if (prefix === 'delivery') return ['incident', 'drill', 'plan', 'corrective_action', 'account'];
  return ['incident'];
}

const cases = Object.keys(TEMPLATES).flatMap((template) =>
  subjectsOf(template).flatMap((subject) =>
    (['zh-TW', 'en'] as Locale[]).flatMap((locale) =>
      TLP_LABELS.flatMap((tlp) => DATA_LEVELS.map((dataLevel) => ({ template, subject, locale, tlp, dataLevel }))),
    ),
  ),
);

describe('notification templates × subjects × classifications (article 27)', () => {
  it('has every business continuity template in both languages, each with a lead sentence', () => {
    const continuity = [
      'drill.scheduled',
      'drill.reminder',
      'drill.rescheduled',
      'drill.cancelled',
      'drill.overdue',
      'drill.after_action_due',
      'drill.after_action_overdue',
      'drill.after_action_submitted',
      'drill.closed',
      'plan.review_overdue',
      'plan.version_created',
      'corrective_action.assigned',
      'corrective_action.due_soon',
      'corrective_action.overdue',
      'corrective_action.done',
    ];
    for (const template of [...continuity, 'deadline.report_due_soon']) {
      for (const locale of ['zh-TW', 'en'] as Locale[]) {
        const t = TEMPLATES[template]?.[locale];
        expect([template, locale, !!t]).toEqual([template, locale, true]);
        expect(t!.subject).toContain('{ref}');
        expect(t!.lead.length).toBeGreaterThan(10);
      }
    }
    // Escalations say so in the subject line.
    for (const template of ['drill.overdue', 'drill.after_action_overdue', 'plan.review_overdue', 'corrective_action.overdue']) {
      expect(TEMPLATES[template]!['zh-TW'].subject).toContain('【逾期】');
      expect(TEMPLATES[template]!.en.subject).toContain('[OVERDUE]');
      expect(TEMPLATES[template]!['zh-TW'].lead).toContain('升級');
      expect(TEMPLATES[template]!.en.lead).toContain('escalated');
    }
  });

  it.each(cases)('$template ($subject) in $locale at TLP:$tlp / $dataLevel', ({ template, subject, locale, tlp, dataLevel }) => {
    const mail = renderNotification(template, locale, data(tlp, dataLevel, false, subject));
    const all = [mail.subject, mail.text, mail.html].join('\n');
    const expected = EXPECTED[subject][locale];
    const { reference, link } = SUBJECTS[subject];
    // Always: the label shown (the stricter of the TLP and the data level's floor) leads the subject and the body;
    // the lead sentence, reference, state, deadline and link are there.
    const shown = effectiveTlp({ tlp, dataLevel });
    expect(mail.subject.startsWith(`[TLP:${shown}] `)).toBe(true);
    expect(mail.text.startsWith(`[TLP:${shown}]\n`)).toBe(true);
    expect(mail.html).toContain(`<p><strong>[TLP:${shown}]</strong></p>`);
    expect(mail.html.indexOf(`[TLP:${shown}]`)).toBeLessThan(mail.html.indexOf('<table>'));
    if (shown !== tlp) expect(all).not.toContain(`TLP:${tlp}]`);
    expect(mail.subject).toContain(reference);
    expect(mail.text).toContain(TEMPLATES[template]![locale].lead);
    expect(mail.text).toContain(`${expected.reference}: ${reference}`);
    expect(mail.text).toContain(`${locale === 'en' ? 'State' : '目前狀態'}: ${expected.state}`);
    expect(mail.text).toContain(`${expected.deadline}: 2026-03-02 10:00 (Asia/Taipei, UTC+08:00)`); // 02:00Z is 10:00 in Taipei
    expect(mail.text).toContain(link);
    expect(mail.html).toContain(`href="${link}"`);
    expect(mail.html).toContain(`lang="${locale}"`);
    // The level row only where there is a level (incidents).
    const levelRow = locale === 'en' ? 'Level: 3' : '事件等級: 3';
    if (subject === 'incident') expect(mail.text).toContain(levelRow);
    else expect(all).not.toMatch(locale === 'en' ? /\bLevel\b/ : /事件等級/);
    // A business continuity drill is always labelled a drill; other subjects only when they are drills.
    const drillTag = locale === 'en' ? '[DRILL]' : '【演練】';
    if (subject === 'drill') {
      expect(mail.subject).toContain(`[TLP:${shown}] ${drillTag}`);
      expect(mail.text.split('\n')[1]).toContain(drillTag);
    } else {
      expect(mail.subject).not.toContain(drillTag);
      expect(mail.text).not.toContain(drillTag);
    }
    // Article 27: restricted classifications carry no title, description or system names, and say why.
    const restricted = isRestricted({ tlp, dataLevel } as never);
    for (const secret of [SECRET_TITLE, SECRET_DESCRIPTION, SECRET_SYSTEM]) {
      if (restricted) expect(all).not.toContain(secret);
      else expect(mail.text).toContain(secret);
    }
    const note = locale === 'en' ? `no ${expected.noun} details` : `本信不含${expected.noun}內容`;
    if (restricted) {
      expect(mail.text).toContain(note);
      // The note names the label shown and the data level in the reader's language.
      expect(mail.text).toContain(locale === 'en' ? `TLP ${shown} / ${dataLevel}` : `TLP ${shown}／${DATA_LEVEL_ZH[dataLevel]}`);
    } else expect(all).not.toContain(note);
  });

  it('labels incident drills, and drills of every subject when the payload says so', () => {
    const zh = renderNotification('incident.filed', 'zh-TW', data('GREEN', 'general', true));
    expect(zh.subject).toBe('[TLP:GREEN] 【演練】新資安事件通報 MOJ-2026-0042');
    expect(zh.text).toContain('本事件為演練');
    expect(zh.text).toMatch(/10:00/); // 02:00Z is 10:00 in Taipei
    const en = renderNotification('incident.filed', 'en', data('GREEN', 'general', true));
    expect(en.subject).toBe('[TLP:GREEN] [DRILL] New security incident MOJ-2026-0042');
    expect(en.html).toContain('lang="en"');
    // A business continuity drill needs no isDrill flag to be labelled.
    const drill = renderNotification('drill.reminder', 'zh-TW', data('CLEAR', 'public', false, 'drill'));
    expect(drill.subject).toBe('[TLP:CLEAR] 【演練】營運持續演練 MOJ-DR-2026-0007 即將舉行');
    expect(drill.text).toContain('本通知為營運持續演練，非真實事件');
    expect(drill.text).toContain(`營運持續計畫: ${SECRET_TITLE}`);
    const drillEn = renderNotification('drill.overdue', 'en', data('AMBER', 'general', false, 'drill'));
    expect(drillEn.subject).toBe('[TLP:AMBER] [DRILL] [OVERDUE] Business continuity drill MOJ-DR-2026-0007 did not start');
    expect(drillEn.text).toContain('This is a business continuity drill, not a real event.');
    expect(drillEn.text).not.toContain('Continuity plan:');
  });

  it('shows only reference, state, deadline and link for an AMBER plan', () => {
    const mail = renderNotification('plan.review_overdue', 'en', { ...data('AMBER', 'general', false, 'plan'), state: 'review_overdue' });
    const facts = mail.text
      .split('\n')
      .filter((line) => line !== TEMPLATES['plan.review_overdue']!.en.lead && /^[A-Z][a-z ]+: /.test(line))
      .map((line) => line.split(':')[0]);
    expect(facts).toEqual(['Plan reference', 'State', 'Review due', 'Open in the system']);
    expect(mail.text).toContain('State: review overdue');
    expect(mail.text).toContain('this e-mail carries no plan details');
  });

  it('renders an unknown subject with neutral labels, and a missing subject as an incident', () => {
    const other = renderNotification('delivery.dead', 'en', { ...data('GREEN', 'general'), subject: 'other', level: null, state: 'weird_state' });
    expect(other.text).toContain('Reference: MOJ-2026-0042');
    expect(other.text).toContain('State: weird_state');
    expect(other.text).toContain('Deadline: 2026-03-02 10:00');
    const restricted = renderNotification('delivery.dead', 'zh-TW', { ...data('RED', 'general'), subject: 'other', level: null });
    expect(restricted.text).toContain('本信不含機密內容');
    expect(restricted.text).not.toContain(SECRET_TITLE);
    const { subject: _none, ...legacy } = data('GREEN', 'general');
    expect(renderNotification('incident.filed', 'zh-TW', legacy).text).toContain('事件編號: MOJ-2026-0042');
  });

  /** An account notice as the delivery worker fills it in from the outbox payload (no title, nothing withheld to say). */
  const accountNotice = (reference: string, state: string, more: Partial<NotificationData>): NotificationData => ({
    subject: 'account',
    reference,
    state,
    tlp: 'AMBER',
    dataLevel: 'general',
    isDrill: false,
    link: 'https://ir.example.gov.tw',
    timezone: 'Asia/Taipei',
    ...more,
  });

  it('tells an account holder of a lock: until when, and whom to ask, nothing else', () => {
    const data = accountNotice('chen@moj.gov.tw', 'locked', { deadline: '2026-03-02T02:15:00.000Z' });
    const zh = renderNotification('account.locked', 'zh-TW', data);
    expect(zh.subject).toBe('[TLP:AMBER] 您的帳號 chen@moj.gov.tw 已暫時鎖定');
    expect(zh.text).toContain('多次登入失敗');
    expect(zh.text).toContain('請聯絡貴機關的系統管理者');
    expect(zh.text).toContain('鎖定至: 2026-03-02 10:15 (Asia/Taipei, UTC+08:00)');
    const en = renderNotification('account.locked', 'en', data);
    expect(en.subject).toBe('[TLP:AMBER] Your account chen@moj.gov.tw is temporarily locked');
    expect(en.text).toContain('locked after repeated failed sign-ins');
    expect(en.text).toContain('contact your agency’s administrator');
    expect(en.text).toContain('Locked until: 2026-03-02 10:15 (Asia/Taipei, UTC+08:00)');
  });

  it('names the privileged roles granted and who granted them, in the reader’s language', () => {
    const data = accountNotice('lin@moj.gov.tw', 'privileged_role_granted', { roles: ['admin', 'ciso'], actor: 'admin@moj.gov.tw' });
    const zh = renderNotification('account.privileged_role_granted', 'zh-TW', data);
    expect(zh.subject).toBe('[TLP:AMBER] 【帳號】帳號 lin@moj.gov.tw 已獲授予特權角色');
    expect(zh.text).toContain('授予角色: 系統管理者 (admin)、資通安全長 (ciso)');
    expect(zh.text).toContain('授予者: admin@moj.gov.tw');
    expect(zh.text).toContain('目前狀態: 已授予特權角色');
    const en = renderNotification('account.privileged_role_granted', 'en', data);
    expect(en.subject).toBe('[TLP:AMBER] [ACCOUNT] Privileged role granted to lin@moj.gov.tw');
    expect(en.text).toContain('Roles granted: administrator (admin), CISO (ciso)');
    expect(en.text).toContain('Granted by: admin@moj.gov.tw');
    expect(en.html).toContain('<th align="left">Roles granted</th>');
  });

  it('withholds details for an unknown label and escapes HTML', () => {
    const unknown = renderNotification('incident.filed', 'en', data('PURPLE', 'general'));
    expect(unknown.text).not.toContain(SECRET_TITLE);
    const html = renderNotification('incident.filed', 'en', { ...data('CLEAR', 'public'), title: '<script>alert(1)</script>' });
    expect(html.html).not.toContain('<script>');
    expect(html.html).toContain('&lt;script&gt;');
  });

  it('shows the strictest of the TLP and the data level, in every subject, with the data level in the reader’s language', () => {
    const zh = renderNotification('incident.filed', 'zh-TW', data('CLEAR', 'confidential'));
    expect(zh.subject).toBe('[TLP:RED] 新資安事件通報 MOJ-2026-0042');
    expect(zh.text.split('\n')[0]).toBe('[TLP:RED]');
    expect(zh.text).toContain('依資料安全等級（TLP RED／機密），本信不含事件內容，請登入系統查看。');
    expect(zh.text).not.toContain('confidential');
    const en = renderNotification('incident.filed', 'en', data('CLEAR', 'confidential'));
    expect(en.subject).toBe('[TLP:RED] New security incident MOJ-2026-0042');
    expect(en.text).toContain('Classified TLP RED / confidential: this e-mail carries no incident details.');
    const drill = renderNotification('drill.reminder', 'zh-TW', data('GREEN', 'sensitive', false, 'drill'));
    expect(drill.subject).toBe('[TLP:AMBER] 【演練】營運持續演練 MOJ-DR-2026-0007 即將舉行');
    expect(drill.text).toContain('（TLP AMBER／敏感）');
    const plan = renderNotification('plan.version_created', 'en', data('CLEAR', 'general', false, 'plan'));
    expect(plan.subject.startsWith('[TLP:GREEN] ')).toBe(true);
    const action = renderNotification('corrective_action.assigned', 'zh-TW', data('AMBER+STRICT', 'confidential', false, 'corrective_action'));
    expect(action.subject.startsWith('[TLP:RED] ')).toBe(true);
    expect(action.text).toContain('（TLP RED／機密）');
    // A TLP already stricter than the data level's floor is shown as it is.
    expect(renderNotification('incident.filed', 'en', data('AMBER+STRICT', 'general')).subject.startsWith('[TLP:AMBER+STRICT] ')).toBe(true);
    // Unknown labels: an unknown TLP is shown as given, an unknown data level counts as confidential.
    expect(shownTlp('PURPLE', 'general')).toBe('PURPLE');
    expect(shownTlp('GREEN', 'secret')).toBe('RED');
  });

  it('names an incident’s clock when the mail shows one of them', () => {
    const review = renderNotification('authority.review_requested', 'zh-TW', { ...data('GREEN', 'general'), deadlineKind: 'superior_review' });
    expect(review.text).toContain('上級審核期限: 2026-03-02 10:00 (Asia/Taipei, UTC+08:00)');
    expect(review.text).not.toContain('下一期限');
    const page = renderNotification('incident.paged', 'en', { ...data('GREEN', 'general'), deadlineKind: 'acknowledgement' });
    expect(page.text).toContain('Acknowledge by: 2026-03-02 10:00');
    const report = renderNotification('incident.filed', 'en', { ...data('GREEN', 'general'), deadlineKind: 'report' });
    expect(report.text).toContain('Report due: 2026-03-02 10:00');
    // Other subjects keep their own deadline label.
    const drill = renderNotification('drill.reminder', 'en', { ...data('GREEN', 'general', false, 'drill'), deadlineKind: 'report' });
    expect(drill.text).toContain('Next deadline: 2026-03-02 10:00');
  });
});
