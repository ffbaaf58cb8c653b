import { describe, expect, it } from '@jest/globals';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PasswordHasher, passwordRuleViolation } from './password-hasher.js';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('hashes with argon2id; verify accepts the password and rejects a wrong one', async () => {
    const hashed = await hasher.hash('Correct-Horse-42!');
    expect(hashed.startsWith('$argon2id$')).toBe(true);
    expect(hashed).not.toContain('Correct-Horse-42!');
    await expect(hasher.verify(hashed, 'Correct-Horse-42!')).resolves.toBe(true);
    await expect(hasher.verify(hashed, 'Correct-Horse-43!')).resolves.toBe(false);
    await expect(hasher.verify(hashed, '')).resolves.toBe(false);
  });

  it('salts: the same password hashes differently each time, and both verify', async () => {
    const [a, b] = await Promise.all([hasher.hash('Same-Password-1!'), hasher.hash('Same-Password-1!')]);
    expect(a).not.toBe(b);
    await expect(hasher.verify(a, 'Same-Password-1!')).resolves.toBe(true);
    await expect(hasher.verify(b, 'Same-Password-1!')).resolves.toBe(true);
  });

  it('answers false (does not throw) for a malformed stored hash', async () => {
    await expect(hasher.verify('not-a-hash', 'whatever')).resolves.toBe(false);
    await expect(hasher.verify('', 'whatever')).resolves.toBe(false);
  });

  it('burns a verification for unknown accounts without throwing', async () => {
    await expect(hasher.burn('anything')).resolves.toBeUndefined();
  });
});

describe('passwordRuleViolation', () => {
  const email = 'chen@moj.gov.tw';

  it('accepts a long, mixed password', () => {
    expect(passwordRuleViolation('Correct-Horse-42!', email)).toBeUndefined();
    expect(passwordRuleViolation('correct horse 42', email)).toBeUndefined(); // lower, digits, symbols
    expect(passwordRuleViolation('x'.repeat(PASSWORD_MAX_LENGTH - 2) + 'A1', email)).toBeUndefined();
  });

  it(`needs at least ${PASSWORD_MIN_LENGTH} characters`, () => {
    expect(passwordRuleViolation('Short-1!abc', email)).toBe(`must be at least ${PASSWORD_MIN_LENGTH} characters`);
    expect(passwordRuleViolation('Short-1!abcd', email)).toBeUndefined();
  });

  it(`allows at most ${PASSWORD_MAX_LENGTH} characters`, () => {
    expect(passwordRuleViolation('Aa1-'.repeat(PASSWORD_MAX_LENGTH / 4) + 'x', email)).toBe(`must be at most ${PASSWORD_MAX_LENGTH} characters`);
  });

  it('needs three of the four character classes', () => {
    const rule = 'must mix at least three of: lower case, upper case, digits, symbols';
    expect(passwordRuleViolation('alllowercaseletters', email)).toBe(rule);
    expect(passwordRuleViolation('lowerUPPERletters', email)).toBe(rule);
    expect(passwordRuleViolation('123456789012345!', email)).toBe(rule);
    expect(passwordRuleViolation('lowerUPPER12345', email)).toBeUndefined();
    expect(passwordRuleViolation('lower-12345-abc', email)).toBeUndefined();
  });

  it('refuses a password containing the account name (case-insensitive), when it has 3+ characters', () => {
    expect(passwordRuleViolation('My-CHEN-Password-1', email)).toBe('must not contain the account name');
    expect(passwordRuleViolation('My-Li-Password-1', 'li@moj.gov.tw')).toBeUndefined();
  });

  it('refuses reusing the current password', () => {
    expect(passwordRuleViolation('Correct-Horse-42!', email, 'Correct-Horse-42!')).toBe('must differ from the current password');
    expect(passwordRuleViolation('Correct-Horse-43!', email, 'Correct-Horse-42!')).toBeUndefined();
  });
});
