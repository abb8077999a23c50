import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { DEMO_DISTRICT_FILE } from '../../org/index.ts';
import { Analyzer } from './analyzer.ts';
import { catalogueFromDistrictFile } from './catalogue.ts';
import { crossValidate, evaluateCases, parseJsonl, toExamples } from './evaluate.ts';
import { chooseThreshold, DispatchModel, fitTemperature } from './model.ts';

// The model without a database: cold start from duties and rules, the rules' precedence,
// calibrated and sorted scores, abstention, learning at once from a correction, snapshots, and
// cross-validation on the reference corpus (when the shared fixtures are present).

const doc = JSON.parse(fs.readFileSync(DEMO_DISTRICT_FILE, 'utf8'));
const catalogue = catalogueFromDistrictFile(doc);
const analyzer = new Analyzer(catalogue);
const cold = DispatchModel.coldStart(catalogue, analyzer);
const top = (m: DispatchModel, text: string) => m.suggest({ text }).units[0]!.unitCode;

const heldOut = parseJsonl(fs.readFileSync(new URL('../fixtures/heldout.jsonl', import.meta.url), 'utf8'), 'held-out');
// The hand-written set doubles as a small history for the mechanics below (never to measure them).
const trained = DispatchModel.train(catalogue, toExamples(heldOut), {}, analyzer);

describe('cold start (duties and rules, no history)', () => {
  test('clear duty matches go to the unit whose duty it is', () => {
    assert.equal(top(cold, '路灯坏了一个星期都不亮'), 'YX-CGJ');
    assert.equal(top(cold, '公司拖欠我们三个月工资不发'), 'YX-RSJ');
    assert.equal(top(cold, '小区停水两天了也没有通知'), 'YX-ZLS');
    assert.equal(top(cold, '电梯故障困人半个小时没人来'), 'YX-SJJ');
    assert.equal(top(cold, '路口的交通信号灯坏了一直闪黄灯'), 'YX-JJDD');
    assert.equal(top(cold, '想办理不动产登记，房产证怎么办'), 'YX-GTJ');
    assert.equal(top(cold, '网吧让未成年人进去上网'), 'YX-WGLTJ');
  });

  test('rules settle matters between units', () => {
    // 违法建设 in a village, under way, asking to stop it → the street where it is.
    assert.equal(top(cold, '东湖村有人在村里的空地上抢建房子，晚上还在浇筑，请街道来制止'), 'YX-HPJD');
    // A structure already built on a city pavement, asking for demolition → 城管.
    assert.equal(top(cold, '荔湾街一家商铺在门口人行道上搭了个铁皮棚，已经建好几个月了，要求拆除'), 'YX-CGJ');
    // Industrial waste dumped, even on farmland → 生态环境, not 农业农村 or 规划资源.
    assert.equal(top(cold, '有人把一桶桶的工业废渣和废机油倒在松岭村的农田里'), 'YX-STJ');
    // Filling farmland to build → 规划资源 (违法占地).
    assert.equal(top(cold, '有人在石岗村的耕地上填土，说要建停车场'), 'YX-GTJ');
    // A dog's rabies vaccine → 农业农村; a person's vaccine → 卫健.
    assert.equal(top(cold, '我家的狗要打狂犬疫苗去哪里打'), 'YX-NYJ');
    assert.equal(top(cold, '孩子打疫苗要去哪里预约'), 'YX-WJJ');
  });

  test('a street takes only territorial matters, and only where the problem is', () => {
    const s = cold.suggest({ text: '我住在翠湖苑，想请金沙社区居委会调解和邻居的边界纠纷' });
    assert.equal(s.streetCode, 'YX-JSJD');
    assert.equal(s.units[0]!.unitCode, 'YX-JSJD');
    assert.ok(!s.units.some((u) => u.unitCode === 'YX-HPJD'), 'the caller’s home street is not offered');
    assert.match(s.units[0]!.explanation.join(' '), /属地/);
  });

  test('explanations name the duty or rule and the words that matched', () => {
    const s = cold.suggest({ text: '工业一路有家厂晚上偷偷排废气，刺鼻' });
    assert.equal(s.units[0]!.unitCode, 'YX-STJ');
    assert.match(s.units[0]!.explanation[0]!, /^(职责|派单规则)：.*废气/);
  });

  test('the cold start never auto-dispatches: there is no history to choose a threshold on', () => {
    const s = cold.suggest({ text: '路灯坏了一个星期都不亮' });
    assert.equal(cold.params.threshold, null);
    assert.equal(s.autoDispatch, false);
    assert.match(s.autoReason, /历史工单不足/);
  });
});

describe('calibration and abstention', () => {
  test('scores are probabilities, sorted, never more than 1 in total', () => {
    for (const m of [cold, trained]) {
      for (const c of heldOut.slice(0, 40)) {
        const units = m.suggest({ text: c.text }).units;
        let sum = 0;
        units.forEach((u, i) => {
          assert.ok(u.score >= 0 && u.score <= 1, `${u.score}`);
          if (i) assert.ok(u.score <= units[i - 1]!.score, 'sorted best first');
          sum += u.score;
        });
        assert.ok(sum <= 1.0001, `sum ${sum}`);
      }
    }
  });

  test('the temperature is fitted on held-out folds and the threshold meets the target there', () => {
    assert.ok(trained.report, 'held-out report');
    assert.ok(trained.params.temperature > 0.1 && trained.params.temperature < 10);
    assert.notEqual(trained.params.threshold, null);
    assert.ok(trained.report.autoPrecision! >= 0.97, `${trained.report.autoPrecision}`);
    assert.ok(trained.report.autoCoverage > 0);
  });

  test('auto-dispatch only at or above the threshold, and never for a street it cannot locate', () => {
    const threshold = trained.params.threshold!;
    for (const c of heldOut.slice(0, 40)) {
      const s = trained.suggest({ text: c.text });
      if (s.autoDispatch) assert.ok(s.units[0]!.score >= threshold);
      if (s.units[0]!.score < threshold) assert.equal(s.autoDispatch, false);
    }
    const vague = trained.suggest({ text: '你好，有点事想问一下' });
    assert.equal(vague.autoDispatch, false);
    const unlocated = trained.suggest({ text: '村里的分红账目一直不公开，村干部说了算' });
    if (unlocated.units[0]!.unitCode.endsWith('JD') || unlocated.units[0]!.unitCode === 'YX-SGZ') {
      assert.equal(unlocated.autoDispatch, false);
      assert.equal(unlocated.streetCode, null);
    }
  });

  test('chooseThreshold takes the widest coverage that still meets the precision target', () => {
    const preds = [
      { p: 0.99, isCorrect: true }, { p: 0.95, isCorrect: true }, { p: 0.9, isCorrect: true }, { p: 0.8, isCorrect: false },
      { p: 0.7, isCorrect: true }, { p: 0.6, isCorrect: false }, { p: 0.5, isCorrect: false },
    ];
    assert.deepEqual(chooseThreshold(preds, 0.75), { threshold: 0.7, precision: 0.8, coverage: 5 / 7 });
    assert.deepEqual(chooseThreshold(preds, 1), { threshold: 0.9, precision: 1, coverage: 3 / 7 });
    assert.equal(chooseThreshold([{ p: 0.9, isCorrect: false }], 0.5), null);
  });

  test('fitTemperature cools overconfident logits', () => {
    // Always very sure, right only half of the time: the fitted temperature must flatten.
    const logits = Array.from({ length: 20 }, () => Float64Array.from([8, 0]));
    const truth = Array.from({ length: 20 }, (_, i) => i % 2);
    assert.ok(fitTemperature(logits, truth) > 5);
  });
});

describe('the hotline category as a hint', () => {
  const lamps = { code: '1006', name: '路灯与市政设施', description: '路灯不亮、井盖缺失、人行道和护栏破损', keywords: ['路灯', '井盖'], defaultUnitCode: 'YX-CGJ' };
  const drains = { code: '2101', name: '排水管网与污水冒溢', keywords: ['下水道', '堵塞', '冒污水'], defaultUnitCode: 'YX-SWJ' };
  const rank = (units: { unitCode: string }[], code: string) => {
    const i = units.findIndex((u) => u.unitCode === code);
    return i < 0 ? Infinity : i;
  };

  test('the hinted unit never ranks lower than without the hint, and scores stay probabilities', () => {
    for (const c of heldOut.slice(0, 60)) {
      for (const category of [lamps, drains]) {
        const plain = trained.suggest({ text: c.text }).units;
        const hinted = trained.suggest({ text: c.text, category }).units;
        assert.ok(rank(hinted, category.defaultUnitCode) <= rank(plain, category.defaultUnitCode), c.text);
        assert.ok(hinted.reduce((sum, u) => sum + u.score, 0) <= 1.0001);
      }
    }
  });

  test('a category that points to another unit stops auto-dispatch; one that agrees does not', () => {
    const text = '金沙大道有个井盖烂了一个角，晚上看不清很容易踩空';
    const plain = trained.suggest({ text });
    assert.equal(plain.units[0]!.unitCode, 'YX-CGJ');
    const agreeing = trained.suggest({ text, category: lamps });
    assert.equal(agreeing.autoDispatch, plain.autoDispatch);
    const other = trained.suggest({ text, category: drains });
    assert.equal(other.autoDispatch, false);
    assert.match(other.autoReason, /工单分类/);
  });
});

describe('learning', () => {
  test('one correction changes the next suggestion for that request, without retraining', () => {
    const model = DispatchModel.coldStart(catalogue, analyzer);
    const text = '小区门口那家店天天把音响开得很大声做促销';
    const before = top(model, text);
    const corrected = before === 'YX-SJJ' ? 'YX-CGJ' : 'YX-SJJ';
    assert.equal(model.remember({ text, unit: corrected }), true);
    assert.equal(top(model, text), corrected);
    assert.match(model.suggest({ text }).units[0]!.explanation.join(' '), /相似工单/);
    assert.equal(model.remember({ text, unit: 'YX-NOPE' }), false, 'units outside the catalogue are not learned');
  });

  test('a snapshot restores the same model on the same catalogue, and refuses another catalogue', () => {
    const snapshot = trained.toSnapshot();
    const restored = DispatchModel.fromSnapshot(catalogue, snapshot, analyzer)!;
    for (const e of toExamples(heldOut)) restored.remember(e);
    for (const c of heldOut.slice(0, 10)) assert.deepEqual(restored.suggest({ text: c.text }), trained.suggest({ text: c.text }));
    const changed = { ...catalogue, units: catalogue.units.filter((u) => u.code !== 'YX-ZLS') };
    assert.equal(DispatchModel.fromSnapshot(changed, snapshot), null);
  });
});

const corpusUrl = new URL('../../../../../shared/fixtures/hotline/train.jsonl', import.meta.url);
describe('cross-validation on the reference corpus', () => {
  test('5-fold CV stays well above the floor', { skip: !fs.existsSync(corpusUrl) && 'shared fixtures absent (../shared/fixtures/hotline/train.jsonl)' }, () => {
    const cases = parseJsonl(fs.readFileSync(corpusUrl, 'utf8'), 'train');
    const { summary } = crossValidate(catalogue, cases, { folds: 5, seed: 42 });
    // Floors below the figures the bench prints (0.919 / 0.994 / 1.000, auto 0.983 at 0.747 on this
    // split; other splits move top-1 by ±1 point): a real regression fails, noise does not.
    assert.ok(summary.top1! >= 0.88, `top1 ${summary.top1}`);
    assert.ok(summary.top3! >= 0.97, `top3 ${summary.top3}`);
    assert.ok(summary.street! >= 0.97, `street ${summary.street}`);
    assert.ok(summary.autoCoverage! >= 0.65, `autoCoverage ${summary.autoCoverage}`);
    assert.ok(summary.autoPrecision! >= 0.95, `autoPrecision ${summary.autoPrecision}`);
  });

  test('trained on the corpus, it holds on requests written apart from it', { skip: !fs.existsSync(corpusUrl) && 'shared fixtures absent' }, () => {
    const model = DispatchModel.train(catalogue, toExamples(parseJsonl(fs.readFileSync(corpusUrl, 'utf8'), 'train')), {}, analyzer);
    const read = (name: string) => parseJsonl(fs.readFileSync(new URL(`../fixtures/${name}.jsonl`, import.meta.url), 'utf8'), name);
    for (const [name, set] of [['held-out', heldOut], ['varied', read('heldout-varied')], ['fresh', read('heldout-fresh')]] as const) {
      const { summary } = evaluateCases(model, set);
      // The bench prints 0.987 / 0.964 / 0.962 top-1 and no worse than 0.978 auto precision on these sets.
      assert.ok(summary.top1! >= 0.92, `${name} top1 ${summary.top1}`);
      assert.ok(summary.street! >= 0.97, `${name} street ${summary.street}`);
      assert.ok(summary.autoPrecision! >= 0.95 && summary.autoCoverage! >= 0.7, `${name} auto ${summary.autoPrecision} at ${summary.autoCoverage}`);
    }
  });
});
