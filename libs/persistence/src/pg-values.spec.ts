import { epochMicros, inJsonbKeyOrder } from './pg-values';

describe('inJsonbKeyOrder', () => {
  it('orders keys shortest first, then by their UTF-8 bytes, at every depth', () => {
    const value = { zz: 1, a: { bbb: [{ yy: true, x: null }], aa: 'x' }, B: 2, é: 3, b: 4 };
    expect(JSON.stringify(inJsonbKeyOrder(value))).toBe('{"B":2,"a":{"aa":"x","bbb":[{"x":null,"yy":true}]},"b":4,"zz":1,"é":3}');
  });

  it('leaves values other than objects as they are', () => {
    expect(inJsonbKeyOrder([3, 'a', null])).toEqual([3, 'a', null]);
    expect(inJsonbKeyOrder('text')).toBe('text');
  });
});

describe('epochMicros', () => {
  it('keeps microseconds, which Date drops', () => {
    expect(epochMicros('1970-01-01T00:00:01.000123Z')).toBe(1_000_123);
    expect(epochMicros('1970-01-01T01:00:00.5+01:00')).toBe(500_000);
    expect(epochMicros('2026-03-01T10:00:00Z')).toBe(Date.parse('2026-03-01T10:00:00Z') * 1000);
  });

  it('refuses text that is not a time', () => {
    expect(() => epochMicros('yesterday')).toThrow("'yesterday' is not an ISO 8601 time");
  });
});
