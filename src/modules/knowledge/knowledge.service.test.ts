import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';
import { createTestDb, engines, type TestDb } from '../../../test/db.ts';
import { createPlatform, migrationSources, seedPlatform } from '../../app.ts';
import { systemActor, verifyAuditChain } from '../../platform/audit.ts';
import { fixedClock } from '../../platform/clock.ts';
import { loadConfig } from '../../platform/config.ts';
import { AppError } from '../../platform/errors.ts';
import { createWorker } from '../../platform/jobs/worker.ts';
import type { Platform } from '../../platform/module.ts';
import { DEMO_DISTRICT_FILE, importDistrict, orgModule } from '../org/index.ts';
import { getArticle, getArticleVersion, knowledgeModule, searchArticles } from './index.ts';
import { DEMO_ARTICLES } from './fixtures/demo-articles.ts';
import { addDays, chinaDate, createArticle, getPublicArticle, importArticles, publishArticle, retireArticle, updateArticle } from './knowledge.service.ts';

const MODULES = [orgModule, knowledgeModule];
const ctx = { actor: { kind: 'user' as const, id: '00000000-0000-7000-8000-000000000001', label: '知识库编辑' } };

async function rejects(p: Promise<unknown>, code: string, status?: number) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, code);
    if (status) assert.equal(err.status, status);
    return true;
  });
}

const auditActions = async (platform: Platform, id: string) =>
  (await platform.db.query<{ action: string }>('SELECT action FROM platform.audit_log WHERE object_id = $1 ORDER BY id', [id])).map((r) => r.action);

// Queries as citizens type them, with the article a good answer starts from. Set A was written with
// the demo articles; set B afterwards, before the ranking was tuned; set C after tuning.
const SET_A: [string, string][] = [
  ['公积金怎么取出来', '住房公积金提取'], ['楼上装修太吵', '噪音扰民处理职责分工'], ['孩子出生要办什么', '新生儿出生登记'],
  ['请问：身分证丢了怎么补办？', '居民身份证办理、换领与补领'], ['电瓶车在楼道充电', '电动自行车充电安全'], ['家里困难怎么申请低保', '最低生活保障申请'],
  ['被狗咬了去哪里打针', '养犬管理与犬只伤人'], ['老板拖欠工资不发怎么办', '拖欠工资投诉'], ['沙溪村停水了', '停水咨询'],
  ['房产证怎么办理', '不动产登记（房产证）办理'], ['手术后感染想申请医疗纠纷调解', '医疗纠纷调解途径'], ['暂住证怎么办', '居住证办理'],
  ['下雨后路上积水很深', '暴雨积水与排水管堵塞'], ['网约车司机态度差', '云溪区交通运输局职责'], ['结婚登记要带什么', '婚姻登记办理'],
  ['被辞退了能领失业金吗', '失业登记与失业保险金申领'], ['健身房老板跑路了', '预付卡商家跑路与消费纠纷'], ['电梯困人', '电梯故障困人'],
  ['楼下饭店油烟很大', '油烟投诉职责分工'], ['邻居在楼顶违章搭建', '违法建设查处分工'], ['宝宝出生怎么上户口', '新生儿出生登记'],
  ['路灯坏了找谁', '路灯不亮、井盖破损怎么反映'], ['没有单位怎么交社保', '灵活就业人员参加社会保险'], ['政务大厅几点上班', '政务服务大厅预约取号'],
  ['家里着火了生活困难', '临时救助申请'], ['沙溪村属于哪个街道', '金沙街道办事处职责'], ['广场舞声音太大', '噪音扰民处理职责分工'],
  ['公基金提取', '住房公积金提取'], ['晚上工地施工吵得睡不着', '噪音扰民处理职责分工'], ['ＡＢ公积金　提取', '住房公积金提取'],
];
const SET_B: [string, string][] = [
  ['我想把住房公积金取出来付房租', '住房公积金提取'], ['隔壁装修电钻声音中午也不停', '噪音扰民处理职责分工'], ['老婆刚生了孩子，户口怎么报', '新生儿出生登记'],
  ['身份证掉了', '居民身份证办理、换领与补领'], ['楼道里停满了电动车很危险', '电动自行车充电安全'], ['低保标准是多少', '最低生活保障申请'],
  ['小区里的狗晚上一直叫', '养犬管理与犬只伤人'], ['公司三个月没发工资了', '拖欠工资投诉'], ['小区突然没水了', '停水咨询'],
  ['二手房过户需要什么材料', '不动产登记（房产证）办理'], ['在医院做手术出了问题想找人调解', '医疗纠纷调解途径'], ['外地人在这边怎么办居住证', '居住证办理'],
  ['马路上的下水道堵了', '暴雨积水与排水管堵塞'], ['出租车司机绕路', '云溪区交通运输局职责'], ['去哪里领结婚证', '婚姻登记办理'],
  ['失业保险金能领几个月', '失业登记与失业保险金申领'], ['美容院关门了卡里还有钱', '预付卡商家跑路与消费纠纷'], ['电梯经常坏', '电梯故障困人'],
  ['烧烤摊油烟熏人', '油烟投诉职责分工'], ['有人在耕地上盖厂房', '违法建设查处分工'], ['交通信号灯坏了', '云溪区公安交警大队职责'],
  ['自己交养老保险', '灵活就业人员参加社会保险'], ['离婚冷静期多久', '婚姻登记办理'], ['医院乱收费', '云溪区卫生健康局职责'],
  ['超市卖过期牛奶', '食品安全与餐饮店卫生投诉'], ['垃圾桶满了没人清理', '生活垃圾分类投放指引'], ['办事要不要预约', '政务服务大厅预约取号'],
  ['井盖丢了', '路灯不亮、井盖破损怎么反映'], ['房东不退押金', '出租屋问题职责分工'], ['打110还是12345', '12345热线受理范围'],
];
const SET_C: [string, string][] = [
  ['公积金贷款还完了能提吗', '住房公积金提取'], ['半夜邻居家打麻将很吵', '噪音扰民处理职责分工'], ['刚出生的小孩要办哪些证', '新生儿出生登记'],
  ['临时身份证多久能拿到', '居民身份证办理、换领与补领'], ['电瓶车推到家里充电安全吗', '电动自行车充电安全'], ['没有工作没有收入能吃低保吗', '最低生活保障申请'],
  ['楼下的狗咬了我家孩子', '养犬管理与犬只伤人'], ['包工头欠我们工钱', '拖欠工资投诉'], ['水龙头出来的水是黄的', '停水咨询'],
  ['买的新房开发商一直不给办证', '不动产登记（房产证）办理'], ['孩子在医院打针出了事故', '医疗纠纷调解途径'], ['租房子的外地人能办居住证吗', '居住证办理'],
  ['路口水淹了车过不去', '暴雨积水与排水管堵塞'], ['公交车很久不来', '云溪区交通运输局职责'], ['外地人能在这里领结婚证吗', '婚姻登记办理'],
  ['失业了怎么领失业金', '失业登记与失业保险金申领'], ['游泳馆倒闭了不退钱', '预付卡商家跑路与消费纠纷'], ['被困在电梯里了', '电梯故障困人'],
  ['饭店的油烟直接排到我家窗户', '油烟投诉职责分工'], ['隔壁村有人在农田里填土建房', '违法建设查处分工'], ['停电了什么时候来电', '停电咨询'],
  ['个体户怎么交社保', '灵活就业人员参加社会保险'], ['幼儿园乱收费', '云溪区教育局职责'], ['外卖吃出虫子', '食品安全与餐饮店卫生投诉'],
  ['小区垃圾好几天没人收', '生活垃圾分类投放指引'], ['工厂晚上机器声音很大', '噪音扰民处理职责分工'], ['医调委在哪里', '医疗纠纷调解途径'],
  ['上学要积分吗', '2026年秋季小学一年级学位申请安排'], ['着火了找谁', '12345热线受理范围'],
];

for (const engine of await engines()) {
  describe(`knowledge on ${engine}`, () => {
    let t: TestDb;
    let platform: Platform;
    // 2026-06-15 10:00 in China.
    const clock = fixedClock('2026-06-15T02:00:00Z');
    const dataDir = fs.mkdtempSync(`${os.tmpdir()}/yiwang-knowledge-`);

    before(async () => {
      t = await createTestDb(engine, migrationSources(MODULES));
      const config = { ...loadConfig({ YIWANG_LOG_LEVEL: 'silent' }), dataDir, piiKey: randomBytes(32).toString('base64') };
      platform = await createPlatform({ config, db: t.db, clock, modules: MODULES });
      await seedPlatform(platform, { demo: false, modules: MODULES });
    });
    after(async () => {
      await t.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    test('the seed publishes the demo articles and one duty article per unit with duties, once', async () => {
      const n = (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM knowledge.article WHERE state = 'published'`))[0]!.n;
      assert.equal(n, DEMO_ARTICLES.length + 24);
      assert.ok(DEMO_ARTICLES.length >= 25);
      await seedPlatform(platform, { demo: false, modules: MODULES });
      const [again] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM knowledge.article');
      assert.equal(again!.n, n);
      const duty = (await searchArticles(platform, '金沙街道办事处职责', { kind: 'unit_duty', limit: 1 })).items[0]!;
      const article = await getArticle(platform, duty.id);
      assert.equal(article.current.issuingUnit?.code, 'YX-JSJD');
      assert.match(article.current.body, /辖区内违法建设的初查与制止/);
      assert.match(article.current.body, /村内或住宅内正在施工、要求制止/, 'street rules of the dispatch catalogue');
      assert.match(article.current.body, /沙溪村/, 'the street gazetteer');
      // Seed articles of units another district lacks are skipped, not fatal.
      assert.equal(await importArticles(platform, [{ key: 'elsewhere', kind: 'faq', title: '别处', body: '正文', issuingUnitCode: 'ZZ-NONE' }], ctx, 'test:'), 0);
    });

    test('versioning: draft → published; an edit opens a new draft; publishing supersedes; history stays', async () => {
      const created = await createArticle(platform, {
        kind: 'policy',
        title: '云溪区养老服务补贴办法',
        body: '八十周岁以上老人每月发放高龄津贴100元。',
        tags: ['养老', '高龄津贴'],
        issuingUnitCode: 'YX-MZJ',
        isPublic: true,
      }, ctx);
      const id = created.id;
      assert.equal(created.state, 'draft');
      assert.equal(created.current.status, 'draft');
      assert.deepEqual(created.current.issuingUnit, { id: created.current.issuingUnit!.id, code: 'YX-MZJ', name: '云溪区民政局' });
      // Drafts are invisible to agents and to search.
      await rejects(getArticle(platform, id), 'KNOWLEDGE_ARTICLE_NOT_FOUND', 404);
      assert.ok(!(await searchArticles(platform, '高龄津贴')).items.some((i) => i.id === id));
      // Rewriting a draft keeps its version number.
      const rewritten = await updateArticle(platform, id, { title: '云溪区养老服务补贴办法', body: '八十周岁以上老人每月发放高龄津贴150元。', tags: ['养老', '高龄津贴'], issuingUnitCode: 'YX-MZJ', isPublic: true }, ctx);
      assert.equal(rewritten.latestVersion, 1);

      const v1 = await publishArticle(platform, id, { version: 1 }, ctx);
      assert.equal(v1.state, 'published');
      assert.equal(v1.publishedVersion, 1);
      assert.equal((await searchArticles(platform, '高龄津贴')).items[0]?.id, id);
      await rejects(publishArticle(platform, id, {}, ctx), 'KNOWLEDGE_NO_DRAFT', 409);

      clock.advance(3600_000);
      const edited = await updateArticle(platform, id, {
        title: '云溪区养老服务补贴办法', body: '八十周岁以上老人每月发放高龄津贴200元，九十周岁以上300元。', tags: ['养老', '高龄津贴'],
        issuingUnitCode: 'YX-MZJ', isPublic: true, changeNote: '提高标准', baseVersion: 1,
      }, ctx);
      assert.equal(edited.latestVersion, 2);
      assert.equal(edited.current.version, 1, 'the published version stays current while the draft is open');
      assert.equal(edited.draft?.version, 2);
      // Agents still read version 1 and cannot see the draft.
      const agentView = await getArticle(platform, id);
      assert.equal(agentView.current.body, '八十周岁以上老人每月发放高龄津贴150元。');
      assert.deepEqual(agentView.versions.map((v) => v.version), [1]);
      await rejects(getArticleVersion(platform, id, 2), 'KNOWLEDGE_VERSION_NOT_FOUND', 404);
      // A stale edit and publishing the wrong version are refused.
      await rejects(updateArticle(platform, id, { title: 'x', body: 'y', baseVersion: 1 }, ctx), 'KNOWLEDGE_VERSION_CONFLICT', 409);
      await rejects(publishArticle(platform, id, { version: 1 }, ctx), 'KNOWLEDGE_VERSION_CONFLICT', 409);

      const v2 = await publishArticle(platform, id, { version: 2 }, ctx);
      assert.equal(v2.publishedVersion, 2);
      assert.deepEqual(v2.versions.map((v) => [v.version, v.status]), [[2, 'published'], [1, 'superseded']]);
      const old = await getArticleVersion(platform, id, 1);
      assert.equal(old.status, 'superseded');
      assert.equal(old.body, '八十周岁以上老人每月发放高龄津贴150元。');
      assert.equal(old.endedAt, clock.now().toISOString());
      const hits = (await searchArticles(platform, '九十周岁高龄津贴')).items.filter((i) => i.id === id);
      assert.deepEqual(hits.map((h) => h.version), [2], 'search finds the published version only');

      const retired = await retireArticle(platform, id, '政策已整合到新办法', ctx);
      assert.equal(retired.state, 'retired');
      assert.equal(retired.current.status, 'retired');
      assert.ok(!(await searchArticles(platform, '高龄津贴', { includeExpired: true })).items.some((i) => i.id === id));
      await rejects(retireArticle(platform, id, '再次', ctx), 'KNOWLEDGE_NOT_PUBLISHED', 409);
      // History stays readable after retirement.
      assert.equal((await getArticleVersion(platform, id, 1)).status, 'superseded');

      assert.deepEqual(await auditActions(platform, id), [
        'knowledge.article.create', 'knowledge.article.update', 'knowledge.article.publish', 'knowledge.article.update',
        'knowledge.article.publish', 'knowledge.article.retire',
      ]);
      const events = await t.db.query<{ topic: string; payload: { version: number; supersededVersion?: number } }>(
        'SELECT topic, payload FROM platform.outbox WHERE key = $1 ORDER BY id', [id]);
      assert.deepEqual(events.map((e) => [e.topic, e.payload.version]), [
        ['knowledge.article.published', 1], ['knowledge.article.published', 2], ['knowledge.article.retired', 2],
      ]);
      assert.equal(events[1]!.payload.supersededVersion, 1);
      assert.equal((await verifyAuditChain(t.db)).ok, true);
    });

    test('bad input is refused with stable codes and nothing is written', async () => {
      const before = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM knowledge.article'))[0]!.n;
      const base = { kind: 'faq' as const, title: '测试', body: '正文' };
      await rejects(createArticle(platform, { ...base, issuingUnitCode: 'YX-NOPE' }, ctx), 'ORG_UNIT_UNKNOWN', 400);
      await rejects(createArticle(platform, { ...base, validFrom: '2026-05-01', validUntil: '2026-04-30' }, ctx), 'KNOWLEDGE_VALIDITY_INVALID', 400);
      await rejects(createArticle(platform, { ...base, validUntil: '2026-02-30' }, ctx), 'VALIDATION_FAILED', 400);
      await rejects(createArticle(platform, { ...base, kind: 'rumour' } as never, ctx), 'VALIDATION_FAILED', 400);
      await rejects(createArticle(platform, { ...base, title: '   ' }, ctx), 'VALIDATION_FAILED', 400);
      await rejects(updateArticle(platform, '0190e4f0-0000-7000-8000-000000000000', { title: '测试', body: '正文' }, ctx), 'KNOWLEDGE_ARTICLE_NOT_FOUND', 404);
      await rejects(publishArticle(platform, '0190e4f0-0000-7000-8000-000000000000', {}, ctx), 'KNOWLEDGE_ARTICLE_NOT_FOUND', 404);
      assert.equal((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM knowledge.article'))[0]!.n, before);
    });

    test('editors act only on articles of units in their subtree', async () => {
      const principal = (role: 'supervisor' | 'hotline_agent', orgPath: string) => ({
        via: 'session' as const, userId: ctx.actor.id, userKind: 'staff' as const, displayName: 'x',
        grants: [{ role, orgUnitId: ctx.actor.id, orgPath }],
        permissions: new Set(role === 'supervisor' ? (['knowledge:write'] as const) : ([] as const)),
      });
      const local = { ...ctx, principal: principal('supervisor', 'YX/YX-MZJ') };
      const a = await createArticle(platform, { kind: 'faq', title: '婚姻登记处地址', body: '云溪大道1号', issuingUnitCode: 'YX-MZJ' }, local);
      await rejects(createArticle(platform, { kind: 'faq', title: '别的单位', body: '正文', issuingUnitCode: 'YX-CGJ' }, local), 'FORBIDDEN', 403);
      await rejects(updateArticle(platform, a.id, { title: '婚姻登记处地址', body: '改', issuingUnitCode: 'YX-CGJ' }, local), 'FORBIDDEN', 403);
      await rejects(publishArticle(platform, a.id, {}, { ...ctx, principal: principal('hotline_agent', 'YX') }), 'FORBIDDEN', 403);
      assert.equal((await publishArticle(platform, a.id, {}, local)).state, 'published');
    });

    test('expired and not-yet-valid articles are hidden from default search, found with the flag', async () => {
      const q = '小学一年级学位申请';
      const find = async (opts = {}) => (await searchArticles(platform, q, opts)).items.find((i) => i.title.startsWith('2026年秋季'));
      assert.equal((await find())?.validity, 'in_force');
      clock.set('2026-10-08T02:00:00Z');
      try {
        assert.equal(await find(), undefined);
        assert.equal((await find({ includeExpired: true }))?.validity, 'expired');
        const festival = await searchArticles(platform, '春节期间政务中心放假吗');
        assert.ok(!festival.items.some((i) => i.title.startsWith('2027年春节')), 'not yet in force');
        const withFlag = await searchArticles(platform, '春节期间政务中心放假吗', { includeExpired: true });
        assert.equal(withFlag.items[0]?.title, '2027年春节期间政务服务大厅办公安排');
        assert.equal(withFlag.items[0]?.validity, 'not_yet_valid');
        await rejects(getPublicArticle(platform, withFlag.items[0]!.id), 'KNOWLEDGE_ARTICLE_NOT_FOUND', 404);
      } finally {
        clock.set('2026-06-15T02:00:00Z');
      }
    });

    test('the daily job flags articles expiring within 30 days, once, with an audit row and an event', async () => {
      const worker = createWorker({ queue: platform.jobs });
      clock.set('2026-12-05T01:00:00Z');
      try {
        // A policy ending today is still in force and due; one ending in 31 days is not yet.
        const due = await createArticle(platform, { kind: 'policy', title: '冬季送温暖活动安排', body: '困难家庭慰问。', issuingUnitCode: 'YX-MZJ', validUntil: '2026-12-05' }, ctx);
        await publishArticle(platform, due.id, {}, ctx);
        const later = await createArticle(platform, { kind: 'policy', title: '春运期间公交加班安排', body: '加开班次。', issuingUnitCode: 'YX-JTJ', validUntil: addDays('2026-12-05', 31) }, ctx);
        await publishArticle(platform, later.id, {}, ctx);

        await worker.runUntilIdle();
        const flagged = await t.db.query<{ article_id: string }>(
          `SELECT article_id FROM knowledge.article_version WHERE expiry_flagged_at IS NOT NULL ORDER BY valid_until`);
        const subsidy = (await searchArticles(platform, '加装电梯补贴')).items[0]!;
        assert.equal(subsidy.validUntil, '2026-12-31');
        assert.deepEqual(flagged.map((r) => r.article_id).sort(), [due.id, subsidy.id].sort());
        assert.deepEqual(await auditActions(platform, subsidy.id), ['knowledge.article.expiry-flag']);
        const events = await t.db.query<{ key: string }>(`SELECT key FROM platform.outbox WHERE topic = 'knowledge.article.expiry_flagged'`);
        assert.deepEqual(events.map((e) => e.key).sort(), [due.id, subsidy.id].sort());
        const soon = await searchArticles(platform, undefined, { expiringSoon: true, limit: 50 });
        assert.deepEqual(soon.items.map((i) => i.id).sort(), [due.id, subsidy.id].sort());

        // Next day: the same versions are not flagged again; the later one comes into range.
        clock.advance(86_400_000);
        await worker.runUntilIdle();
        const total = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM platform.audit_log WHERE action = 'knowledge.article.expiry-flag'`);
        assert.equal(total[0]!.n, 3);
        assert.deepEqual(await auditActions(platform, later.id), ['knowledge.article.create', 'knowledge.article.publish', 'knowledge.article.expiry-flag']);
      } finally {
        clock.set('2026-06-15T02:00:00Z');
      }
    });

    test('re-importing the district reindexes new place names and republishes changed duty articles', async () => {
      const doc = JSON.parse(fs.readFileSync(DEMO_DISTRICT_FILE, 'utf8'));
      doc.gazetteer['YX-JSJD'].communities.push('桃源新村');
      doc.units.find((u: { code: string }) => u.code === 'YX-CGJ').duties.push('共享单车乱停放');
      await importDistrict(t.db, clock, doc, { actor: systemActor('test') });
      await createWorker({ queue: platform.jobs }).runUntilIdle();

      const place = await searchArticles(platform, '桃源新村归哪个街道管');
      assert.deepEqual(place.terms.slice(0, 1), ['桃源新村'], 'the new community is one word now');
      assert.equal(place.items[0]?.title, '金沙街道办事处职责');
      const cgj = (await searchArticles(platform, '共享单车乱停放')).items[0]!;
      assert.equal(cgj.title, '云溪区城市管理和综合执法局职责');
      const article = await getArticle(platform, cgj.id);
      assert.deepEqual(article.versions.map((v) => [v.version, v.status]), [[2, 'published'], [1, 'superseded']]);
      assert.equal(article.current.changeNote, '按派单目录更新');
      // The street article changed too (its gazetteer); untouched units keep version 1.
      const gaj = (await searchArticles(platform, '南江市公安局云溪分局职责', { kind: 'unit_duty', limit: 1 })).items[0]!;
      assert.equal(gaj.version, 1);
    });

    test('search quality on citizens’ queries', async (tt) => {
      const evaluate = async (set: [string, string][]) => {
        let top1 = 0;
        let top3 = 0;
        const misses: string[] = [];
        for (const [q, want] of set) {
          const titles = (await searchArticles(platform, q, { limit: 3 })).items.map((i) => i.title);
          const rank = titles.indexOf(want);
          if (rank === 0) top1 += 1;
          if (rank >= 0) top3 += 1;
          else misses.push(`${q} → ${titles.join(' | ')}`);
        }
        return { top1, top3, misses };
      };
      const a = await evaluate(SET_A);
      const b = await evaluate(SET_B);
      const c = await evaluate(SET_C);
      tt.diagnostic(`set A top1 ${a.top1}/${SET_A.length} top3 ${a.top3}/${SET_A.length}`);
      tt.diagnostic(`set B top1 ${b.top1}/${SET_B.length} top3 ${b.top3}/${SET_B.length}`);
      tt.diagnostic(`set C top1 ${c.top1}/${SET_C.length} top3 ${c.top3}/${SET_C.length}; misses: ${c.misses.join('; ')}`);
      assert.deepEqual(a.misses, []);
      assert.equal(a.top1, SET_A.length);
      assert.ok(b.top3 >= 28 && b.top1 >= 24, JSON.stringify(b));
      assert.ok(c.top3 >= 26 && c.top1 >= 24, JSON.stringify(c));
    });

    test('the brief’s queries: top answers, full-width and typo variants', async () => {
      const top = async (q: string, n = 1) => (await searchArticles(platform, q, { limit: n })).items.map((i) => i.title);
      assert.equal((await top('公积金怎么取出来'))[0], '住房公积金提取');
      assert.ok((await top('楼上装修太吵', 3)).includes('噪音扰民处理职责分工'));
      assert.equal((await top('孩子出生要办什么'))[0], '新生儿出生登记');
      assert.equal((await top('公积金怎么取出来？？'))[0], '住房公积金提取');
      assert.equal((await top('ＧＪＪ　公积金　怎么取出来'))[0], '住房公积金提取');
      assert.equal((await top('公基金怎么取出来'))[0], '住房公积金提取', 'typo 公基金');
      assert.equal((await top('身分证丢了'))[0], '居民身份证办理、换领与补领', 'typo 身分证');
      assert.ok((await top('楼上\u200b装修太吵！！', 3)).includes('噪音扰民处理职责分工'), 'zero-width space pasted from chat');
    });

    test('results carry a highlighted, escaped snippet and the matched terms', async () => {
      const r = await searchArticles(platform, '电瓶车楼道充电');
      assert.deepEqual(r.terms, ['电瓶车', '楼道', '充电']);
      const first = r.items[0]!;
      assert.equal(first.title, '电动自行车充电安全');
      assert.equal(first.isFullMatch, true);
      assert.match(first.snippet, /<mark>楼道<\/mark>/);
      assert.match(first.snippet, /<mark>电动自行车<\/mark>/, 'a synonym of 电瓶车 is marked');
      assert.ok(!/<(?!\/?mark>)/.test(first.snippet), 'no other tags');
      assert.ok(r.items.every((i, k) => k === 0 || !i.isFullMatch || r.items[k - 1]!.isFullMatch), 'full matches first');
      assert.deepEqual((await searchArticles(platform, '您好请问一下')).items, []);
    });

    test('filters: kind, category (hotline code or tag), public only, limit', async () => {
      const noise = await searchArticles(platform, '噪声', { category: 'environment.noise' });
      assert.deepEqual(noise.items.map((i) => i.title).sort(), ['《中华人民共和国噪声污染防治法》要点', '噪音扰民处理职责分工']);
      assert.ok((await searchArticles(platform, '噪声', { category: '广场舞' })).items.every((i) => i.tags.includes('广场舞')));
      assert.ok((await searchArticles(platform, '噪声', { kind: 'law' })).items.every((i) => i.kind === 'law'));
      assert.equal((await searchArticles(platform, undefined, { limit: 5 })).items.length, 5);
      const internal = await createArticle(platform, { kind: 'faq', title: '话务员内部口径：噪声投诉升级', body: '连续三次来电的噪声投诉，转督办。' }, ctx);
      await publishArticle(platform, internal.id, {}, ctx);
      assert.ok((await searchArticles(platform, '噪声投诉升级')).items.some((i) => i.id === internal.id));
      assert.ok(!(await searchArticles(platform, '噪声投诉升级', { publicOnly: true })).items.some((i) => i.id === internal.id));
      await rejects(getPublicArticle(platform, internal.id), 'KNOWLEDGE_ARTICLE_NOT_FOUND', 404);
    });

    test('dates are counted in China time', () => {
      assert.equal(chinaDate(new Date('2026-06-14T16:30:00Z')), '2026-06-15');
      assert.equal(chinaDate(new Date('2026-06-14T15:59:59Z')), '2026-06-14');
      assert.equal(addDays('2026-12-31', 1), '2027-01-01');
    });
  });
}
