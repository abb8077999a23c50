// Guide search on a large catalogue: the demo catalogue plus 5,000 generated items (variants of the
// demo items under other names, units and codes), then citizens' queries one after another.
// Prints the import time, queries per second and latency percentiles per engine; asserts nothing.
// Run: npm run bench -- catalog   (BENCH_ITEMS, BENCH_QUERIES to change sizes)
import { engines } from '../test/db.ts';
import { systemActor } from '../src/platform/audit.ts';
import { importCatalog } from '../src/modules/catalog/catalog-file.service.ts';
import { searchCatalog } from '../src/modules/catalog/catalog.service.ts';
import type { CatalogFile } from '../src/modules/catalog/catalog.schemas.ts';
import { demoCatalog } from '../src/modules/catalog/fixtures/demo-catalog.ts';
import { catalogTestPlatform } from '../src/modules/catalog/fixtures/test-platform.ts';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 5000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 1000);

const QUALIFIERS = ['网上办理', '延续', '变更', '补证', '换证', '注销', '备案', '年度报告', '首次申请', '跨省通办', '告知承诺', '分支机构', '个人', '企业', '外籍人员', '港澳台居民', '农村', '城镇', '临时', '特殊情形'];
const PHRASES = ['开饭店', '营业执照', '生孩子', '退休', '低保', '上学', '居住证', '办狗证', '提取公积金', '二手房过户', '残疾证', '失业金', '招牌', '占道施工', '药店', '诊所', '电梯', '煤气', '老人补贴', '消防检查', '食品经营许可', '建设工程规划许可证', '我想开个理发店', '怎么办理结婚登记', '社保卡丢了', '排水许可延续'];

function generated(n: number): CatalogFile {
  const demo = demoCatalog();
  const bases = demo.items.filter((i) => i.kind === 'implementation');
  const doc: CatalogFile = { format: 'yiwang.catalog/1', basicEntries: [], powerList: [], items: [], bundles: [] };
  for (let i = 0; i < n; i++) {
    const base = bases[i % bases.length]!;
    const qualifier = QUALIFIERS[Math.floor(i / bases.length) % QUALIFIERS.length]!;
    const basicCode = `9${String(i).padStart(9, '0')}`;
    const v = structuredClone(base.versions[0]!);
    v.elements.name = `${base.versions[0]!.elements.name}（${qualifier}${i}）`;
    v.elements.keywords = [...v.elements.keywords.slice(0, 3), qualifier];
    doc.basicEntries.push({ code: basicCode, name: v.elements.name, typeCode: v.elements.typeCode });
    doc.items.push({ kind: 'implementation', basicCode, implementationCode: `${basicCode}44991799900009`, unitCode: base.unitCode, powerCode: base.powerCode, versions: [{ ...v, version: 1 }] });
  }
  return doc;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

for (const engine of await engines()) {
  const t = await catalogTestPlatform(engine);
  try {
    const doc = generated(ITEMS);
    let start = performance.now();
    await importCatalog(t.platform, doc, { actor: systemActor('bench') });
    const importMs = performance.now() - start;
    const count = (await t.platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM catalog.search_entry'))[0]!.n;
    // Warm up (segmenter dictionary, query plans).
    for (const q of PHRASES) await searchCatalog(t.platform, { q, limit: 20 });
    const times: number[] = [];
    start = performance.now();
    for (let i = 0; i < QUERIES; i++) {
      const s = performance.now();
      await searchCatalog(t.platform, { q: PHRASES[i % PHRASES.length]!, limit: 20 });
      times.push(performance.now() - s);
    }
    const totalMs = performance.now() - start;
    times.sort((a, b) => a - b);
    console.log(`\n${engine}: ${count} indexed versions (${ITEMS} generated items imported in ${(importMs / 1000).toFixed(1)} s)`);
    console.log(`  ${QUERIES} queries, one at a time: ${((QUERIES / totalMs) * 1000).toFixed(0)} queries/s`);
    console.log(`  latency p50 ${percentile(times, 50).toFixed(1)} ms · p90 ${percentile(times, 90).toFixed(1)} ms · p99 ${percentile(times, 99).toFixed(1)} ms · max ${times.at(-1)!.toFixed(1)} ms`);
    const top = await searchCatalog(t.platform, { q: '开饭店', limit: 3 });
    console.log(`  开饭店 → ${top.items.map((h) => h.name).join(' | ')} (of ${top.total})`);
  } finally {
    await t.close();
  }
}
