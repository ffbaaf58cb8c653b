import { HttpException } from '@nestjs/common';

/**
 * RFC 9457 problem details. `type` is the stable, machine-readable identifier; `title` is chosen
 * from zh-TW or English by the request's Accept-Language (zh-TW by default); `detail` explains
 * this occurrence and names the field and the rule where there is one.
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
  message: string;
}

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
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? PROBLEMS[problemType].en, PROBLEMS[problemType].status);
  }
}

export function problemTypeUri(type: ProblemType): string {
  return `/problems/${type}`;
}

export function prefersEnglish(acceptLanguage: string | undefined): boolean {
  if (!acceptLanguage) return false;
  const first = acceptLanguage.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en');
}

export function problemBody(type: ProblemType, detail: string | undefined, english: boolean, extensions: Record<string, unknown> = {}): ProblemBody {
  const meta = PROBLEMS[type];
  return {
    type: problemTypeUri(type),
    title: english ? meta.en : meta['zh-TW'],
    status: meta.status,
    ...(detail ? { detail } : {}),
    ...extensions,
  };
}

/** Short-hands used across services. */
export const Problems = {
  validation: (errors: FieldError[]) => new ProblemException('validation-error', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors }),
  field: (field: string, rule: string, message: string) => Problems.validation([{ field, rule, message }]),
  notFound: (what: string) => new ProblemException('not-found', `${what} not found`),
  /** 404 for a record the caller may not see, so existence does not leak; audited as a refusal. */
  outOfScope: (what: string) => Object.assign(new ProblemException('not-found', `${what} not found`), { scopeRefusal: true }),
  forbidden: (detail: string) => new ProblemException('forbidden', detail),
  conflict: (detail: string, extensions: Record<string, unknown> = {}) => new ProblemException('conflict', detail, extensions),
  unprocessable: (detail: string, extensions: Record<string, unknown> = {}) => new ProblemException('unprocessable', detail, extensions),
  /** 422 for well-formed input that breaks a rule of the current state (a time out of order, the wrong custodian). */
  rulesBroken: (errors: FieldError[]) => new ProblemException('unprocessable', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors }),
};
