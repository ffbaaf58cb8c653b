import { Anchor, Button, Group } from '@mantine/core';
import { IconPrinter } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { TLP_TEXT } from '../incidents/labels.tsx';
import { followLink } from '../router.tsx';
import './print.css';
import { styleNonce } from '../csp-nonce.ts';

/** A string as a CSS string literal: quotes and backslashes escaped, `<` and line breaks as escapes (nothing can end the <style>). */
export function cssString(value: string): string {
  return `"${value.replace(/[\\"<>\n\r]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `)}"`;
}

/**
 * A document people file, ready for A4: on screen a toolbar (back, "Download PDF" through the
 * browser's printing) above the document; on paper only the document, every page with the TLP
 * label in its header and footer, the agency and the reference, and "page n of m" (CSS page margin
 * boxes, filled from a <style> generated with the escaped texts).
 */
export function PrintDocument({
  tlp,
  agency,
  reference,
  title,
  back,
  children,
}: {
  tlp: string;
  agency: string;
  reference: string;
  title: string;
  back: { href: string; label: string };
  children: ReactNode;
}) {
  const { t } = useI18n();
  const label = `TLP:${tlp}`;
  const font = `font-family: 'Noto Sans CJK TC', 'Noto Sans TC', sans-serif; font-size: 8.5pt; color: #000;`;
  const page = `@page {
  size: A4;
  margin: 20mm 16mm 20mm 16mm;
  @top-left { content: ${cssString(label)}; ${font} font-weight: 700; }
  @top-center { content: ${cssString(agency)}; ${font} }
  @top-right { content: ${cssString(reference)}; ${font} }
  @bottom-left { content: ${cssString(label)}; ${font} font-weight: 700; }
  @bottom-center { content: ${cssString(title)}; ${font} }
  @bottom-right { content: ${cssString(t('doc.page.before'))} counter(page) ${cssString(t('doc.page.between'))} counter(pages) ${cssString(t('doc.page.after'))}; ${font} }
}`;
  return (
    <article className="print-doc" data-print-document>
      <style nonce={styleNonce}>{page}</style>
      <Group className="doc-toolbar" justify="space-between" wrap="wrap" mb="md">
        <Anchor href={back.href} onClick={followLink}>
          {back.label}
        </Anchor>
        <Button leftSection={<IconPrinter size={18} aria-hidden />} onClick={() => window.print()} data-download-pdf>
          {t('doc.download')}
        </Button>
      </Group>
      <header>
        <p className="doc-meta">
          <span className="doc-tlp" style={{ color: TLP_TEXT[tlp] ?? '#FFFFFF' }} data-doc-tlp>
            {label}
          </span>
        </p>
        <p className="doc-meta">{agency}</p>
        <h1>{title}</h1>
        <p className="doc-meta">
          {t('doc.reference')}
          {t('ca.colon')}
          {reference}
        </p>
      </header>
      {children}
    </article>
  );
}

/** A label/value list of facts. */
export function Facts({ rows }: { rows: Array<[string, ReactNode]> }) {
  return (
    <dl className="doc-facts">
      {rows.map(([k, v]) => (
        <div key={k} style={{ display: 'contents' }}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
