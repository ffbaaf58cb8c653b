/**
 * The message catalog of the API's errors: for each rule a field can break, what it means in
 * Traditional Chinese and in English. A problem's `errors[].message` and its `detail` are written
 * in the caller's language (problem-language.ts): the English text of the rule's catalog entry or,
 * where the code gives a more specific English sentence, that sentence; the zh-TW text always from
 * here, with `{field}` and the rule's parameters (`{min}`, `{max}`, `{values}`) filled in.
 *
 * A rule the catalog lacks fails the test that meets it (test/support/contract.ts checks every
 * problem the suite receives), so a new rule cannot reach users untranslated.
 */
export interface RuleMessage {
  'zh-TW': string;
  en: string;
}

export const RULE_MESSAGES: Record<string, RuleMessage> = {
  // Structure: types, presence, sizes, formats (zod and the former class-validator names).
  isObject: { 'zh-TW': '{field} 必須是 JSON 物件', en: '{field} must be a JSON object' },
  isArray: { 'zh-TW': '{field} 必須是清單（陣列）', en: '{field} must be a list' },
  isString: { 'zh-TW': '{field} 必須是文字', en: '{field} must be text' },
  isNumber: { 'zh-TW': '{field} 必須是數字', en: '{field} must be a number' },
  isInt: { 'zh-TW': '{field} 必須是整數', en: '{field} must be a whole number' },
  isBoolean: { 'zh-TW': '{field} 必須是 true 或 false', en: '{field} must be true or false' },
  isDefined: { 'zh-TW': '{field} 必須提供', en: '{field} is required' },
  isNotEmpty: { 'zh-TW': '{field} 不得為空白', en: '{field} must not be empty' },
  required: { 'zh-TW': '{field} 必須提供', en: '{field} is required' },
  notBlank: { 'zh-TW': '{field} 不得只有空白', en: '{field} must not be blank' },
  notEmpty: { 'zh-TW': '請至少送出一個要變更的欄位', en: 'send at least one field to change' },
  whitelist: { 'zh-TW': '不接受欄位 {field}', en: 'property {field} should not exist' },
  forbiddenKey: { 'zh-TW': '不接受欄位名稱 {field}', en: 'the property name {field} is not accepted' },
  maxDepth: { 'zh-TW': '內容的巢狀層數過深（{field}）', en: 'the body is nested too deeply ({field})' },
  noNul: { 'zh-TW': '{field} 含有無法儲存的字元（NUL）', en: '{field} contains a character that cannot be stored (NUL)' },
  isLength: { 'zh-TW': '{field} 的長度不符（{min}–{max} 個字元）', en: '{field} has the wrong length ({min}–{max} characters)' },
  maxLength: { 'zh-TW': '{field} 過長', en: '{field} is too long' },
  min: { 'zh-TW': '{field} 不得小於 {min}', en: '{field} must not be less than {min}' },
  max: { 'zh-TW': '{field} 不得大於 {max}', en: '{field} must not be greater than {max}' },
  arrayMinSize: { 'zh-TW': '{field} 至少需要 {min} 項', en: '{field} needs at least {min} entries' },
  arrayMaxSize: { 'zh-TW': '{field} 最多 {max} 項', en: '{field} has at most {max} entries' },
  arraySize: { 'zh-TW': '{field} 的項目數量不符', en: '{field} has the wrong number of entries' },
  arrayLength: { 'zh-TW': '{field} 的項目數量不符', en: '{field} has the wrong number of entries' },
  isIn: { 'zh-TW': '{field} 必須是允許的值之一（{values}）', en: '{field} must be one of the allowed values ({values})' },
  isEnum: { 'zh-TW': '{field} 必須是允許的值之一（{values}）', en: '{field} must be one of the allowed values ({values})' },
  matches: { 'zh-TW': '{field} 的格式不正確', en: '{field} has the wrong format' },
  isUuid: { 'zh-TW': '{field} 必須是 UUID', en: '{field} must be a UUID' },
  isUUID: { 'zh-TW': '{field} 必須是 UUID', en: '{field} must be a UUID' },
  isEmail: { 'zh-TW': '{field} 必須是電子郵件地址', en: '{field} must be an e-mail address' },
  isUrl: { 'zh-TW': '{field} 必須是網址', en: '{field} must be a URL' },
  url: { 'zh-TW': '{field} 必須是網址', en: '{field} must be a URL' },
  isInstant: {
    'zh-TW': '{field} 必須是含時區的 RFC 3339 時間，例如 2026-03-02T09:00:00+08:00',
    en: '{field} must be an RFC 3339 time with a zone offset, e.g. 2026-03-02T09:00:00+08:00',
  },
  isDateString: { 'zh-TW': '{field} 必須是日期時間', en: '{field} must be a date and time' },
  isoDuration: { 'zh-TW': '{field} 必須是 ISO 8601 期間，例如 PT1H、P1M', en: '{field} must be an ISO 8601 duration, e.g. PT1H or P1M' },
  nestedValidation: { 'zh-TW': '{field} 的內容不正確', en: '{field} is not valid' },
  noSelfRoleChange: { 'zh-TW': '任何人都不得變更自己的角色', en: 'nobody changes their own roles' },
  vendorNoDirectory: { 'zh-TW': '廠商帳號不得查閱帳號名錄', en: 'vendor accounts read no account directory' },
  drillInterval: { 'zh-TW': '演練排程的間隔超過法定期限（A 級每年、B–E 級每兩年）', en: 'the drill schedule leaves a gap longer than the legal interval' },
  isISO8601Duration: { 'zh-TW': '{field} 必須是 ISO 8601 期間，例如 PT1H、P1M', en: '{field} must be an ISO 8601 duration, e.g. PT1H or P1M' },
  arrayUnique: { 'zh-TW': '{field} 的項目不得重複', en: '{field} must not repeat an entry' },
  arrayNotEmpty: { 'zh-TW': '{field} 至少需要一項', en: '{field} needs at least one entry' },
  isPositive: { 'zh-TW': '{field} 必須大於 0', en: '{field} must be greater than 0' },
  isNotIn: { 'zh-TW': '{field} 不得使用此值', en: '{field} must not be this value' },
  isTimeZone: { 'zh-TW': '{field} 必須是 IANA 時區，例如 Asia/Taipei', en: '{field} must be an IANA time zone such as Asia/Taipei' },
  isYear: { 'zh-TW': '{field} 必須是四位數年份', en: '{field} must be a four-digit year' },
  isVersion: { 'zh-TW': '{field} 必須是版本號（1、2、…）', en: '{field} is a version number (1, 2, …)' },
  isCursor: { 'zh-TW': '{field} 必須是前一頁回傳的 cursor', en: '{field} must be a cursor returned by a previous page' },
  isIdempotencyKey: {
    'zh-TW': '請送出 8–200 個英數字或 ._:- 組成的 Idempotency-Key 標頭（建議使用 UUID）',
    en: 'send an Idempotency-Key header of 8–200 letters, digits or ._:- (a UUID is a good choice)',
  },
  isFuture: { 'zh-TW': '{field} 必須是未來的時間', en: '{field} must be in the future' },
  future: { 'zh-TW': '{field} 必須是未來的時間', en: '{field} must be in the future' },
  notFuture: { 'zh-TW': '{field} 不得晚於現在', en: '{field} must not be in the future' },
  type: { 'zh-TW': '{field} 的型別不正確', en: '{field} has the wrong type' },
  custom: { 'zh-TW': '{field} 不符合規則', en: '{field} is not valid' },
  exists: { 'zh-TW': '{field} 指定的資料不存在', en: '{field} names something that does not exist' },
  // Times in order.
  afterFrom: { 'zh-TW': '{field} 必須晚於起始時間', en: '{field} must be after the start' },
  afterStartsAt: { 'zh-TW': '{field} 必須晚於開始時間', en: '{field} must be after startsAt' },
  maxWindow: { 'zh-TW': '查詢期間過長（最多五年）', en: 'ask for at most five years at a time' },
  maxRange: { 'zh-TW': '行事曆查詢期間過長', en: 'the calendar range is too long' },
  notAfterAwareAt: { 'zh-TW': '發生時間不得晚於知悉時間', en: 'occurredAt must not be after awareAt' },
  withinLookBack: {
    'zh-TW': '知悉時間早於允許的回溯期間（{lookBack}，AWARENESS_LOOKBACK），將使所有時限立即逾期',
    en: 'awareAt lies before the look-back allowed ({lookBack}, AWARENESS_LOOKBACK)',
  },
  withinTenYearsOfAwareAt: { 'zh-TW': '發生時間不得早於知悉時間十年以上', en: 'occurredAt must be within ten years before awareAt' },
  withinOneMonth: { 'zh-TW': '{field} 必須在一個月之內', en: '{field} must be within one month' },
  // Incidents and evidence.
  changed: { 'zh-TW': '新的影響程度與目前相同，沒有需要變更的內容', en: 'the new impact is the same as the current one: nothing to change' },
  atLeastOne: { 'zh-TW': '{field} 至少要有一項', en: '{field} needs at least one entry' },
  notDismissed: { 'zh-TW': '已撤銷的事件不得執行此操作', en: 'not possible on a dismissed incident' },
  evidenceOfIncident: { 'zh-TW': '{field} 必須是本事件的證物', en: '{field} must be evidence of this incident' },
  currentCustodian: { 'zh-TW': '{field} 必須是目前的保管人（{custodian}）', en: '{field} must be the current custodian ({custodian})' },
  notBeforeCollection: { 'zh-TW': '{field} 不得早於蒐集時間（{collectedAt}）', en: '{field} must not be before the collection ({collectedAt})' },
  notBeforePreviousTransfer: { 'zh-TW': '{field} 不得早於前一次移交（{previousAt}）', en: '{field} must not be before the previous transfer ({previousAt})' },
  notBeforeIncident: { 'zh-TW': '{field} 不得早於事件開始（{bound} {boundAt}）', en: '{field} must not be before the incident began ({bound} {boundAt})' },
  // Accounts and agencies.
  role: { 'zh-TW': '您的角色不得執行此操作', en: 'your role may not do this' },
  sameAgency: { 'zh-TW': '{field} 必須是同一機關的使用者', en: '{field} must be a user of the same agency' },
  unitOfAgency: { 'zh-TW': '{field} 必須是該機關的單位', en: '{field} must be a unit of the agency' },
  activeUserOfAgency: { 'zh-TW': '{field} 必須是該機關的有效使用者', en: '{field} must be an active user of the agency' },
  passwordPolicy: { 'zh-TW': '密碼不符合密碼原則', en: 'the password does not meet the password policy' },
  vendorExpiry: { 'zh-TW': '廠商帳號須設定到期日（最長 {maxDays} 天）', en: 'a vendor account needs an expiry (at most {maxDays} days)' },
  vendorLeastPrivilege: { 'zh-TW': '廠商帳號只能另具應變人員角色', en: 'a vendor account may only also be responder' },
  auditorSeparation: { 'zh-TW': '稽核人員不得同時擔任其他職務角色', en: 'an auditor holds no other duty role' },
  accountReaders: { 'zh-TW': '只有管理者與稽核人員可依角色篩選帳號', en: 'only admins and auditors filter accounts by role' },
  shorterThanReportClock: { 'zh-TW': '{field} 必須短於通報時限', en: '{field} must be shorter than the report clock' },
  // Continuity.
  rtoBelowMtpd: { 'zh-TW': 'RTO 必須小於最大可容忍中斷時間（MTPD）', en: 'the RTO must be below the MTPD' },
  coreServiceAnalysed: { 'zh-TW': '每項核心業務都需要衝擊分析', en: 'every core service needs an impact analysis' },
  responsible: { 'zh-TW': '{field} 必須指定負責角色或單位', en: '{field} names the responsible role or unit' },
  contactMethod: { 'zh-TW': '{field} 至少需要一種聯絡方式', en: '{field} needs at least one way to reach the contact' },
  reviewAtLeastYearly: { 'zh-TW': '計畫至少每年檢討一次', en: 'the plan is reviewed at least once a year' },
  rruleUnbounded: { 'zh-TW': '演練排程規則不得無限制重複', en: 'the drill recurrence rule must be bounded' },
  requiredForWeekly: { 'zh-TW': '{field} 為每週排程所必需', en: '{field} is required for a weekly schedule' },
  onUpdate: { 'zh-TW': '新建立的計畫尚不能處理演練發現', en: 'a new plan cannot address drill findings yet' },
  awaitsPlanChange: { 'zh-TW': '{field} 指定的演練並未等待計畫修訂', en: '{field} names a drill that is not waiting for a plan change' },
  afterReport: { 'zh-TW': '計畫版本早於演練後報告，請指定之後修訂的版本', en: 'the plan version is older than the after-action report' },
  drillOfPlan: { 'zh-TW': '{field} 必須是此計畫的演練', en: '{field} must be a drill of this plan' },
  drillInImprovement: { 'zh-TW': '該演練不在改善階段', en: 'the drill is not in its improvement stage' },
  ownerRequired: { 'zh-TW': '請指定負責人：ownerUserId 或 ownerUnitId', en: 'name an owner: ownerUserId or ownerUnitId' },
  noteRequired: { 'zh-TW': '請說明原因（note）', en: 'say why (note)' },
  fourEyes: { 'zh-TW': '完成者不得自行驗證（四眼原則）', en: 'the one who did the work does not verify it (four eyes)' },
  statusTransition: { 'zh-TW': '目前狀態不得變更為此狀態', en: 'the action cannot move to that status now' },
  // Webhooks.
  https: { 'zh-TW': 'Webhook 網址必須使用 https', en: 'the webhook URL must use https' },
  publicAddress: { 'zh-TW': 'Webhook 網址必須指向公開網際網路位址', en: 'the webhook URL must point at a public address' },
  resolvable: { 'zh-TW': 'Webhook 主機名稱無法解析', en: 'the webhook host name does not resolve' },
};

export type Language = 'zh-TW' | 'en';

const CLAUSE = /\s?[（(][^（）()]*[）)]/g;

/** `{field}` and the rule's parameters filled into a catalog text; a bracketed clause whose parameter is unknown is left out. */
export function renderRuleMessage(template: string, values: Record<string, string | number | undefined>): string {
  return template
    .replace(CLAUSE, (clause) => ([...clause.matchAll(/\{(\w+)\}/g)].every((m) => values[m[1]!] !== undefined) ? clause : ''))
    .replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''));
}
