import { ScrollArea } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A box that scrolls sideways on its own when what it holds (a wide table) is wider than the
 * window, so the page never does. Its viewport takes keyboard focus: a keyboard user scrolls it too.
 */
export function WideBox({ label, children }: { label: string; children: ReactNode }) {
  return (
    <ScrollArea type="auto" offsetScrollbars="x" viewportProps={{ tabIndex: 0, role: 'group', 'aria-label': label }}>
      {children}
    </ScrollArea>
  );
}
