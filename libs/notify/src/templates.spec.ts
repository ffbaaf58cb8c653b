import { describe, expect, it } from '@jest/globals';
import { DATA_LEVELS, TLP_LABELS, isRestricted } from '@app/workflows';
import { renderNotification, TEMPLATES, type Locale, type NotificationData } from './templates.js';

const SECRET_TITLE = '機密標題 Secret title XYZ';
const SECRET_DESCRIPTION = 'Attacker used account chen.admin on db-core-01';
const SECRET_SYSTEM = 'db-core-01.internal';

function data(tlp: string, dataLevel: string, isDrill = false): NotificationData {
  return {
    reference: 'MOJ-2026-0042',
    level: 3,
    state: 'responding',
    tlp,
    dataLevel,
    isDrill,
    link: 'https://ir.example.gov.tw/incidents/5b0c',
    deadline: '2026-03-02T02:00:00.000Z',
    timezone: 'Asia/Taipei',
    title: SECRET_TITLE,
    description: SECRET_DESCRIPTION,
    affectedSystems: [SECRET_SYSTEM],
  };
}

const cases = Object.keys(TEMPLATES).flatMap((template) =>
  (['zh-TW', 'en'] as Locale[]).flatMap((locale) => TLP_LABELS.flatMap((tlp) => DATA_LEVELS.map((dataLevel) => ({ template, locale, tlp, dataLevel })))),
);

describe('notification templates × classifications (article 27)', () => {
  it.each(cases)('$template in $locale at TLP:$tlp / $dataLevel', ({ template, locale, tlp, dataLevel }) => {
    const mail = renderNotification(template, locale, data(tlp, dataLevel));
    const all = [mail.subject, mail.text, mail.html].join('\n');
    // Always: the TLP label leads the subject and the body; reference, level, link are there.
    expect(mail.subject.startsWith(`[TLP:${tlp}]`)).toBe(true);
    expect(mail.text.startsWith(`[TLP:${tlp}]`)).toBe(true);
    expect(mail.html).toContain(`<strong>[TLP:${tlp.replace('+', '+')}]</strong>`);
    expect(all).toContain('MOJ-2026-0042');
    expect(mail.text).toContain('https://ir.example.gov.tw/incidents/5b0c');
    const restricted = isRestricted({ tlp, dataLevel } as never);
    for (const secret of [SECRET_TITLE, SECRET_DESCRIPTION, SECRET_SYSTEM]) {
      if (restricted) expect(all).not.toContain(secret);
      else expect(mail.text).toContain(secret);
    }
  });

  it('shows deadlines in the agency time zone and labels drills in subject and body', () => {
    const zh = renderNotification('incident.filed', 'zh-TW', data('GREEN', 'general', true));
    expect(zh.subject).toBe('[TLP:GREEN] 【演練】新資安事件通報 MOJ-2026-0042');
    expect(zh.text).toContain('本事件為演練');
    expect(zh.text).toMatch(/10:00/); // 02:00Z is 10:00 in Taipei
    const en = renderNotification('incident.filed', 'en', data('GREEN', 'general', true));
    expect(en.subject).toBe('[TLP:GREEN] [DRILL] New security incident MOJ-2026-0042');
    expect(en.html).toContain('lang="en"');
  });

  it('withholds details for an unknown label and escapes HTML', () => {
    const unknown = renderNotification('incident.filed', 'en', data('PURPLE', 'general'));
    expect(unknown.text).not.toContain(SECRET_TITLE);
    const html = renderNotification('incident.filed', 'en', { ...data('CLEAR', 'public'), title: '<script>alert(1)</script>' });
    expect(html.html).not.toContain('<script>');
    expect(html.html).toContain('&lt;script&gt;');
  });
});
