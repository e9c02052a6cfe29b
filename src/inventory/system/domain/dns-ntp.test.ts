import { describe, expect, it } from 'vitest';
import { checkNameservers, checkNtpservers, ntpNeedsDns, platformInSync } from './dns-ntp.ts';

describe('DNS and NTP servers (sysinv idns, intp)', () => {
  it.each([
    ['8.8.8.8', '8.8.8.8'],
    [' 8.8.8.8 , 2001:4860:4860:0:0:0:0:8888 ', '8.8.8.8,2001:4860:4860::8888'],
    ['', ''],
    ['NC', ''],
  ])('name servers %j → %j', (input, out) => {
    expect(checkNameservers(input)).toEqual({ ok: true, value: out });
  });

  it.each([
    ['dns.example.com', /Invalid DNS nameserver target address dns\.example\.com/],
    ['8.8.8.8,1.1.1.1,9.9.9.9,8.8.4.4', /Maximum DNS nameservers supported: 3 but provided: 4/],
    ['300.1.1.1', /Invalid DNS nameserver/],
    [42, /comma-separated/],
  ])('refuses name servers %j', (input, problem) => {
    const r = checkNameservers(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toMatch(problem);
  });

  it('takes NTP servers by address or name, at most three', () => {
    expect(checkNtpservers('0.pool.ntp.org, 10.0.0.1,FD00::1')).toEqual({ ok: true, value: '0.pool.ntp.org,10.0.0.1,fd00::1' });
    expect(checkNtpservers('NC')).toEqual({ ok: true, value: '' });
    expect(checkNtpservers('a.org,b.org,c.org,d.org')).toMatchObject({ ok: false, problem: expect.stringMatching(/Maximum NTP servers supported: 3/) });
    expect(checkNtpservers('bad_name!')).toMatchObject({ ok: false, problem: expect.stringMatching(/Invalid NTP server bad_name!/) });
    expect(checkNtpservers('1.2.3')).toMatchObject({ ok: false });
  });

  it('needs a DNS server when an NTP server is given by name', () => {
    expect(ntpNeedsDns('', 'pool.ntp.org')).toMatch(/At least one DNS server/);
    expect(ntpNeedsDns('8.8.8.8', 'pool.ntp.org')).toBeUndefined();
    expect(ntpNeedsDns('', '10.0.0.1')).toBeUndefined();
  });

  it('compares platform settings', () => {
    const central = { nameservers: '8.8.8.8', ntpservers: 'pool.ntp.org' };
    expect(platformInSync({ ...central }, central)).toBe(true);
    expect(platformInSync({ ...central, nameservers: '1.1.1.1' }, central)).toBe(false);
    expect(platformInSync({ ...central, ntpservers: '' }, central)).toBe(false);
  });
});
