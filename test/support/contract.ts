import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type request from 'supertest';
import { RULE_MESSAGES } from '../../apps/api/src/common/problem-messages.js';

/**
 * The API's own document as the judge of every exchange the tests make: each response is checked
 * against the schema the document gives for its operation, status and content type, and each
 * request body the API accepted against the operation's request body. A mismatch fails the test
 * that made the request (supertest's `.expect(fn)`), naming the operation and what differs.
 *
 * Strict: a status the operation does not list, a body where the document gives no schema, a
 * schema that does not compile, and a media type it does not name each fail too; the document has
 * to say everything the API answers.
 */
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
type Method = (typeof METHODS)[number];

interface OpenApiDocument {
  paths: Record<string, Partial<Record<Method, { requestBody?: { content?: Record<string, { schema?: unknown }> }; responses?: Record<string, unknown> }>>>;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

export class Contract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  private readonly routes: Array<{ template: string; pattern: RegExp; specificity: number }>;
  private readonly compiled = new Map<string, ValidateFunction | null>();

  constructor(readonly document: OpenApiDocument) {
    addFormats(this.ajv);
    this.ajv.addSchema({ ...document, $id: 'openapi.json' } as object);
    this.routes = Object.keys(document.paths)
      .map((template) => ({
        template,
        pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^/}]+\}/g, '[^/]+')}$`),
        specificity: template.split('/').filter((s) => !s.startsWith('{')).length,
      }))
      .sort((a, b) => b.specificity - a.specificity);
  }

  /** The document's path template for a request path (`/api/incidents/{id}`), if any. */
  templateOf(path: string): string | undefined {
    const bare = path.split('?')[0]!;
    return this.routes.find((r) => r.pattern.test(bare))?.template;
  }

  private validator(pointer: string): ValidateFunction | null {
    if (!this.compiled.has(pointer)) {
      let fn: ValidateFunction | null;
      try {
        fn = this.ajv.compile({ $ref: `openapi.json#${pointer}` });
      } catch (error) {
        throw new Error(`the document's schema at ${pointer} does not compile: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
      this.compiled.set(pointer, fn);
    }
    return this.compiled.get(pointer)!;
  }

  /** Checks one exchange; throws an Error saying what differs. */
  check(method: Method, url: string, sent: unknown, res: { status: number; headers: Record<string, string>; body: unknown; text?: string }): void {
    const template = this.templateOf(url);
    if (!template) return; // not part of the API (the console, /docs assets, the queue dashboard)
    const operation = this.document.paths[template]?.[method];
    if (!operation) return; // a method the API does not serve: answered 404/405 as a problem elsewhere
    const responses = (operation.responses ?? {}) as Record<string, { content?: Record<string, { schema?: unknown }> }>;
    const status = String(res.status);
    const key = status in responses ? status : `${status[0]}XX` in responses ? `${status[0]}XX` : undefined;
    const contentType = (res.headers['content-type'] ?? '').split(';')[0]!.trim();
    const where = `${method.toUpperCase()} ${template} → ${status}`;
    checkRulesTranslated(where, res.body);
    checkProblemLanguage(where, res);
    // A 500 is no answer of the contract: the one test that provokes it (a failed audit append) checks its problem itself.
    if (!key && res.status === 500) return;
    if (!key) throw new Error(`${where}: the document lists no ${status} (nor ${status[0]}XX) for this operation`);
    {
      const content = responses[key]!.content;
      const hasBody = res.status !== 204 && res.status !== 304 && (res.headers['content-length'] ?? '') !== '0' && contentType !== '';
      if (hasBody && !content) throw new Error(`${where}: answered a ${contentType} body, the document gives none`);
      // A media type the document gives with parameters (`text/plain; version=0.0.4`) matches the same type answered.
      const mediaType = content && contentType ? Object.keys(content).find((m) => m.split(';')[0]!.trim() === contentType) : undefined;
      if (content && mediaType && content[mediaType]?.schema) {
        const pointer = `/paths/${escape(template)}/${method}/responses/${key}/content/${escape(mediaType)}/schema`;
        const validate = this.validator(pointer);
        // A JSON answer is checked as parsed; any other (text) as its text.
        const body = /[/+]json$/.test(contentType) ? res.body : (res.text ?? res.body);
        if (validate && !validate(body))
          throw new Error(`${where}: the response does not match the document: ${describe(validate)}\n${JSON.stringify(body).slice(0, 2000)}`);
      } else if (content && mediaType) {
        throw new Error(`${where}: the document names ${mediaType} with no schema`);
      } else if (content && hasBody && !mediaType) {
        throw new Error(`${where}: answered ${contentType}, the document says ${Object.keys(content).join(', ')}`);
      }
    }
    if (res.status >= 200 && res.status < 300 && sent !== undefined && typeof sent === 'object') {
      const body = operation.requestBody?.content?.['application/json'];
      if (body?.schema) {
        const validate = this.validator(`/paths/${escape(template)}/${method}/requestBody/content/application~1json/schema`);
        if (validate && !validate(sent))
          throw new Error(`${where}: the API accepted a body the document refuses: ${describe(validate)}\n${JSON.stringify(sent).slice(0, 2000)}`);
      }
    }
  }
}

/** Every rule a problem names has its texts in the message catalog (zh-TW and English). */
function checkRulesTranslated(where: string, body: unknown): void {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return;
  const missing = errors.map((e: { rule?: unknown }) => String(e.rule)).filter((rule) => !(rule in RULE_MESSAGES));
  if (missing.length) throw new Error(`${where}: the rule(s) ${missing.join(', ')} have no entry in apps/api/src/common/problem-messages.ts`);
}

/** Chinese characters (CJK unified ideographs and their punctuation): a zh-TW text has some. */
const HAN = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;

/**
 * A problem answered in zh-TW (Content-Language) says everything in Chinese: its title, its detail
 * and each errors[].message. An English sentence there is a call site that gave no zh-TW text.
 */
function checkProblemLanguage(where: string, res: { headers: Record<string, string>; body: unknown }): void {
  if (!/problem\+json/.test(res.headers['content-type'] ?? '')) return;
  const language = res.headers['content-language'];
  if (!language) throw new Error(`${where}: a problem without Content-Language`);
  if (language !== 'zh-TW') return;
  const body = res.body as { title?: unknown; detail?: unknown; errors?: Array<{ message?: unknown }> };
  const texts = [body.title, body.detail, ...(Array.isArray(body.errors) ? body.errors.map((e) => e.message) : [])];
  const english = texts.filter((text): text is string => typeof text === 'string' && !HAN.test(text));
  if (english.length) throw new Error(`${where}: answered zh-TW, but says ${JSON.stringify(english)}: give the call site a { 'zh-TW', en } text`);
}

function escape(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function describe(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .slice(0, 8)
    .map((e) => `${e.instancePath || '(root)'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`)
    .join('; ');
}

type Agent = ReturnType<typeof request>;

/** The supertest agent with every request checked against the contract. */
export function checkedAgent(agent: Agent, contract: Contract): Agent {
  return new Proxy(agent, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || !(METHODS as readonly string[]).includes(prop) || typeof value !== 'function') return value;
      return (url: string, ...rest: unknown[]) => {
        const test = (value as (...a: unknown[]) => request.Test).call(target, url, ...rest);
        let sent: unknown;
        const send = test.send.bind(test);
        test.send = (body?: string | object) => {
          sent = body;
          return send(body);
        };
        return test.expect((res) => contract.check(prop as Method, url, sent, res as never));
      };
    },
  });
}
