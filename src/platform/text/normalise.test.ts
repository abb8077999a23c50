import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normaliseText, TYPO_VARIANTS } from './normalise.ts';

describe('normaliseText', () => {
  test('full-width letters, digits and punctuation become half-width; Latin is lower-cased', () => {
    assert.equal(normaliseText('ＡＢＣ１２３，ｘｙｚ！（测试）'), 'abc123,xyz!(测试)');
    assert.equal(normaliseText('Hello WORLD'), 'hello world');
  });

  test('whitespace, including the ideographic space, collapses to one space and is trimmed', () => {
    assert.equal(normaliseText('  楼上\u3000\u3000装修\n\t太吵  '), '楼上 装修 太吵');
  });

  test('zero-width characters pasted from chat apps are removed', () => {
    assert.equal(normaliseText('公\u200b积\u200d金\ufeff提取'), '公积金提取');
  });

  test('known misspellings are corrected', () => {
    assert.equal(normaliseText('身分证丢了'), '身份证丢了');
    assert.equal(normaliseText('公基金怎么提取'), '公积金怎么提取');
    assert.equal(normaliseText('户藉迁移'), '户籍迁移');
    // Corrections apply after NFKC, so a full-width space inside does not hide the typo.
    assert.equal(normaliseText('帐户\u3000冻结'), '账户 冻结');
  });

  test('words that are right in some context are left alone', () => {
    assert.equal(normaliseText('台风登陆'), '台风登陆');
    assert.equal(normaliseText('那里停水了吗'), '那里停水了吗');
    assert.equal(normaliseText('白坭镇'), '白坭镇');
    // Chinese numerals are not rewritten: 一 is part of words.
    assert.equal(normaliseText('一网通办三个工作日'), '一网通办三个工作日');
  });

  test('every typo table entry maps to a different, already normal form', () => {
    for (const [wrong, right] of TYPO_VARIANTS) {
      assert.notEqual(wrong, right);
      assert.equal(normaliseText(right), right, `${right} must be stable`);
      assert.equal(normaliseText(wrong), right);
    }
  });

  test('is idempotent', () => {
    for (const s of ['ＡＢＣ　身分证', ' a  b ', '云溪大道１号', '']) {
      assert.equal(normaliseText(normaliseText(s)), normaliseText(s));
    }
  });
});
