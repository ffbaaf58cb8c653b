import { HttpException } from '@nestjs/common';
import { RULE_MESSAGES, renderRuleMessage, type Language } from './problem-messages.js';

/**
 * RFC 9457 problem details. `type` is the stable, machine-readable identifier; `title`, `detail`
 * and each `errors[].message` are in the caller's language (languageOf: Accept-Language, else the
 * signed-in user's own, else zh-TW); `detail` explains this occurrence and names the field and the
 * rule where there is one. Field messages come from the rule catalog (problem-messages.ts).
 */
export interface ProblemTitle {
  status: number;
  'zh-TW': string;
  en: string;
}

export const PROBLEMS = {
  'validation-error': { status: 400, 'zh-TW': '輸入資料不正確', en: 'The request is not valid' },
  'malformed-json': { status: 400, 'zh-TW': 'JSON 格式錯誤', en: 'The request body is not valid JSON' },
  'unsupported-media-type': { status: 415, 'zh-TW': '不支援的內容類型', en: 'Unsupported content type' },
  'payload-too-large': { status: 413, 'zh-TW': '請求內容過大', en: 'The request body is too large' },
  unauthenticated: { status: 401, 'zh-TW': '尚未登入或登入已失效', en: 'Authentication required' },
  'invalid-credentials': { status: 401, 'zh-TW': '帳號或密碼錯誤', en: 'Wrong e-mail or password' },
  'account-disabled': { status: 401, 'zh-TW': '帳號已停用', en: 'The account is disabled' },
  'account-expired': { status: 401, 'zh-TW': '帳號已過期', en: 'The account has expired' },
  'password-change-required': { status: 403, 'zh-TW': '請先變更密碼', en: 'The password must be changed first' },
  forbidden: { status: 403, 'zh-TW': '權限不足', en: 'Not allowed for your role' },
  'not-found': { status: 404, 'zh-TW': '找不到資源', en: 'Not found' },
  'method-not-allowed': { status: 405, 'zh-TW': '不支援的方法', en: 'Method not allowed' },
  conflict: { status: 409, 'zh-TW': '資料衝突', en: 'Conflict' },
  'precondition-required': { status: 428, 'zh-TW': '缺少版本條件', en: 'A version precondition is required' },
  unprocessable: { status: 422, 'zh-TW': '無法處理此請求', en: 'The request cannot be carried out' },
  'too-many-requests': { status: 429, 'zh-TW': '請求過於頻繁', en: 'Too many requests' },
  'internal-error': { status: 500, 'zh-TW': '系統內部錯誤', en: 'Internal error' },
  'service-unavailable': { status: 503, 'zh-TW': '服務暫時無法使用', en: 'Service unavailable' },
} as const satisfies Record<string, ProblemTitle>;

export type ProblemType = keyof typeof PROBLEMS;

export interface FieldError {
  /** Dotted path of the offending field, e.g. `impact.confidentiality`; `body` for the whole body. */
  field: string;
  /** The rule it broke, e.g. `isInt`, `max`, `whitelist`. */
  rule: string;
  /** The English message; the zh-TW one comes from the rule catalog. */
  message: string;
  /** The rule's parameters for the catalog's texts (`min`, `max`, `values`); not sent. */
  params?: Record<string, string | number>;
}

/** A text in both languages of the product. */
export interface Localized {
  'zh-TW': string;
  en: string;
}

export type Detail = string | Localized;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

/** Throw anywhere: the problem filter turns it into an application/problem+json response. */
export class ProblemException extends HttpException {
  /** Set when the refusal was already written to the audit log by the service that refused. */
  audited = false;
  /** Set on a not-found that hides an existing record outside the caller's scope: audited as a refusal. */
  scopeRefusal = false;

  constructor(
    readonly problemType: ProblemType,
    readonly detail?: Detail,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof detail === 'object' ? detail.en : (detail ?? PROBLEMS[problemType].en), PROBLEMS[problemType].status);
  }
}

export function problemTypeUri(type: ProblemType): string {
  return `/problems/${type}`;
}

const SUPPORTED: ReadonlyArray<readonly [string, Language]> = [
  ['zh', 'zh-TW'],
  ['en', 'en'],
];

/** The first language of an Accept-Language header (by q) that the product speaks, if any. */
export function acceptedLanguage(acceptLanguage: string | undefined): Language | undefined {
  if (!acceptLanguage) return undefined;
  const ranked = acceptLanguage
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    const match = SUPPORTED.find(([prefix]) => tag === prefix || tag.startsWith(`${prefix}-`));
    if (match) return match[1];
  }
  return undefined;
}

/** The caller's language: Accept-Language, else the signed-in user's own, else zh-TW. */
export function languageOf(acceptLanguage: string | undefined, userLocale?: string | null): Language {
  return acceptedLanguage(acceptLanguage) ?? (userLocale === 'en' ? 'en' : 'zh-TW');
}

/** @deprecated use languageOf */
export function prefersEnglish(acceptLanguage: string | undefined): boolean {
  return languageOf(acceptLanguage) === 'en';
}

/** A field error's message in the language, from the rule catalog (English: the code's own sentence). */
export function fieldMessage(error: FieldError, language: Language): string {
  if (language === 'en') return error.message;
  const entry = RULE_MESSAGES[error.rule];
  return entry ? renderRuleMessage(entry['zh-TW'], { field: error.field, ...error.params }) : error.message;
}

function localizedErrors(errors: unknown, language: Language): FieldError[] | undefined {
  if (!Array.isArray(errors)) return undefined;
  return (errors as FieldError[]).map((e) => ({ field: e.field, rule: e.rule, message: fieldMessage(e, language) }));
}

export function problemBody(
  type: ProblemType,
  detail: Detail | undefined,
  language: Language | boolean,
  extensions: Record<string, unknown> = {},
): ProblemBody {
  const lang: Language = language === true ? 'en' : language === false ? 'zh-TW' : language;
  const meta = PROBLEMS[type];
  const errors = localizedErrors(extensions.errors, lang);
  const text =
    typeof detail === 'object'
      ? detail[lang]
      : detail === undefined && errors?.length
        ? errors.map((e) => (lang === 'en' ? `${e.field}: ${e.message}` : e.message)).join(lang === 'en' ? '; ' : '；')
        : detail;
  return {
    type: problemTypeUri(type),
    title: lang === 'en' ? meta.en : meta['zh-TW'],
    status: meta.status,
    ...(text ? { detail: text } : {}),
    ...extensions,
    ...(errors ? { errors } : {}),
  };
}

/** What a not-found names, in Chinese: `incident <id>` → `事件 <id>`. */
const NOUNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^a drill programme for plan /, '計畫的演練排程 '],
  [/^version (\S+) of plan /, '版本 $1，計畫 '],
  [/^corrective action\b/, '矯正措施'],
  [/^incident\b/, '事件'],
  [/^agency\b/, '機關'],
  [/^plan\b/, '營運持續計畫'],
  [/^drill\b/, '演練'],
  [/^evidence\b/, '證物'],
  [/^schedule\b/, '值班表'],
  [/^user\b/, '使用者'],
  [/^unit\b/, '單位'],
  [/^webhook\b/, 'Webhook'],
];

function notFoundDetail(what: string): Localized {
  const rule = NOUNS.find(([pattern]) => pattern.test(what));
  return { en: `${what} not found`, 'zh-TW': `找不到${rule ? what.replace(rule[0], rule[1]) : what}` };
}

/** Short-hands used across services. */
export const Problems = {
  validation: (errors: FieldError[]) => new ProblemException('validation-error', undefined, { errors }),
  field: (field: string, rule: string, message: string) => Problems.validation([{ field, rule, message }]),
  notFound: (what: string) => new ProblemException('not-found', notFoundDetail(what)),
  /** 404 for a record the caller may not see, so existence does not leak; audited as a refusal. */
  outOfScope: (what: string) => Object.assign(new ProblemException('not-found', notFoundDetail(what)), { scopeRefusal: true }),
  forbidden: (detail: Detail) => new ProblemException('forbidden', detail),
  conflict: (detail: Detail, extensions: Record<string, unknown> = {}) => new ProblemException('conflict', detail, extensions),
  unprocessable: (detail: Detail, extensions: Record<string, unknown> = {}) => new ProblemException('unprocessable', detail, extensions),
  /** 422 for well-formed input that breaks a rule of the current state (a time out of order, the wrong custodian). */
  rulesBroken: (errors: FieldError[]) => new ProblemException('unprocessable', undefined, { errors }),
};
