import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { charNgrams, defaultSegmenter, Segmenter, STOP_WORDS } from './segment.ts';

// Names from the reference district's gazetteer; the default dictionary splits them.
const PLACES = ['沙溪村', '金沙工业园', '云溪大道'];
const seg = new Segmenter({ userWords: PLACES });

describe('Segmenter', () => {
  test('gazetteer names split without user words and stay whole with them', () => {
    const plain = new Segmenter();
    const text = '沙溪村旁边的金沙工业园，云溪大道路灯坏了';
    for (const p of PLACES) assert.ok(!plain.cut(text).includes(p), `${p} is not in the default dictionary`);
    for (const p of PLACES) assert.ok(seg.cut(text).includes(p), `${p} stays whole`);
  });

  test('addWords takes effect on an existing instance and accepts full-width input', () => {
    const s = new Segmenter();
    assert.ok(!s.cut('云溪街道办事处').includes('云溪街道'));
    s.addWords(['云溪街道', '  ', 'ＸＹ社区']);
    assert.ok(s.cut('云溪街道办事处').includes('云溪街道'));
    assert.ok(s.cut('xy社区居委会').includes('xy社区'));
  });

  test('full-width input is normalised before cutting', () => {
    assert.deepEqual(seg.cut('ＡＢＣ１２３　住房公积金'), seg.cut('abc123 住房公积金'));
    assert.ok(seg.cut('ＡＢＣ１２３').includes('abc123'));
  });

  test('punctuation and whitespace are dropped', () => {
    const words = seg.cut('您好！请问，“住房公积金”怎么提取？ ……（急）');
    for (const w of words) assert.match(w, /[\p{L}\p{N}]/u);
    assert.ok(words.includes('住房公积金') || words.includes('公积金'));
    assert.deepEqual(seg.cut('，。！？、 '), []);
    assert.deepEqual(seg.cut(''), []);
  });

  test('precise mode uses each character once; search mode adds the sub-words', () => {
    const text = '金沙工业园的住房公积金';
    assert.equal(seg.cut(text).join(''), '金沙工业园的住房公积金');
    const search = seg.cutForSearch(text);
    for (const w of ['金沙工业园', '工业园', '工业', '公积金', '住房']) assert.ok(search.includes(w), w);
    assert.ok(!seg.cut(text).includes('工业园'));
  });

  test('terms drop stop words and repeats, keep order', () => {
    const terms = seg.terms('您好，请问我的住房公积金怎么提取？公积金提取要什么材料');
    for (const stop of ['您好', '请问', '我', '的', '怎么', '什么', '要']) assert.ok(!terms.includes(stop), stop);
    assert.equal(new Set(terms).size, terms.length);
    assert.ok(terms.includes('公积金') && terms.includes('提取') && terms.includes('材料'));
    assert.ok(terms.indexOf('住房') < terms.indexOf('材料'));
    assert.deepEqual(seg.terms('谢谢，麻烦了'), []);
  });

  test('typos are fixed before cutting, so the query meets the article', () => {
    assert.deepEqual(seg.terms('身分证补办'), seg.terms('身份证补办'));
  });

  test('the shared instance is created once', () => {
    assert.equal(defaultSegmenter(), defaultSegmenter());
    assert.ok(defaultSegmenter().cut('新生儿出生登记').includes('新生儿'));
  });

  test('stop words hold the common particles and greetings', () => {
    for (const w of ['的', '了', '请问', '您好', '麻烦', '谢谢']) assert.ok(STOP_WORDS.has(w), w);
    for (const w of ['办', '吵', '停水']) assert.ok(!STOP_WORDS.has(w), w);
  });
});

describe('charNgrams', () => {
  test('yields grams of each size over the normalised text without punctuation', () => {
    assert.deepEqual(charNgrams('楼上，装修', [2]), ['楼上', '上装', '装修']);
    assert.deepEqual(charNgrams('ＡＢ吵', [1, 3]), ['a', 'b', '吵', 'ab吵']);
  });

  test('repeats are kept and short texts yield nothing for larger sizes', () => {
    assert.deepEqual(charNgrams('吵吵吵', [2]), ['吵吵', '吵吵']);
    assert.deepEqual(charNgrams('吵', [2, 3]), []);
  });

  test('counts surrogate pairs as one character', () => {
    assert.deepEqual(charNgrams('𠮷野家', [2]), ['𠮷野', '野家']);
  });

  test('rejects sizes that are not positive integers', () => {
    assert.throws(() => charNgrams('楼上', [0]), RangeError);
    assert.throws(() => charNgrams('楼上', [1.5]), RangeError);
  });
});
