import { Alert, Badge, Button, Code, CopyButton, Group, Stack, type BadgeProps } from '@mantine/core';
import type { ReactNode } from 'react';
import { problemText } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';

/** A refused request, named: the problem's detail (or title) in an alert the screen reader announces. */
export function ProblemAlert({ error, load }: { error: unknown; load?: boolean }) {
  const { t } = useI18n();
  return <Alert color="red" variant="light" role="alert" title={t(load ? 'admin.loadFailed' : 'admin.failed', { detail: problemText(error) })} />;
}

/** A secret the API answers once (temporary password, webhook key): shown with a copy button, never again. */
export function ShownOnce({ title, label, value, id }: { title: string; label: string; value: string; id: string }) {
  const { t } = useI18n();
  return (
    <Alert color="yellow" variant="light" title={title}>
      <Stack gap={4}>
        <Group gap="xs" wrap="wrap" align="center">
          <Code id={id} aria-label={label} style={{ fontSize: 16, wordBreak: 'break-all' }} data-secret>
            {value}
          </Code>
          <CopyButton value={value}>
            {({ copied, copy }) => (
              <Button size="compact-sm" variant="light" onClick={copy} aria-label={`${t(copied ? 'admin.copied' : 'admin.copy')} ${label}`}>
                {t(copied ? 'admin.copied' : 'admin.copy')}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Alert>
  );
}

/** The datatable's pagination texts and labels in the console's language. */
export function usePaginationProps() {
  const { t } = useI18n();
  return {
    paginationText: ({ from, to, totalRecords }: { from: number; to: number; totalRecords: number }) =>
      t('admin.pagination', { from, to, total: totalRecords }),
    getPaginationControlProps: (control: 'previous' | 'next' | 'first' | 'last') => ({ 'aria-label': t(`admin.page.${control}`) }),
    getPaginationItemProps: (n: number) => ({ 'aria-label': t('admin.page.number', { n }) }),
    paginationWrapBreakpoint: 'sm' as const,
  };
}

/** A badge whose words wrap in a narrow column instead of being cut off, in the case they are written. */
export function Tag({ children, ...props }: BadgeProps & { children: ReactNode }) {
  return (
    <Badge
      tt="none"
      variant="light"
      {...props}
      styles={{ root: { height: 'auto', minHeight: 20, paddingBlock: 2 }, label: { whiteSpace: 'normal', overflow: 'visible' } }}
    >
      {children}
    </Badge>
  );
}
