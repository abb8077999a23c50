import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDb, engines, type TestDb } from '../../../test/db.ts';
import { Segmenter } from '../../platform/text/segment.ts';
import { escapeHtml, highlightSnippet, indexText, knowledgeWords, lexemes, parseQuery } from './knowledge.search.ts';

const seg = new Segmenter({ userWords: [...knowledgeWords(), '沙溪村', '金沙工业园'] });

describe('knowledge search: query parsing', () => {
  test('stop words go, words become groups with their sub-words and synonyms', () => {
    const q = parseQuery(seg, '您好，请问公积金怎么取出来？');
    assert.deepEqual(q.terms, ['公积金', '取出']);
    const fund = q.groups.find((g) => g.word === '公积金')!;
    assert.ok(fund.synonyms.includes('住房公积金'));
    assert.ok(fund.subwords.includes('公积'));
    assert.ok(q.groups.find((g) => g.word === '取出')!.synonyms.includes('提取'));
    assert.equal(q.requiredQueries.length, 2);
  });

  test('a lone character with a synonym matches by prefix; a vague one only as itself and is not required', () => {
    const q = parseQuery(seg, '楼上装修太吵，找谁');
    assert.deepEqual(q.terms, ['楼上', '装修', '吵', '找', '谁']);
    assert.match(q.anyQuery, /'吵':\*/);
    assert.match(q.anyQuery, /'找'(?!:)/);
    assert.equal(q.requiredQueries.length, 3, 'the vague 找 and 谁 are not required');
    assert.ok(q.titleQueries.every((t) => t.includes(':A') || t.includes(':*A')));
  });

  test('full-width text and typos are normalised before parsing', () => {
    assert.deepEqual(parseQuery(seg, 'ＡＢＣ　身分证丢了').terms, ['abc', '身份证', '丢']);
  });

  test('a query of stop words only has nothing to match', () => {
    const q = parseQuery(seg, '您好，请问一下，谢谢');
    assert.deepEqual(q.terms, []);
    assert.equal(q.anyQuery, '');
  });

  test('quotes and backslashes cannot escape a tsquery operand', () => {
    const q = parseQuery(seg, "o'neil \\ 'x' | !(y)");
    assert.ok(!/[|&!()]/.test(q.terms.join('')));
    for (const g of q.groups) for (const w of [g.word, ...g.subwords]) assert.deepEqual(lexemes(w), [w]);
  });
});

describe('knowledge search: index text', () => {
  test('title, tags and body are segmented into search terms; the category code joins the tags', () => {
    const t = indexText(seg, { title: '住房公积金提取', body: '租房自住可以提取。', tags: ['公积金'], hotlineCategory: 'housing.provident_fund' });
    assert.deepEqual(t.title.split(' '), ['住房', '公积', '积金', '公积金', '住房公积金', '提取']);
    assert.equal(t.tags, '公积 积金 公积金 housing provident fund');
    assert.ok(t.body.split(' ').includes('租房') && !t.body.includes('可以'));
  });

  test('place names added to the dictionary stay whole', () => {
    assert.ok(indexText(seg, { title: '沙溪村停水', body: '金沙工业园', tags: [], hotlineCategory: null }).body.split(' ').includes('金沙工业园'));
  });
});

describe('knowledge search: snippets', () => {
  test('matched terms are marked, everything else escaped', () => {
    assert.equal(
      highlightSnippet('<b>公积金</b> & 提取', ['公积金', '提取']),
      '&lt;b&gt;<mark>公积金</mark>&lt;/b&gt; &amp; <mark>提取</mark>',
    );
  });

  test('the longer of overlapping terms wins; Latin matches ignore case', () => {
    assert.equal(highlightSnippet('住房公积金', ['公积', '公积金']), '住房<mark>公积金</mark>');
    assert.equal(highlightSnippet('KTV噪声', ['ktv']), '<mark>KTV</mark>噪声');
  });

  test('the window opens near the first match, with ellipses where text was cut', () => {
    const text = `${'前文'.repeat(100)}电动自行车不得在楼道充电${'后文'.repeat(100)}`;
    const s = highlightSnippet(text, ['充电'], 60);
    assert.ok(s.startsWith('…') && s.endsWith('…'));
    assert.ok(s.includes('<mark>充电</mark>'));
    assert.ok([...s.replace(/<\/?mark>/g, '')].length <= 62);
  });

  test('without a match, the opening of the text; regex characters in terms are literal', () => {
    assert.equal(highlightSnippet('办事指南', ['a.b']), '办事指南');
    assert.equal(highlightSnippet('12345(热线)', ['(热线)']), '12345<mark>(热线)</mark>');
    assert.equal(escapeHtml(`"'`), '&quot;&#39;');
  });
});

// The database must see exactly the app's terms: one lexeme each, on both engines.
for (const engine of await engines()) {
  describe(`knowledge search: terms in tsvector on ${engine}`, () => {
    let t: TestDb;
    before(async () => {
      t = await createTestDb(engine);
    });
    after(() => t.drop());

    test("to_tsvector('simple', …) keeps every segmented term as one lexeme", async () => {
      const text = indexText(seg, {
        title: 'ＫＴＶ噪声扰民，3.5万元e-mail投诉',
        body: '沙溪村的金沙工业园旁，O’Neil餐厅油烟直排；𠮷野家２４小时营业。',
        tags: ['夜间施工'],
        hotlineCategory: 'environment.noise',
      });
      for (const part of [text.title, text.tags, text.body]) {
        const [row] = await t.db.query<{ lexemes: string[] }>(
          `SELECT tsvector_to_array(to_tsvector('simple', $1)) AS lexemes`,
          [part],
        );
        assert.deepEqual([...row!.lexemes].sort(), [...new Set(part.split(' '))].sort(), part);
      }
    });

    test('the parsed queries are valid tsquery text', async () => {
      for (const q of ['楼上装修太吵', "o'neil \\ 'x'", '吵', '12345热线', 'ＡＢＣ 公积金']) {
        const p = parseQuery(seg, q);
        for (const tsq of [p.anyQuery, p.strictQuery, ...p.requiredQueries, ...p.titleQueries]) {
          await t.db.query(`SELECT to_tsquery('simple', $1)`, [tsq]);
        }
      }
    });
  });
}
