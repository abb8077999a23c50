import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bigrams, DUPLICATE_THRESHOLD, matterSimilarity, textSimilarity } from './hotline.similarity.ts';

// The similarity behind merge suggestions and repeat links, on pairs a hotline agent would judge.

describe('matter similarity', () => {
  test('the same matter in other words scores above the threshold', () => {
    const pairs: [string, string][] = [
      ['桂香市场门口的垃圾桶满了好几天没人清运，臭气熏天', '桂香市场门口垃圾桶满溢好几天无人清运，很臭'],
      ['沙溪路川菜馆厨房油烟直排，整栋楼都是油烟味', '沙溪路川菜馆又开始油烟直排了'],
    ];
    for (const [a, b] of pairs) assert.ok(textSimilarity(a, b) >= DUPLICATE_THRESHOLD, `${a} / ${b}: ${textSimilarity(a, b)}`);
  });

  test('different matters score below it, even with the same filler words', () => {
    const pairs: [string, string][] = [
      ['你好，我要投诉桂香市场门口垃圾桶满溢', '你好，我要投诉幼儿园乱收费'],
      ['沙溪路路灯不亮', '金碧雅苑停水一天了'],
    ];
    for (const [a, b] of pairs) assert.ok(textSimilarity(a, b) < DUPLICATE_THRESHOLD, `${a} / ${b}: ${textSimilarity(a, b)}`);
  });

  test('the address counts for a share when both have one', () => {
    const a = { description: '路灯不亮', address: '湖畔路12号' };
    assert.equal(matterSimilarity(a, { description: '路灯不亮', address: '湖畔路12号' }), 1);
    assert.ok(matterSimilarity(a, { description: '路灯不亮', address: '金沙大道' }) < 1);
    assert.equal(matterSimilarity(a, { description: '路灯不亮', address: null }), 1);
  });

  test('bigrams ignore punctuation, width and case; a single character is its own gram', () => {
    assert.deepEqual([...bigrams('ＡＢ，c')], ['ab', 'bc']);
    assert.deepEqual([...bigrams('吵')], ['吵']);
    assert.equal(textSimilarity('', '路灯'), 0);
  });
});
