import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { DEMO_DISTRICT_FILE } from '../../org/index.ts';
import { Analyzer, userDictionary } from './analyzer.ts';
import { catalogueFromDistrictFile } from './catalogue.ts';
import { specificity } from './commonness.ts';
import { DispatchModel } from './model.ts';

// How a request is read apart from its bystanders: what the caller asks for and what is wrong count
// fully, an aside (差点滑倒), a background clause, a place of something else (停在人行道上) and a
// second matter added after 顺便 count less; a rule's bracketed examples cannot make its match alone.

const catalogue = catalogueFromDistrictFile(JSON.parse(fs.readFileSync(DEMO_DISTRICT_FILE, 'utf8')));
const analyzer = new Analyzer(catalogue);
const weight = (text: string, term: string) => analyzer.analyze(text).salience.get(term) ?? 1;

describe('salience of what is said', () => {
  test('what the problem nearly caused is an aside: its words count less than the matter', () => {
    const text = '泥头车掉了一路的沙石，早上骑电动车差点滑倒';
    assert.ok(weight(text, 'c:电动车') < 0.5, 'the bystander');
    assert.equal(weight(text, 'c:渣土'), 1, 'the matter');
  });

  test('the clause that asks for something outweighs the background', () => {
    const text = '小区里的水沟长期积水，蚊子多得不得了，想请人来灭蚊';
    assert.ok(weight(text, 'c:病媒') > 1);
    assert.ok(weight(text, 'c:积水') < 1);
    // Nothing said is wrong or asked: every clause counts the same.
    assert.equal(analyzer.analyze('昨天下午四点左右看到的，是一辆蓝色小货车').salience.size, 0);
  });

  test('a place of something else says where, not what', () => {
    assert.ok(weight('修车店天天把车停在人行道上修', 'c:人行道') < 1);
    assert.equal(weight('人行道的地砖全松了', 'c:人行道'), 1);
  });

  test('a second matter added after 顺便 does not outweigh the first', () => {
    const text = '桂香路的井盖又冒污水，臭到死；顺便讲下，路口个红绿灯都成日闪黄灯';
    assert.ok(weight(text, 'c:红绿灯') < 0.5);
    assert.ok(weight(text, 'c:井盖') > 2 * weight(text, 'c:红绿灯'));
  });

  test('the words of a place’s kind are context, not matter', () => {
    const a = analyzer.analyze('金沙工业园这个月已经停了三次电');
    assert.ok(a.placeOnly.includes('w:工业园') && a.placeOnly.includes('c:工厂'));
    assert.ok(!a.placeOnly.includes('c:停电'));
  });
});

describe('the catalogue read by what is particular to each phrase', () => {
  test('common words weigh less than specific ones, unknown words fully', () => {
    assert.ok(specificity('工作') < 0.5);
    assert.ok(specificity('井盖') === 1);
    assert.ok(specificity('一个不在词典里的词') === 1);
  });

  test('a rule’s bracketed example alone does not make its match', () => {
    const cold = DispatchModel.coldStart(catalogue, analyzer);
    // 电池 is an example of dumped hazardous waste (废机油、电池、废渣): a phone's battery is not that.
    const s = cold.suggest({ text: '网上买的手机用了一个月电池就鼓包了，商家不给退' });
    assert.equal(s.units[0]!.unitCode, 'YX-SJJ');
    assert.ok(!s.units[0]!.explanation.join(' ').includes('危险废物'));
  });
});

describe('the catalogue in the segmenter’s user dictionary', () => {
  test('holds the gazetteer’s and the units’ names; the duty terms only when asked for', () => {
    const names = userDictionary(catalogue);
    for (const w of ['沙溪村', '龙潭公路', '金沙工业园', '区城管局']) assert.ok(names.includes(w), w);
    assert.ok(!names.includes('余泥渣土'));
    const withDuties = userDictionary(catalogue, { dutyTerms: true });
    for (const w of ['余泥渣土', '古树名木', '流动摊贩']) assert.ok(withDuties.includes(w), w);
    // Pieces that hold a function word are fragments of clauses, not terms.
    assert.ok(!withDuties.some((w) => w.includes('的')));
  });

  test('a new catalogue builds an analyzer whose segmenter knows its names', () => {
    const renamed = { ...catalogue, gazetteer: [...catalogue.gazetteer, { streetCode: catalogue.gazetteer[0]!.streetCode, kind: 'place' as const, name: '鹤鸣坊' }] };
    const a = new Analyzer(renamed);
    assert.ok(a.userWords.includes('鹤鸣坊'));
    assert.equal(a.analyze('鹤鸣坊门口的路灯坏了').location.streetCode, catalogue.gazetteer[0]!.streetCode);
    assert.ok(!new Analyzer(catalogue).userWords.includes('鹤鸣坊'));
  });
});
