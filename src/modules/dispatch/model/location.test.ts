import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { DEMO_DISTRICT_FILE } from '../../org/index.ts';
import { Analyzer } from './analyzer.ts';
import { catalogueFromDistrictFile } from './catalogue.ts';

// The location rules of the reference district's dispatch catalogue (dispatchRules.location):
// names locate, generic words and the district's own name do not, and the problem's place wins
// over the caller's home.

const catalogue = catalogueFromDistrictFile(JSON.parse(fs.readFileSync(DEMO_DISTRICT_FILE, 'utf8')));
const analyzer = new Analyzer(catalogue);
const streetOf = (text: string) => analyzer.analyze(text).location.streetCode;

describe('location', () => {
  test('a community, road or place of the gazetteer, or the street itself, locates the request', () => {
    assert.equal(streetOf('沙溪村的垃圾屋满了好几天'), 'YX-JSJD');
    assert.equal(streetOf('环湖北路的路灯不亮'), 'YX-HPJD');
    assert.equal(streetOf('龙潭水库边上死了好多鱼'), 'YX-SGZ');
    assert.equal(streetOf('金沙街道的工作人员态度不好'), 'YX-JSJD');
    assert.equal(streetOf('石岗镇政府门口有人摆摊'), 'YX-SGZ');
    assert.equal(streetOf('去云溪区人民医院看病收费太乱'), 'YX-YXJD', '区人民医院 written with the district name');
  });

  test('the district name and generic words alone locate nothing', () => {
    assert.equal(streetOf('云溪区政务服务大厅窗口太少'), null);
    assert.equal(streetOf('公园里的草好久没剪'), null);
    assert.equal(streetOf('市场门口乱摆卖'), null);
    assert.equal(streetOf('工业园里有厂偷排废气'), null);
    assert.equal(streetOf('工业一路有工厂偷排废气'), 'YX-JSJD', 'but a named road does');
  });

  test('short forms of a name locate when only one street could be meant', () => {
    assert.equal(streetOf('东湖市场有档口卖活鸡'), 'YX-HPJD');
    const a = analyzer.analyze('东湖市场有档口卖活鸡');
    assert.equal(a.generic.includes('东湖'), false, 'the proper name is replaced by what it is');
  });

  test('with places in two streets, the street is where the problem is, not where the caller lives', () => {
    assert.equal(streetOf('我住在翠湖苑，今天路过金沙大道，整条路的路灯都不亮'), 'YX-JSJD');
    assert.equal(streetOf('我家在石岗村，在金沙工业园一家厂打工，老板欠了两个月工资'), 'YX-JSJD');
    assert.equal(streetOf('我是金碧雅苑的业主，想投诉云溪广场的广场舞太吵'), 'YX-YXJD');
    const home = analyzer.analyze('我住在翠湖苑，今天路过金沙大道，整条路的路灯都不亮').location;
    assert.deepEqual(home.mentions.map((m) => [m.name, m.role]), [['翠湖苑', 'home'], ['金沙大道', 'problem']]);
    assert.match(home.explanation.join(' '), /来电人住址/);
  });

  test("a caller's home is the place when it is the only one named", () => {
    assert.equal(streetOf('我住在望湖小区，楼上邻居天天半夜拖椅子'), 'YX-HPJD');
  });

  test('Cantonese and full-width text are read like written Mandarin', () => {
    const a = analyzer.analyze('唔该，新市路口嗰个垃圾桶成个礼拜冇人倒，ＯＫ？');
    assert.equal(a.location.streetCode, 'YX-YXJD');
    assert.ok(a.text.includes('没有人') || a.text.includes('没人'), a.text);
    assert.ok(a.text.includes('ok'), 'full-width letters normalised');
    assert.ok(a.concepts.includes('垃圾'));
  });
});
