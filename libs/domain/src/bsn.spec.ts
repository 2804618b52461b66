import { findBsnLike, isValidBsn, maskBsns, maskBsnsInText } from './bsn';

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

describe('maskBsnsInText (free text)', () => {
  it.each([
    ['a run of nine', 'BSN van Sam is 111222333.', 'BSN van Sam is [bsn].'],
    ['at the start and the end', '111222333 en 123456782', '[bsn] en [bsn]'],
    ['glued to letters', 'bsn:111222333,moeder', 'bsn:[bsn],moeder'],
    ['in groups with spaces', 'nummer 1112 22 333 genoteerd', 'nummer [bsn] genoteerd'],
    ['with dots', 'nummer 111.222.333', 'nummer [bsn]'],
    ['with dashes', 'nummer 111-222-333', 'nummer [bsn]'],
    ['two in one sentence', 'Sam (111222333) en Noor (123456782)', 'Sam ([bsn]) en Noor ([bsn])'],
  ])('masks a BSN %s', (_, text, masked) => {
    expect(maskBsnsInText(text)).toBe(masked);
  });

  it.each([
    ['a nine-digit number that fails the elfproef', 'dossier 123456789'],
    ['ten digits', 'bel 1112223330'],
    ['ten digits in groups, a phone number', 'bel 06-12345678 of 0612 345 678'],
    ['eight digits', 'zaak 11122233'],
    ['nine digits inside a longer run', 'IBAN NL91ABNA0417164300 ref 91111222333'],
    ['all zeros', 'nummer 000000000'],
    ['a UUID', 'bericht e3b0c442-98fc-4c14-9afb-0ec111222333'],
    ['a date and a time', 'op 12-03-2026 om 14.30 uur'],
    ['two separators in a row', 'nummer 111  222  333'],
  ])('leaves %s as typed', (_, text) => {
    expect(maskBsnsInText(text)).toBe(text);
  });
});
