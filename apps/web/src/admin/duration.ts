/**
 * Durations as people write them ("1 小時", "30 分鐘", "1 hour 30 minutes", "2h") to and from the
 * ISO 8601 durations the API stores (PT1H, PT30M, PT1H30M). Whole units only, as the API takes them.
 * No DOM: the unit tests run it in Node.
 */
export type DurationLanguage = 'zh-TW' | 'en';

type Unit = 'Y' | 'Mo' | 'W' | 'D' | 'H' | 'Mi' | 'S';

const ORDER: readonly Unit[] = ['Y', 'Mo', 'W', 'D', 'H', 'Mi', 'S'];

/** The words (lower case) each unit is written with, in either language. */
const WORDS: Record<Unit, readonly string[]> = {
  Y: ['年', 'y', 'yr', 'yrs', 'year', 'years'],
  Mo: ['個月', '个月', '月', 'mo', 'mos', 'month', 'months'],
  W: ['週', '周', '星期', '個星期', '禮拜', '個禮拜', 'w', 'wk', 'wks', 'week', 'weeks'],
  D: ['天', '日', 'd', 'day', 'days'],
  H: ['小時', '個小時', '時', '鐘頭', '個鐘頭', 'h', 'hr', 'hrs', 'hour', 'hours'],
  Mi: ['分鐘', '分', 'm', 'min', 'mins', 'minute', 'minutes'],
  S: ['秒', '秒鐘', 's', 'sec', 'secs', 'second', 'seconds'],
};

const UNIT_OF = new Map<string, Unit>(ORDER.flatMap((unit) => WORDS[unit].map((word) => [word, unit] as const)));

const NAMES: Record<DurationLanguage, Record<Unit, [string, string]>> = {
  'zh-TW': { Y: ['年', '年'], Mo: ['個月', '個月'], W: ['週', '週'], D: ['天', '天'], H: ['小時', '小時'], Mi: ['分鐘', '分鐘'], S: ['秒', '秒'] },
  en: {
    Y: ['year', 'years'],
    Mo: ['month', 'months'],
    W: ['week', 'weeks'],
    D: ['day', 'days'],
    H: ['hour', 'hours'],
    Mi: ['minute', 'minutes'],
    S: ['second', 'seconds'],
  },
};

const ISO = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

type Parts = Partial<Record<Unit, number>>;

function isoParts(iso: string): Parts | null {
  const match = ISO.exec(iso.trim().toUpperCase());
  if (!match) return null;
  const parts: Parts = {};
  ORDER.forEach((unit, i) => {
    const value = match[i + 1];
    if (value !== undefined) parts[unit] = Number(value);
  });
  return parts;
}

function toIso(parts: Parts): string {
  const { Y = 0, Mo = 0, W = 0, D = 0, H = 0, Mi = 0, S = 0 } = parts;
  // Weeks stand alone in ISO 8601 (RFC 3339): with any other unit they count as days.
  if (W && !Y && !Mo && !D && !H && !Mi && !S) return `P${W}W`;
  const days = D + W * 7;
  const date = `${Y ? `${Y}Y` : ''}${Mo ? `${Mo}M` : ''}${days ? `${days}D` : ''}`;
  const time = `${H ? `${H}H` : ''}${Mi ? `${Mi}M` : ''}${S ? `${S}S` : ''}`;
  return `P${date}${time ? `T${time}` : ''}`;
}

/** An ISO 8601 duration in words: PT1H30M → "1 小時 30 分鐘" / "1 hour 30 minutes". Anything else comes back as it is. */
export function formatDuration(iso: string, language: DurationLanguage): string {
  const parts = isoParts(iso);
  if (!parts) return iso;
  const words = ORDER.filter((unit) => parts[unit]).map((unit) => {
    const n = parts[unit]!;
    const [one, many] = NAMES[language][unit];
    return `${n} ${n === 1 ? one : many}`;
  });
  return words.length ? words.join(' ') : language === 'en' ? '0 seconds' : '0 秒';
}

const FULL_WIDTH_DIGIT = /[\uff10-\uff19]/g;

/**
 * A duration in words (or ISO 8601) as the API takes it: "1 小時" → PT1H, "1 小時 30 分" → PT1H30M,
 * "90 minutes" → PT90M, "2h30m" → PT2H30M, "P1M" → P1M. Null when it is not a duration of whole,
 * positive units, each unit once.
 */
export function parseDuration(text: string): string | null {
  const normalized = text
    .replace(FULL_WIDTH_DIGIT, (d) => String(d.charCodeAt(0) - 0xff10))
    .toLowerCase()
    .replace(/[,，、又和]|\band\b/g, ' ')
    .trim();
  if (!normalized) return null;
  const iso = isoParts(normalized);
  if (iso) return Object.values(iso).some((n) => n > 0) ? toIso(iso) : null;
  const parts: Parts = {};
  const token = /(\d+)\s*([a-z]+|[\u4e00-\u9fff]+)\s*/gy;
  let at = 0;
  let match: RegExpExecArray | null;
  while ((match = token.exec(normalized))) {
    const unit = UNIT_OF.get(match[2]!);
    if (!unit || parts[unit] !== undefined) return null;
    parts[unit] = Number(match[1]);
    at = token.lastIndex;
  }
  if (at !== normalized.length || !Object.keys(parts).length) return null;
  if (!Object.values(parts).some((n) => n > 0)) return null;
  return toIso(parts);
}

const ISO_IN_TEXT = /\bP(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+S)?)?(?![\w])/g;

/** A message with every ISO 8601 duration in it put in words ("must not exceed PT1H" → "must not exceed 1 hour"). */
export function durationsInWords(text: string, language: DurationLanguage): string {
  return text.replace(ISO_IN_TEXT, (iso) => formatDuration(iso, language));
}
