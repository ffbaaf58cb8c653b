import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * The bearer scheme as it is: an opaque session token from POST /api/auth/login, looked up on every
 * request (so a revoked session is refused at once), not a JWT. @nestjs/swagger's addBearerAuth
 * adds `bearerFormat: JWT` by default; this takes it off.
 */
export function describeBearerScheme(document: OpenAPIObject): void {
  const schemes = (document.components ??= {}).securitySchemes ?? {};
  const bearer = schemes.bearer;
  if (!bearer || '$ref' in bearer) return;
  const { bearerFormat: _jwt, ...rest } = bearer;
  schemes.bearer = {
    ...rest,
    type: 'http',
    scheme: 'bearer',
    description:
      'the opaque session token from POST /api/auth/login (not a JWT; it carries nothing readable), as `Authorization: Bearer <token>`; it ends at logout, on a password change, when the account is disabled or after SESSION_TTL',
  };
  document.components.securitySchemes = schemes;
}
