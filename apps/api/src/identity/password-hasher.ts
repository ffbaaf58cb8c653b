import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id with the library's defaults (19 MiB, 2 passes, 1 lane: the OWASP minimum).
 * A dummy hash is verified for unknown accounts so a login takes as long either way; it is made
 * when the hasher is, so not even the first unknown account costs a hash more.
 */
export class PasswordHasher {
  private readonly dummy: Promise<string> = hash('not-a-real-account-password');

  hash(password: string): Promise<string> {
    return hash(password);
  }

  verify(hashed: string, password: string): Promise<boolean> {
    return verify(hashed, password).catch(() => false);
  }

  async burn(password: string): Promise<void> {
    await verify(await this.dummy, password).catch(() => false);
  }
}

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** Rules for a new password; returns the broken rule's message or undefined. */
export function passwordRuleViolation(password: string, email: string, current?: string): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (current !== undefined && password === current) return 'must differ from the current password';
  const local = email.split('@')[0]?.toLowerCase() ?? '';
  if (local.length >= 3 && password.toLowerCase().includes(local)) return 'must not contain the account name';
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  if (classes < 3) return 'must mix at least three of: lower case, upper case, digits, symbols';
  return undefined;
}
