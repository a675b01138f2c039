import { test } from 'node:test';
import assert from 'node:assert/strict';
import { numberText, percentText, preciseText, signedText } from '../../src/shared/numberText';

test('four significant digits, trailing zeros kept, so signed values line up', () => {
  assert.equal(numberText(-0.07413274), '-0.07413');
  assert.equal(signedText(1), '+1.000');
  assert.equal(signedText(1.1213), '+1.121');
  assert.equal(signedText(-2.5), '-2.500');
  assert.equal(signedText(0), '0');
  assert.equal(numberText(1234.56), '1235');
  assert.equal(numberText(12345.6), '12346');
  assert.equal(numberText(0.000123456), '0.0001235');
  // Values that round up to the next power of ten are written at that size.
  assert.equal(numberText(9999.6), '10000');
  assert.equal(numberText(999.7, 3), '1000');
  assert.equal(numberText(-9.99996), '-10.00');
  assert.equal(percentText(0.9333), '93.3%');
});

test('exponent notation only for tiny and huge magnitudes; missing and non-finite values say so', () => {
  assert.equal(numberText(2.3e-7), '2.300e-7');
  assert.equal(numberText(-4.5e8), '-4.500e8');
  assert.equal(numberText(null), '—');
  assert.equal(numberText(Number.NaN), 'NaN');
  assert.equal(numberText(0.2142, 3), '0.214');
});

test('full precision reads back as the same number', () => {
  for (const v of [-0.07413274123, 1 / 3, 2.3e-7]) assert.equal(Number(preciseText(v)), v);
});
