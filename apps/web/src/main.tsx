import '@mantine/core/styles.css';
import 'mantine-datatable/styles.css';
import './app.css';
import { MantineProvider, createTheme } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { setNonce } from 'get-nonce';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { styleNonce } from './csp-nonce.ts';
import { I18nProvider } from './i18n/index.tsx';

const theme = createTheme({
  fontFamily: 'system-ui, -apple-system, "Segoe UI", "Noto Sans CJK TC", "Noto Sans TC", "PingFang TC", "Microsoft JhengHei", sans-serif',
  primaryColor: 'blue',
  primaryShade: 9,
  // Dialogs, drawers and menus appear at once for people whose system asks for reduced motion.
  respectReducedMotion: true,
});

// The same nonce for the style tag that dialogs and drawers insert to keep the page from scrolling under them (react-remove-scroll).
setNonce(styleNonce);

const queryClient = new QueryClient({ defaultOptions: { queries: { refetchOnWindowFocus: true } } });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {/* Static CSS only: the default theme's variables are in styles.css, so nothing is injected at run time. */}
    <MantineProvider theme={theme} getStyleNonce={() => styleNonce} withCssVariables={false} withGlobalClasses={false} forceColorScheme="light">
      <QueryClientProvider client={queryClient}>
        <I18nProvider>
          <App />
        </I18nProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
