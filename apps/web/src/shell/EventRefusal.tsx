import { Alert, List } from '@mantine/core';
import { problemText, type Problem } from '../api/client.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';

/** A refused send of a workflow event: the HTTP status and the problem it answered. */
export interface EventFailure {
  status: number;
  problem: Partial<Problem>;
}

/**
 * Why an event dialog's send did not go through: someone acted first (409: the record was
 * reloaded, the action still possible or gone), or the refusal's reason with the field errors no
 * field of the form shows. The texts name the record (incident or drill).
 */
export function EventRefusal({
  failure,
  stale,
  elsewhere,
  texts,
}: {
  failure: EventFailure | null;
  stale: 'reloaded' | 'gone' | null;
  elsewhere: Array<{ field: string; message: string }>;
  texts: { stale: MessageKey; staleGone: MessageKey; refused: MessageKey };
}) {
  const { t } = useI18n();
  return (
    <>
      {stale && (
        <Alert color="orange" variant="light" role="alert" title={t(stale === 'gone' ? texts.staleGone : texts.stale)} data-stale>
          {problemText(failure?.problem)}
        </Alert>
      )}
      {failure && failure.status !== 409 && (
        <Alert color="red" variant="light" role="alert" title={t(texts.refused, { detail: problemText(failure.problem) })} data-refused>
          {elsewhere.length > 0 && (
            <List size="sm">
              {elsewhere.map((e) => (
                <List.Item key={`${e.field}-${e.message}`}>
                  {e.field}: {e.message}
                </List.Item>
              ))}
            </List>
          )}
        </Alert>
      )}
    </>
  );
}
