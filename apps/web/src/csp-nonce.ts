/**
 * This page's style nonce: index.html carries the one of its response's Content-Security-Policy
 * (the API fills it in). Every style element the console or its libraries insert carries it, so
 * the policy needs no 'unsafe-inline'.
 */
export const styleNonce: string = document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content ?? '';
