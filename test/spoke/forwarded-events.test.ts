import { describe, expect, it } from 'vitest';
import { FORWARDED_EVENTS, forwardedEventPattern } from '../../spoke/forwarded-events.ts';

const byId = (id: string) => {
  const found = FORWARDED_EVENTS.find((d) => d.id === id);
  if (!found) throw new Error(`no forwarded event ${id}`);
  return found;
};

describe('forwardedEventPattern', () => {
  it('matches a source and detail-type for service findings', () => {
    expect(forwardedEventPattern(byId('GuardDutyFindings'), ['StopLogging'])).toEqual({
      source: ['aws.guardduty'],
      'detail-type': ['GuardDuty Finding'],
    });
  });

  it('matches CloudTrail calls on detail-type and eventName only, without a source', () => {
    expect(forwardedEventPattern(byId('RiskyApiCalls'), ['StopLogging', 'DeleteTrail', 'StopLogging'])).toEqual({
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: { eventName: ['StopLogging', 'DeleteTrail'] },
    });
  });

  it('refuses to build a CloudTrail pattern without risky API names', () => {
    expect(() => forwardedEventPattern(byId('RiskyApiCalls'), [])).toThrow(/RiskyApiCalls needs at least one/);
  });

  it('lists unique ids that are valid construct ids', () => {
    const ids = FORWARDED_EVENTS.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z][A-Za-z0-9]+$/);
  });
});
