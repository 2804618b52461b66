import { findBsnLike, isValidBsn, maskBsns } from './bsn';

describe('BSN elfproef', () => {
  it.each(['111222333', '123456782', '999999990'])('accepts %s', (bsn) => {
    expect(isValidBsn(bsn)).toBe(true);
  });

  it.each([
    ['123456789', 'fails the elfproef'],
    ['12345678', 'has eight digits'],
    ['1234567821', 'has ten digits'],
    ['12345678a', 'holds a letter'],
    ['000000000', 'is all zeros'],
  ])('rejects %s (%s)', (bsn) => {
    expect(isValidBsn(bsn)).toBe(false);
  });

  it('finds a valid BSN inside text but not inside longer digit runs', () => {
    expect(findBsnLike('kind 111222333 en 1112223330 en 123456789')).toEqual(['111222333']);
  });

  it('masks valid BSNs and leaves other numbers alone', () => {
    expect(maskBsns('a 111222333 b 123456789 c 1112223330')).toBe('a [bsn] b 123456789 c 1112223330');
  });

  it('leaves ids alone: nine digits inside a UUID are not a BSN, and a BSN next to one is still masked', () => {
    const id = 'e3b0c442-98fc-4c14-9afb-0ec111222333';
    expect(maskBsns(`message ${id} about 111222333`)).toBe(`message ${id} about [bsn]`);
    expect(findBsnLike(`message ${id}`)).toEqual([]);
    // Without the UUID's shape, the digits after letters are masked as before.
    expect(maskBsns('zaak0ec111222333')).toBe('zaak0ec[bsn]');
  });
});
