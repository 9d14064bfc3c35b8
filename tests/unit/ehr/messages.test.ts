import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EhrCommand } from '../../../extension/lib/ehr/messages.ts';
import { isEhrMessage } from '../../../extension/lib/ehr/agent.ts';

const ok = { cmd: 'ehr.write', allowedOrigins: ['https://ehr.example.org'], writes: [{ target: { by: 'id', id: 't1' }, blocks: [{ type: 'paragraph', text: 'x' }] }] };

describe('ehr messages', () => {
  it('accepts a well-formed write', () => {
    expect(EhrCommand.safeParse(ok).success).toBe(true);
  });

  it('rejects raw HTML blocks, unknown keys, __proto__, bad ids and wildcard origins', () => {
    const bad = [
      { ...ok, writes: [{ target: { by: 'id', id: 't1' }, blocks: [{ type: 'html', html: '<b>x</b>' }] }] },
      { ...ok, extra: 1 },
      JSON.parse('{"cmd":"ehr.scan","allowedOrigins":["https://a.org"],"__proto__":{"x":1}}'),
      { ...ok, writes: [{ target: { by: 'id', id: 'x1' }, blocks: [{ type: 'paragraph', text: 'x' }] }] },
      { ...ok, allowedOrigins: ['*'] },
      { ...ok, allowedOrigins: [] },
      { cmd: 'ehr.write', allowedOrigins: ['https://a.org'], writes: [] },
    ];
    for (const b of bad) expect(EhrCommand.safeParse(b).success).toBe(false);
  });

  it('never throws on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (x) => {
        EhrCommand.safeParse(x);
        isEhrMessage(x);
        return true;
      }),
    );
  });

  it('isEhrMessage only claims ehr.* commands', () => {
    expect(isEhrMessage({ cmd: 'ehr.scan' })).toBe(true);
    expect(isEhrMessage({ cmd: 'visit.start' })).toBe(false);
    expect(isEhrMessage(['ehr.scan'])).toBe(false);
    expect(isEhrMessage(null)).toBe(false);
  });
});
